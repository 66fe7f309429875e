"""The availability engine: outcomes in, exact per-window figures out.

Everything here runs on one thread (the event loop). Due events — a target going silent
past its staleness, a maintenance window starting or ending — are applied in time order,
at their exact instant, before any outcome or computation that comes after them.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from enum import Enum
from typing import Any

import structlog

from collector.availability.errors import (
    RedundancyWouldBeLost, UnknownMaintenance, UnknownServices, WrongMaintenancePhase)
from collector.availability.groups import Conflict, GroupGraph, as_member, evaluate
from collector.availability.history import HistoryRepair, named_at
from collector.availability.maintenance import ENDED, SCHEDULED, MaintenanceWindow, from_config, new_id
from collector.availability.records import FlushBatch, StoredService
from collector.availability.report import Snapshot
from collector.availability.service import Service
from collector.availability.settings import AvailabilitySettings
from collector.availability.timeline import bucket_of, split_bucket
from collector.availability.vocabulary import (
    DEGRADED, DOWN, GROUP, MAINTENANCE, OK, TARGET, UNKNOWN, UP_STATES, state_name)
from collector.availability.windows import Frame, WindowClock
from tierwatch_common import vocabulary as shared

log = structlog.get_logger(__name__)



class Event(Enum):
    """What a due event does when its instant comes."""

    EXPIRE = "expire"                  # a target's staleness ran out: it becomes unknown
    MAINT_START = "maintenance_start"  # a maintenance window comes into force
    MAINT_END = "maintenance_end"      # a maintenance window stops being in force


class AvailabilityEngine(HistoryRepair):
    def __init__(self, settings: AvailabilitySettings, *, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self._clock = clock
        self._zone = settings.zone
        self._windows = WindowClock(settings.windows, self._zone)
        self.graph = GroupGraph(settings.groups)
        self.services: dict[str, Service] = {}
        self._order: list[Service] = []
        self.maintenance: dict[str, MaintenanceWindow] = {}
        self._named: dict[str, int] = {}             # active maintenance windows naming each service
        self._events: list[tuple[float, int, Event, Any]] = []
        self._seq = itertools.count()
        self._now = float("-inf")
        self._pending: list[tuple[str, float, int, str]] = []
        self._dirty: dict[str, Service] = {}
        self._dirty_windows: dict[str, MaintenanceWindow | None] = {}
        self.compute_seconds = 0.0
        self.transitions = 0
        self.repaired = 0                           # late outcomes that rewrote history
        self.unrepairable = 0                       # late outcomes older than repair_horizon
        self._truncated: dict[str, float] = {}
        self._replaying = False                     # repair: groups are rebuilt afterwards
        self._history = False                       # repair: a group evaluated as of the past
        self.quiet = False                          # no per-service log lines (start-up gap)
        # Further reasons to refuse maintenance (the topology's capacity checks): services out -> conflicts
        self.capacity_check: Callable[[set[str]], list[Conflict]] | None = None

    # ---- time -------------------------------------------------------------------------
    def now(self) -> float:
        """The engine's clock, never going backwards."""
        self._now = max(self._now, self._clock())
        return self._now

    def advance(self, until: float) -> None:
        """Apply every due event up to ``until``, in time order."""
        events = self._events
        while events and events[0][0] <= until:
            at, _, kind, payload = heapq.heappop(events)
            if kind is Event.EXPIRE:
                svc = payload
                if svc.last_at + svc.staleness + svc.lag == at and svc.state != UNKNOWN:
                    # on its agent's clock: unknown from its last outcome plus the staleness
                    self.mark_unknown(svc, svc.last_at + svc.staleness, f"no outcome for {svc.staleness:g} s")
            else:
                window = self.maintenance.get(payload)
                if window is None:
                    continue
                if kind is Event.MAINT_START and window.start == at:
                    self._count(window, at, +1)
                elif kind is Event.MAINT_END and window.end == at:
                    self._count(window, at, -1)

    def _schedule(self, at: float, kind: Event, payload: Any) -> None:
        heapq.heappush(self._events, (at, next(self._seq), kind, payload))

    # ---- outcomes ---------------------------------------------------------------------
    def observe(self, target: str, at: float, status: str, health: str, reason: str, staleness: float,
                lag: float = 0.0) -> None:
        """One accepted poll outcome of ``target``, finished at ``at`` (unix seconds on its agent's
        clock, which is ``lag`` seconds behind the engine's: staleness is judged on that clock)."""
        if self.graph.is_group(target):
            log.warning("outcome_for_group_ignored", service=target)
            return
        now = self.now()
        svc = self.services.get(target)
        cut = None
        if (svc is not None and svc.kind == TARGET and svc.last_at < at <= svc.last_at + svc.staleness
                and svc.timeline.last_time > svc.last_at):    # the next outcome after inferred history
            if at < now - self.settings.repair_horizon:     # too late to rewrite: it stays unknown
                self.unrepairable += 1
                return
            cut = self._rewind(svc, at)
        t = min(at, now)
        if svc is not None:
            t = max(t, svc.settled)
        self.advance(t)
        if svc is None:
            svc = self._create(target, TARGET, t)
        else:
            t = max(t, svc.settled)      # an event applied just now may have moved it
        if not shared.counts_as_up(status, health):
            state = DOWN
        elif health == shared.DEGRADED:
            state = DEGRADED
        else:
            state = OK
        svc.last_at = svc.floor = t
        svc.staleness = staleness
        svc.lag = lag
        said = svc.reason
        svc.health, svc.reason = health, reason
        named = self._named.get(target, 0) > 0 if cut is None else named_at(self.maintenance.values(), target, t)
        self._set(svc, t, state, named, reason or status)
        if reason != said and state == DEGRADED and cut is None:      # its groups' warnings quote it
            for group in self.graph.ancestors(target):
                self.evaluate_group(group, t)
        self._schedule(t + staleness + lag, Event.EXPIRE, svc)
        self._dirty[target] = svc
        if cut is not None:
            self._replay(svc, t, now, cut)

    def mark_unknown(self, svc: Service, at: float, reason: str) -> None:
        """Nobody was looking at ``svc`` from ``at``: unknown from then, and final up to then."""
        svc.floor = max(svc.floor, at)
        self._set(svc, at, UNKNOWN, svc.maint, reason)
        self._dirty[svc.name] = svc

    def adopt(self, name: str, stored: StoredService) -> Service:
        """A service with its stored history, in the state its last stored transition says."""
        svc = self._create(name, stored.kind, stored.created_at)
        svc.timeline = stored.timeline
        svc.last_at, svc.staleness, svc.floor = stored.last_at, stored.staleness, stored.floor
        svc.state, svc.maint = split_bucket(stored.timeline.last_bucket)
        svc.recent.extend(stored.recent)
        svc.version += 1
        self.transitions += len(stored.timeline)
        return svc

    def _create(self, name: str, kind: str, at: float) -> Service:
        svc = Service(name, kind, self.settings.policy_for(name), at, len(self._windows),
                      self.settings.recent_transitions)
        self.services[name] = svc
        self._order.append(svc)
        self._dirty[name] = svc
        return svc

    def _set(self, svc: Service, at: float, state: int, maint: bool, reason: str) -> None:
        """Put ``svc`` in (state, maint) from ``at``; record, log and propagate a change."""
        tl = svc.timeline
        if len(tl):
            at = max(at, tl.last_time)
        previous = svc.state
        svc.state, svc.maint = state, maint
        if not tl.append(at, bucket_of(state, maint)):
            return
        svc.version += 1
        self.transitions += 1
        bucket = bucket_of(state, maint)
        svc.recent.append((at, bucket, reason))
        self._pending.append((svc.name, at, bucket, reason))
        if previous != state and not self.quiet:
            event = log.info if state == OK else log.warning
            event("service_state_changed", service=svc.name, kind=svc.kind, at=at,
                  state=state_name(state), previous=state_name(previous) if previous >= 0 else None,
                  maintenance=maint, reason=reason)
        if self._replaying or svc.kind == GROUP and self._history:
            return
        for group in self.graph.ancestors(svc.name):
            self.evaluate_group(group, at)

    # ---- groups -----------------------------------------------------------------------
    def _member_value(self, name: str, nominal: bool, at: float | None = None) -> int:
        """A member's value for its group now, or (``at``: history repair) as its history says."""
        svc = self.services.get(name)
        if at is None:
            named = not nominal and self._named.get(name, 0) > 0
        else:
            named = not nominal and named_at(self.maintenance.values(), name, at)
        if svc is None:
            return DOWN if named else UNKNOWN
        state = svc.state
        if at is not None:
            bucket = svc.timeline.bucket_at(at)
            state = UNKNOWN if bucket is None else split_bucket(bucket)[0]
        if nominal and svc.kind == GROUP:
            state = svc.nominal      # the nominal state is kept for now only
        return as_member(state, named, svc.kind == GROUP)

    def _member_warning(self, name: str) -> str | None:
        """A member's health warning, as its group reports it (None when it has none)."""
        svc = self.services.get(name)
        if svc is None or self._named.get(name, 0) > 0:
            return None
        if svc.kind == GROUP:
            return f"{name}: {svc.warning}" if svc.warning and svc.state in UP_STATES else None
        return f"{name}: {svc.reason or state_name(DEGRADED)}" if svc.state == DEGRADED else None

    def evaluate_group(self, name: str, at: float, history: bool = False) -> None:
        """Bring group ``name`` up to date with its members as of ``at`` (``history``: with their
        states and maintenance at ``at``, for history repair; its parents are then left alone)."""
        spec = self.graph.specs[name]
        svc = self.services.get(name) or self._create(name, GROUP, at)
        when = at if history else None
        values = [self._member_value(m, False, when) for m in spec.members]
        state = evaluate(spec.need, values)
        nominal = evaluate(spec.need, [self._member_value(m, True, when) for m in spec.members])
        svc.nominal = nominal
        caused = state not in UP_STATES and nominal in UP_STATES
        named = named_at(self.maintenance.values(), name, at) if history else self._named.get(name, 0) > 0
        maint = caused or named
        # reason and warning follow every member change, even when the group's state does not
        lacking = [f"{m}: {MAINTENANCE if self._named.get(m, 0) else state_name(v)}"
                   for m, v in zip(spec.members, values) if v != OK]
        warnings = [w for w in map(self._member_warning, spec.members) if w]
        reason, warning = ", ".join(lacking), "; ".join(warnings)
        changed = (reason, warning) != (svc.reason, svc.warning)
        svc.reason, svc.warning = reason, warning
        if state == svc.state and maint == svc.maint:
            if changed and not history:
                for group in self.graph.ancestors(name):    # parents report their members' warnings
                    self.evaluate_group(group, at)
            return
        self._history = history
        try:
            self._set(svc, at, state, maint, reason)
        finally:
            self._history = False

    def current(self, name: str) -> tuple[int, bool]:
        """(state, named in maintenance) of any name; unknown names are unknown."""
        svc = self.services.get(name)
        return (svc.state if svc is not None and svc.state >= 0 else UNKNOWN, self._named.get(name, 0) > 0)

    # ---- maintenance ------------------------------------------------------------------
    def _count(self, window: MaintenanceWindow, at: float, delta: int) -> None:
        for name in window.services:
            before = self._named.get(name, 0) > 0
            self._named[name] = self._named.get(name, 0) + delta
            after = self._named[name] > 0
            if before == after:
                continue
            svc = self.services.get(name)
            if self.graph.is_group(name):
                self.evaluate_group(name, at)
            elif svc is not None:
                self._set(svc, max(at, svc.settled), svc.state, after,
                          f"maintenance {'started' if after else 'ended'}: {window.reason}")
            for group in self.graph.ancestors(name):     # what parents see of it changed
                self.evaluate_group(group, at)

    def _schedule_bounds(self, window: MaintenanceWindow, after: float) -> None:
        """Schedule the boundaries of ``window`` that fall after ``after``."""
        if window.start > after:
            self._schedule(window.start, Event.MAINT_START, window.id)
        if window.end is not None and window.end > after:
            self._schedule(window.end, Event.MAINT_END, window.id)

    def add_window(self, window: MaintenanceWindow, now: float) -> None:
        """A new window, to be written; its boundaries up to ``now`` are applied at once."""
        self.maintenance[window.id] = window
        self._dirty_windows[window.id] = window
        self._schedule_bounds(window, float("-inf"))
        self.advance(now)

    def restore_window(self, window: MaintenanceWindow, heartbeat: float) -> None:
        """A stored window: in force now if it was at ``heartbeat`` (stored states already say so);
        its later boundaries are applied when their instants come."""
        self.maintenance[window.id] = window
        if window.start <= heartbeat and (window.end is None or heartbeat < window.end):
            for name in window.services:
                self._named[name] = self._named.get(name, 0) + 1
        self._schedule_bounds(window, heartbeat)

    def remove_window(self, window_id: str) -> None:
        """Forget a window that has not started (it shaped no recorded time)."""
        del self.maintenance[window_id]
        self._dirty_windows[window_id] = None

    def declare_maintenance(self, services: tuple[str, ...], start: float, end: float | None,
                            reason: str, author: str, force: bool = False) -> MaintenanceWindow:
        """Declare planned work; refused if it would take an up group down, unless forced.

        Raises UnknownServices, or RedundancyWouldBeLost naming each group that would go down and why.
        """
        now = self.now()
        self.advance(now)
        unknown = [s for s in services if s not in self.services and not self.graph.is_group(s)]
        if unknown:
            raise UnknownServices(unknown)
        unavailable = set(services)
        for other in self.maintenance.values():
            if other.covers(start, end) and other.status(now) != ENDED:
                unavailable.update(other.services)
        found = self.graph.conflicts(services, unavailable, self.current)
        if self.capacity_check is not None:
            found += self.capacity_check(unavailable)
        if found and not force:
            raise RedundancyWouldBeLost(found)
        conflicts = tuple(c.reason for c in found)
        window = MaintenanceWindow(id=new_id(), services=services, start=max(start, now), end=end, reason=reason,
                                   author=author, source="api", created_at=now, forced=bool(conflicts),
                                   conflicts=conflicts)
        self.add_window(window, now)
        log.warning("maintenance_declared", id=window.id, services=list(services), start=window.start,
                    end=window.end, author=author, reason=reason, forced=window.forced, conflicts=list(conflicts))
        return window

    def end_maintenance(self, window_id: str, author: str) -> MaintenanceWindow:
        """End an active window now. Raises UnknownMaintenance or WrongMaintenancePhase."""
        now = self.now()
        self.advance(now)
        window = self._window(window_id)
        status = window.status(now)
        if status == SCHEDULED:
            raise WrongMaintenancePhase("this maintenance has not started; delete it instead")
        if status == ENDED:
            raise WrongMaintenancePhase("this maintenance has already ended")
        ended = window.ended(now, author)
        self.maintenance[window_id] = ended
        self._dirty_windows[window_id] = ended
        self._schedule(now, Event.MAINT_END, window_id)
        self.advance(now)
        log.info("maintenance_ended", id=window_id, author=author)
        return ended

    def delete_maintenance(self, window_id: str, author: str) -> None:
        """Delete a window that has not started. Raises UnknownMaintenance or WrongMaintenancePhase."""
        now = self.now()
        self.advance(now)
        window = self._window(window_id)
        if window.status(now) != SCHEDULED:
            raise WrongMaintenancePhase("this maintenance has started and shaped recorded time; end it instead")
        self.remove_window(window_id)
        log.info("maintenance_deleted", id=window_id, author=author)

    def _window(self, window_id: str) -> MaintenanceWindow:
        window = self.maintenance.get(window_id)
        if window is None:
            raise UnknownMaintenance(window_id)
        return window

    # ---- results ----------------------------------------------------------------------
    def compute(self, now: float | None = None) -> Snapshot:
        """Every service's seconds per bucket in every window at ``now`` (default: the clock)."""
        began = time.perf_counter()
        frame = self._frame(now)
        services = list(self._order)
        values = [svc.windows_at(frame) for svc in services]
        self.compute_seconds = time.perf_counter() - began
        return Snapshot(frame, services, values)

    def compute_service(self, name: str, now: float | None = None) -> Snapshot | None:
        """The same for one service; None if there is no such service."""
        svc = self.services.get(name)
        if svc is None:
            return None
        frame = self._frame(now)
        return Snapshot(frame, [svc], [svc.windows_at(frame)])

    def _frame(self, now: float | None) -> Frame:
        self._now = max(self._now, self._clock() if now is None else now)
        self.advance(self._now)
        return self._windows.frame(self._now)

    def settled_of(self, svc: Service) -> float:
        """Settled instant; a group's is bounded by its members' (their late outcomes move it)."""
        if svc.kind != GROUP:
            return svc.settled
        members = [self.services[m] for m in self.graph.leaves(svc.name) if m in self.services]
        least = min((m.settled for m in members), default=svc.timeline.last_time)
        return max(svc.timeline.last_time, least)

    # ---- persistence ------------------------------------------------------------------
    @property
    def history_unwritten(self) -> bool:
        """Transitions or repaired history not drained for the store yet."""
        return bool(self._pending or self._truncated)

    def drain(self, now: float | None = None) -> FlushBatch:
        """Everything to persist since the last drain, as of ``now`` (the heartbeat)."""
        at = self.now() if now is None else max(self._now, now)
        self._now = at
        self.advance(at)
        rows, self._pending = self._pending, []
        services = [(s.name, s.kind, s.created_at, s.last_at, s.staleness, s.floor) for s in self._dirty.values()]
        self._dirty = {}
        windows, self._dirty_windows = self._dirty_windows, {}
        truncated, self._truncated = self._truncated, {}
        return FlushBatch(heartbeat=at, rows=rows, services=services, windows=windows, truncated=truncated)

    def requeue(self, batch: FlushBatch) -> None:
        """Put back a batch that could not be written, to try again with the next one."""
        cuts = self._truncated        # rows a repair made since then replaced are stale
        self._pending[:0] = [r for r in batch.rows if r[0] not in cuts or r[1] <= cuts[r[0]]]
        for name, *_ in batch.services:
            if name in self.services:
                self._dirty.setdefault(name, self.services[name])
        for key, window in batch.windows.items():
            self._dirty_windows.setdefault(key, window)
        for name, cut in batch.truncated.items():
            self._truncated[name] = min(cut, self._truncated.get(name, cut))

    def config_windows(self, now: float) -> list[MaintenanceWindow]:
        return [from_config(spec, self._zone, now) for spec in self.settings.maintenance]

    def stats(self) -> dict[str, Any]:
        return {"services": len(self._order), "transitions": self.transitions, "events": len(self._events),
                "maintenance": len(self.maintenance), "repaired": self.repaired, "unrepairable": self.unrepairable}
