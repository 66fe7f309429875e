"""What one window of one service says: availability, downtime, coverage, error budget.

Definitions (seconds within the window, up to now):

- up, down (unplanned), unknown: outside declared maintenance; degraded is part of up.
- maintenance: all time under declared maintenance; planned_down is the down part of it.
- good / bad: up / down, plus unknown time if the SLO's ``unknown_time`` is ``up`` / ``down``,
  plus maintenance time by its observed state if ``maintenance_time`` is ``counted``.
- availability = good / (good + bad); None when the window holds no counted time.
- error budget allowed = (1 - objective) × the window's whole period (a calendar window's
  whole month or year); remaining = allowed - bad (negative once overspent).
- burn rate = (bad / (good + bad)) / (1 - objective): 1 spends the budget exactly over the window.
- redundancy (groups) = time at full redundancy / time with a known state.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from collector.availability.service import Service
from collector.availability.settings import SloPolicy
from collector.availability.timeline import MAINT, UNTRACKED, WIDTH
from collector.availability.vocabulary import DEGRADED, DOWN, OK, TARGET, UNKNOWN
from collector.availability.windows import Frame


@dataclass(frozen=True, slots=True)
class WindowFigures:
    up: float
    degraded: float
    down: float
    planned_down: float
    unknown: float
    maintenance: float
    availability: float | None
    budget_allowed: float
    budget_remaining: float
    budget_remaining_ratio: float
    burn_rate: float
    redundancy: float | None

    def to_json(self) -> dict[str, float | None]:
        return {
            "availability_ratio": self.availability,
            "up_seconds": round(self.up, 3),
            "degraded_seconds": round(self.degraded, 3),
            "down_seconds": round(self.down, 3),
            "planned_down_seconds": round(self.planned_down, 3),
            "unknown_seconds": round(self.unknown, 3),
            "maintenance_seconds": round(self.maintenance, 3),
            "error_budget_allowed_seconds": round(self.budget_allowed, 3),
            "error_budget_remaining_seconds": round(self.budget_remaining, 3),
            "error_budget_remaining_ratio": self.budget_remaining_ratio,
            "burn_rate": self.burn_rate,
            "redundancy_ratio": self.redundancy,
        }


def _good_bad(v: Sequence[float], policy: SloPolicy) -> tuple[float, float]:
    """Good and bad seconds of one window's bucket seconds ``v``, as the SLO policy counts them."""
    good, bad = v[OK] + v[DEGRADED], v[DOWN]
    counted_unknown = v[UNKNOWN]
    if policy.maintenance_time == "counted":
        good += v[MAINT + OK] + v[MAINT + DEGRADED]
        bad += v[MAINT + DOWN]
        counted_unknown += v[MAINT + UNKNOWN]
    if policy.unknown_time == "up":
        good += counted_unknown
    elif policy.unknown_time == "down":
        bad += counted_unknown
    return good, bad


def figures(values: Sequence[float], offset: int, policy: SloPolicy, period: float) -> WindowFigures:
    """Figures of the window whose bucket seconds start at ``values[offset]``."""
    v = values[offset:offset + WIDTH]
    up = v[OK] + v[DEGRADED]
    down, unknown = v[DOWN], v[UNKNOWN]
    m_up, m_down, m_unknown = v[MAINT + OK] + v[MAINT + DEGRADED], v[MAINT + DOWN], v[MAINT + UNKNOWN]
    good, bad = _good_bad(v, policy)
    total = good + bad
    error_share = 1.0 - policy.objective
    allowed = error_share * period
    remaining = allowed - bad
    full = v[OK] + v[MAINT + OK]
    known = full + v[DEGRADED] + v[MAINT + DEGRADED] + down + m_down
    return WindowFigures(
        up=up, degraded=v[DEGRADED], down=down, planned_down=m_down, unknown=unknown,
        maintenance=m_up + m_down + m_unknown,
        availability=good / total if total > 0 else None,
        budget_allowed=allowed, budget_remaining=remaining, budget_remaining_ratio=remaining / allowed,
        burn_rate=(bad / total) / error_share if total > 0 else 0.0,
        redundancy=full / known if known > 0 else None)


_UP_BUCKETS = frozenset((OK, DEGRADED))
_FULL_BUCKETS = frozenset((OK,))


def steady(values: Sequence[float], offset: int, policy: SloPolicy, group: bool, gain: int,
           lose: int | None) -> bool:
    """True when ``figures`` of this window stay the same, bit for bit, while time adds ``dt`` to
    bucket ``gain`` and takes it from ``lose`` (None, or the scratch slot: nothing is taken).

    Every figure but availability, burn rate and redundancy reads only buckets other than up and
    degraded; so when only those move and nothing counts as bad, availability is good / good = 1.0,
    the burn rate 0.0 / total = 0.0, and (groups, which also need no time below full redundancy
    and only full redundancy moving) redundancy full / full = 1.0, whatever ``dt``.
    """
    moving = {gain} if lose is None or lose == UNTRACKED else {gain, lose}
    if not moving <= (_FULL_BUCKETS if group else _UP_BUCKETS):
        return False
    v = values[offset:offset + WIDTH]
    good, bad = _good_bad(v, policy)
    if bad != 0.0 or not good > 0.0:
        return False
    if group:
        return (v[OK] + v[MAINT + OK] > 0.0 and v[DEGRADED] == 0.0 and v[MAINT + DEGRADED] == 0.0
                and v[DOWN] == 0.0 and v[MAINT + DOWN] == 0.0)
    return True


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every service's bucket seconds for every window, at ``frame.now``."""

    frame: Frame
    services: list[Service]
    values: list[array[float]]

    def figures(self, index: int, window: int) -> WindowFigures:
        svc = self.services[index]
        return figures(self.values[index], window * WIDTH, svc.policy, self.frame.periods[window])

    def service_json(self, index: int) -> dict[str, object]:
        svc = self.services[index]
        frame = self.frame
        return {
            "kind": svc.kind,
            "state": svc.label,
            "health": svc.health if svc.kind == TARGET else None,
            "reason": svc.reason,
            "warning": svc.warning if svc.kind != TARGET else None,
            "since": svc.timeline.last_time,
            "slo": svc.policy.objective,
            "unknown_time": svc.policy.unknown_time,
            "maintenance_time": svc.policy.maintenance_time,
            "windows": {name: {"start": frame.starts[w], "end": frame.now, **self.figures(index, w).to_json()}
                        for w, name in enumerate(frame.names)},
        }

