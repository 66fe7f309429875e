"""Wiring of the availability engine into the collector's aiohttp application."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from prometheus_client import CollectorRegistry

from collector.availability.settings import AvailabilitySettings


class AvailabilityEngine:
    """Placeholder with the final call signature; the exact engine replaces it."""

    def observe(self, target: str, at: float, status: str, health: str, reason: str, staleness: float) -> None:
        return None


ENGINE_KEY = web.AppKey("availability_engine", AvailabilityEngine)


def setup_availability(app: web.Application, settings: AvailabilitySettings, *, db_path: str,
                       authenticate: Callable[[web.Request], str | None],
                       registry: CollectorRegistry) -> AvailabilityEngine:
    engine = AvailabilityEngine()
    app[ENGINE_KEY] = engine
    return engine
