"""Starting the engine from stored history without losing or inventing a second.

The last heartbeat ``H`` is the last instant the stored state is known to be consistent:
every transition up to ``H`` was written with it. Each target was in its last state until
``H`` (or until it went silent, if sooner); from there until its next outcome it is unknown —
the collector was not looking. Maintenance boundaries that fell while it was away are
applied at their exact instants, inside that unknown time.
"""

from __future__ import annotations

from dataclasses import replace

import structlog

from collector.availability.engine import AvailabilityEngine
from collector.availability.records import LoadedState
from collector.availability.vocabulary import GROUP, TARGET, UNKNOWN

log = structlog.get_logger(__name__)


def open_engine(engine: AvailabilityEngine, loaded: LoadedState | None = None, now: float | None = None) -> None:
    """Start ``engine``: restore history, mark the time the collector was away as unknown, add groups
    and the configured maintenance windows. Call it once, before the first outcome."""
    now = engine.now() if now is None else now
    restored_groups: set[str] = set()
    heartbeat = None
    gap_total = 0.0
    gap_count = 0
    if loaded is not None:
        heartbeat = loaded.heartbeat
        for name, stored in loaded.services.items():
            is_group = engine.graph.is_group(name)
            if not len(stored.timeline) or (stored.kind == GROUP) != is_group:
                continue              # a group no longer configured, or a name now used otherwise
            engine.adopt(name, stored)
            if is_group:
                restored_groups.add(name)
        if heartbeat is None:
            heartbeat = max((s.settled for s in engine.services.values()), default=now)
        for window in loaded.windows:
            engine.restore_window(window, heartbeat)
        gaps = []
        for svc in engine.services.values():
            if svc.kind == TARGET and svc.state != UNKNOWN:
                gaps.append((max(svc.settled, min(heartbeat, svc.last_at + svc.staleness)), svc.name))
        engine.quiet = True                  # one summary line below rather than one per target
        for at, name in sorted(gaps):
            engine.mark_unknown(engine.services[name], at, "collector stopped")
        engine.quiet = False
        gap_total = max(0.0, now - heartbeat)
        gap_count = len(gaps)
    for name in engine.graph.order:
        engine.evaluate_group(name, heartbeat if name in restored_groups and heartbeat is not None else now)
    _sync_config_windows(engine, now)
    engine.advance(now)
    log.info("availability_restored", services=len(engine.services), transitions=engine.transitions,
             unknown_since_last_heartbeat=gap_count,
             maintenance=len(engine.maintenance), last_heartbeat=heartbeat, unknown_gap_seconds=round(gap_total, 3))


def _sync_config_windows(engine: AvailabilityEngine, now: float) -> None:
    """Add config windows not seen before (from now on); drop future ones no longer configured."""
    configured = engine.config_windows(now)
    ids = {w.id for w in configured}
    for window in list(engine.maintenance.values()):
        if window.source == "config" and window.id not in ids and window.start > now:
            engine.remove_window(window.id)
    for window in configured:
        if window.id in engine.maintenance or (window.end is not None and window.end <= now):
            continue
        engine.add_window(replace(window, start=max(window.start, now)), now)
