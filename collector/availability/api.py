"""HTTP API of the availability engine: figures per service and window, maintenance windows.

    GET    /api/v1/availability                all services, all windows
    GET    /api/v1/availability/{service}      one service, with its last transitions
    GET    /api/v1/maintenance                 every declared window and its status
    POST   /api/v1/maintenance                 declare {services, reason, start?, end?, force?}
    POST   /api/v1/maintenance/{id}/end        end an active window now
    DELETE /api/v1/maintenance/{id}            delete a window that has not started

Writes need an operator (``authenticate`` gives the author's name, or None: 401).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import structlog
from aiohttp import web

from collector.availability.engine import AvailabilityEngine
from collector.availability.errors import (
    InvalidMaintenanceRequest, MaintenanceRefused, RedundancyWouldBeLost, UnknownMaintenance, UnknownServices,
    WrongMaintenancePhase)
from collector.availability.maintenance import parse_request
from collector.availability.report import Snapshot
from collector.availability.maintenance import ENDED
from collector.availability.timeline import split_bucket
from collector.availability.vocabulary import GROUP, state_name

log = structlog.get_logger(__name__)

Authenticate = Callable[[web.Request], "str | None"]


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return _json({"error": message, **extra}, status)


# How each refusal of the engine answers over HTTP.
_STATUS_OF: tuple[tuple[type[MaintenanceRefused], int], ...] = (
    (InvalidMaintenanceRequest, 400),
    (UnknownServices, 404),
    (UnknownMaintenance, 404),
    (WrongMaintenancePhase, 409),
    (RedundancyWouldBeLost, 409),
)


def status_of(exc: MaintenanceRefused) -> int:
    for kind, status in _STATUS_OF:
        if isinstance(exc, kind):
            return status
    return 409


def _refused(exc: MaintenanceRefused, *, with_conflicts: bool = False) -> web.Response:
    if not with_conflicts:
        return _error(status_of(exc), exc.message)
    reasons = exc.reasons if isinstance(exc, RedundancyWouldBeLost) else ()
    return _error(status_of(exc), exc.message, conflicts=list(reasons))


def _render_all(snap: Snapshot) -> bytes:
    frame = snap.frame
    return orjson.dumps({
        "now": frame.now,
        "windows": [{"name": name, "start": frame.starts[w], "period_seconds": frame.periods[w],
                     "rolling": frame.rolling[w]} for w, name in enumerate(frame.names)],
        "services": {svc.name: snap.service_json(i) for i, svc in enumerate(snap.services)},
    })


class AvailabilityApi:
    def __init__(self, engine: AvailabilityEngine, authenticate: Authenticate,
                 persist: Callable[[], Awaitable[None]]) -> None:
        self._engine = engine
        self._authenticate = authenticate
        self._persist = persist

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/v1/availability", self.all_services)
        app.router.add_get("/api/v1/availability/{service}", self.one_service)
        app.router.add_get("/api/v1/maintenance", self.list_maintenance)
        app.router.add_post("/api/v1/maintenance", self.declare)
        app.router.add_post("/api/v1/maintenance/{id}/end", self.end)
        app.router.add_delete("/api/v1/maintenance/{id}", self.delete)

    async def all_services(self, request: web.Request) -> web.Response:
        snap = self._engine.compute()
        body = await asyncio.to_thread(_render_all, snap)       # large fleets: keep the loop free
        return web.Response(body=body, content_type="application/json")

    async def one_service(self, request: web.Request) -> web.Response:
        name = request.match_info["service"]
        snap = self._engine.compute_service(name)
        if snap is None:
            return _error(404, f"no service named '{name}'")
        svc = snap.services[0]
        out = snap.service_json(0)
        out["name"] = name
        transitions = []
        for t, bucket, reason in reversed(svc.recent):
            state, maint = split_bucket(bucket)
            transitions.append({"at": t, "state": state_name(state), "maintenance": maint, "reason": reason})
        out["transitions"] = transitions
        now = snap.frame.now
        out["maintenance"] = [w.to_json(now) for w in self._engine.maintenance.values()
                              if name in w.services and w.status(now) != ENDED]
        if svc.kind == GROUP:
            spec = self._engine.graph.specs[name]
            out["rule"] = spec.describe()
            out["members"] = list(spec.members)
        return _json(out)

    async def list_maintenance(self, request: web.Request) -> web.Response:
        now = self._engine.now()
        windows = sorted(self._engine.maintenance.values(), key=lambda w: (w.start, w.id))
        status = request.query.get("status")
        items = [w.to_json(now) for w in windows if status is None or w.status(now) == status]
        return _json({"now": now, "maintenance": items})

    def _author(self, request: web.Request) -> str | None:
        return self._authenticate(request)

    async def declare(self, request: web.Request) -> web.Response:
        author = self._author(request)
        if author is None:
            return _error(401, "an operator token is required")
        try:
            body = await request.json(loads=json.loads)
        except ValueError:
            return _error(400, "the body is not valid JSON")
        try:
            services, start, end, reason, force = parse_request(body, self._engine.settings.zone,
                                                                self._engine.now())
            window = self._engine.declare_maintenance(services, start, end, reason, author, force)
        except MaintenanceRefused as exc:
            return _refused(exc, with_conflicts=True)
        await self._persist()
        return _json(window.to_json(self._engine.now()), 201)

    async def end(self, request: web.Request) -> web.Response:
        author = self._author(request)
        if author is None:
            return _error(401, "an operator token is required")
        try:
            window = self._engine.end_maintenance(request.match_info["id"], author)
        except MaintenanceRefused as exc:
            return _refused(exc)
        await self._persist()
        return _json(window.to_json(self._engine.now()))

    async def delete(self, request: web.Request) -> web.Response:
        author = self._author(request)
        if author is None:
            return _error(401, "an operator token is required")
        try:
            self._engine.delete_maintenance(request.match_info["id"], author)
        except MaintenanceRefused as exc:
            return _refused(exc)
        await self._persist()
        return web.Response(status=204)
