"""What history repair needs to know about the past: maintenance in force at an instant, and the
instants at which maintenance changed for a set of names.

History repair (`HistoryRepair`, mixed into the engine): an outcome that follows its target's
last outcome within the staleness (so nothing was missed between them) but arrives after the
engine inferred more history from that last outcome (the target turned unknown: silence, or
the collector away) rewrites the target's history from that last outcome. A gap longer than
the staleness stays unknown: nobody knows what happened in it. Everything the engine recorded after it was its own inference — the unknown, the
maintenance flips — and is replayed at its exact instant around the late outcome; every group
containing the target is then re-evaluated at each instant a member or a maintenance window
changed since. Outcomes older than `repair_horizon` are not repaired and are counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from collector.availability.maintenance import MaintenanceWindow
from collector.availability.service import Service
from collector.availability.vocabulary import UNKNOWN

if TYPE_CHECKING:
    from collector.availability.groups import GroupGraph


def named_at(windows: Iterable[MaintenanceWindow], name: str, t: float) -> bool:
    """Whether a maintenance window naming ``name`` was in force at ``t``."""
    return any(name in w.services and w.start <= t and (w.end is None or t < w.end) for w in windows)


def boundaries(windows: Iterable[MaintenanceWindow], names: set[str], after: float, until: float) -> list[float]:
    """Instants in (after, until] at which a window naming one of ``names`` started or ended."""
    found: set[float] = set()
    for w in windows:
        if names.isdisjoint(w.services):
            continue
        for t in (w.start, w.end):
            if t is not None and after < t <= until:
                found.add(t)
    return sorted(found)


class HistoryRepair:
    """The engine's history repair (the engine is the only class that has it)."""

    maintenance: dict[str, MaintenanceWindow]
    services: dict[str, Service]
    graph: GroupGraph
    transitions: int
    _pending: list[tuple[str, float, int, str]]
    _dirty: dict[str, Service]
    _truncated: dict[str, float]
    _replaying: bool

    def _set(self, svc: Service, at: float, state: int, maint: bool, reason: str) -> None:
        raise NotImplementedError

    def evaluate_group(self, name: str, at: float, history: bool = False) -> None:
        raise NotImplementedError

    def _rewind(self, svc: Service, at: float) -> float:
        """An outcome of ``svc`` at ``at`` after history the engine inferred since its last outcome
        (unknown, maintenance flips): rewind to that last outcome and replay what fell before ``at``.
        Returns the instant rewound to."""
        cut = svc.last_at
        self.repaired += 1
        self._replaying = True
        self._forget_after(svc, cut)
        svc.floor = cut
        self._replay_target(svc, cut, at, exclusive=True)
        return cut

    def _replay(self, svc: Service, t: float, now: float, cut: float) -> None:
        """After the late outcome at ``t``: the target's own later inferences, then its groups."""
        self._replay_target(svc, t, now, exclusive=False)
        self._replaying = False
        for name in self.graph.ancestors(svc.name):
            group = self.services.get(name)
            if group is None:
                continue
            self._forget_after(group, cut)
            members = self.graph.specs[name].members
            times = {x for m in members if (ms := self.services.get(m)) for x in ms.timeline.times if x > cut}
            times.update(boundaries(self.maintenance.values(), {name, *members}, cut, now))
            for x in sorted(times):
                self.evaluate_group(name, x, history=True)

    quiet: bool

    def _replay_target(self, svc: Service, after: float, until: float, exclusive: bool) -> None:
        """Re-apply the target's expiry and maintenance flips in (after, until) or (after, until];
        quietly: these are past instants, mostly rewritten again by the next replayed outcome."""
        quiet, self.quiet = self.quiet, True
        try:
            self._replay_points(svc, after, until, exclusive)
        finally:
            self.quiet = quiet

    def _replay_points(self, svc: Service, after: float, until: float, exclusive: bool) -> None:
        expire = svc.last_at + svc.staleness
        points = boundaries(self.maintenance.values(), {svc.name}, after, until)
        if after < expire and expire + (0.0 if exclusive else svc.lag) <= until:
            points = sorted({*points, expire})
        for x in points:
            if exclusive and x >= until:
                break
            if x == expire and svc.state != UNKNOWN:
                svc.floor = max(svc.floor, x)
                self._set(svc, x, UNKNOWN, named_at(self.maintenance.values(), svc.name, x),
                          f"no outcome for {svc.staleness:g} s")
            else:
                named = named_at(self.maintenance.values(), svc.name, x)
                self._set(svc, x, svc.state, named, f"maintenance {'started' if named else 'ended'}")
        self._dirty[svc.name] = svc

    def _forget_after(self, svc: Service, cut: float) -> None:
        gone = svc.truncate_after(cut)
        if gone:
            self.transitions -= gone
            self._pending = [r for r in self._pending if r[0] != svc.name or r[1] <= cut]
            self._truncated[svc.name] = min(cut, self._truncated.get(svc.name, cut))
        self._dirty[svc.name] = svc

