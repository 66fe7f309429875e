"""AvailabilityExporter: the engine's figures, computed afresh on every scrape.

One emitter, `emit`, writes every sample into a sink (collector.textformat): `/metrics` gives it
a `TextSink`, `collect` (prometheus-client's Collector protocol) a `FamilySink`. Each scrape
takes a snapshot of every window at once (`families.freeze`); the lines are then written from
pieces kept per service and formatted again only when their values changed
(`lines.KeptLines`), or, with ``from_scratch``, every sample formatted afresh (the reference).
"""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from collector.availability.engine import AvailabilityEngine
from collector.availability.families import freeze, render_from_scratch
from collector.availability.lines import KeptLines
from collector.textformat import Sink, collect_families

log = structlog.get_logger(__name__)


class AvailabilityExporter(Collector):
    """Service and group states, exact time counters, and per-window SLO figures."""

    def __init__(self, engine: AvailabilityEngine, *, from_scratch: bool = False) -> None:
        self._engine = engine
        self._kept = None if from_scratch else KeptLines()

    def describe(self) -> list[Metric]:
        return []          # families depend on the services seen; nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        return collect_families(self.emit)

    def emit(self, sink: Sink) -> Iterator[None]:
        """Every sample of the engine's figures, all windows computed at once at the start; writing
        them out pauses every STEP_SERVICES services (the snapshot does not change meanwhile)."""
        try:
            frozen = freeze(self._engine)
            if self._kept is None:
                yield from render_from_scratch(frozen, sink)
            else:
                yield from self._kept.emit(frozen, sink)
        except Exception:   # noqa: BLE001 - a broken engine must not break the whole /metrics page
            log.exception("availability_export_failed")
