"""An independent, deliberately naive model of service states, to check the engine against.

It knows nothing of transitions or cumulative sums: it answers "what was X at instant t"
from the raw inputs (outcomes, staleness, maintenance windows, group rules).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

OK, DEGRADED, DOWN, UNKNOWN = "ok", "degraded", "down", "unknown"


@dataclass
class Outcome:
    at: float
    state: str
    staleness: float


@dataclass
class Window:
    services: tuple[str, ...]
    start: float
    end: float | None


@dataclass
class World:
    opened_at: float
    groups: dict[str, tuple[int, tuple[str, ...]]]          # name -> (need, members)
    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)
    windows: list[Window] = field(default_factory=list)

    def created(self, name: str) -> float | None:
        if name in self.groups:
            return self.opened_at
        seen = self.outcomes.get(name)
        return seen[0].at if seen else None

    def in_maintenance(self, name: str, t: float) -> bool:
        return any(name in w.services and w.start <= t and (w.end is None or t < w.end) for w in self.windows)

    def target_state(self, name: str, t: float) -> str | None:
        seen = self.outcomes.get(name, [])
        i = bisect_right([o.at for o in seen], t) - 1
        if i < 0:
            return None
        o = seen[i]
        return UNKNOWN if t >= o.at + o.staleness else o.state

    def _value(self, name: str, t: float, nominal: bool) -> str:
        if not nominal and self.in_maintenance(name, t):
            return DOWN
        if name in self.groups:
            state = self.group_state(name, t, nominal)
        else:
            state = self.target_state(name, t) or UNKNOWN
            if state == DEGRADED:      # degraded health still carries the load: a warning, full redundancy
                state = OK
        return state

    def group_state(self, name: str, t: float, nominal: bool = False) -> str:
        need, members = self.groups[name]
        values = [self._value(m, t, nominal) for m in members]
        up, down = values.count(OK) + values.count(DEGRADED), values.count(DOWN)
        if up >= need:
            return OK if values.count(OK) == len(values) else DEGRADED
        return UNKNOWN if len(values) - down >= need else DOWN

    def bucket(self, name: str, t: float) -> tuple[str, bool] | None:
        """(state, maintenance flag) at t, None before the service exists."""
        created = self.created(name)
        if created is None or t < created:
            return None
        if name in self.groups:
            state = self.group_state(name, t)
            caused = state not in (OK, DEGRADED) and self.group_state(name, t, nominal=True) in (OK, DEGRADED)
            return state, caused or self.in_maintenance(name, t)
        state = self.target_state(name, t)
        return (state or UNKNOWN), self.in_maintenance(name, t)

    def breakpoints(self) -> list[float]:
        points = {self.opened_at}
        for seen in self.outcomes.values():
            for o in seen:
                points.update((o.at, o.at + o.staleness))
        for w in self.windows:
            points.add(w.start)
            if w.end is not None:
                points.add(w.end)
        return sorted(points)

    def totals(self, name: str, start: float, end: float) -> dict[str, float]:
        """Seconds of up/down/unknown/maintenance/planned_down in [start, end], interval by interval."""
        out = dict.fromkeys(("up", "down", "unknown", "maintenance", "planned_down"), 0.0)
        cuts = [start] + [p for p in self.breakpoints() if start < p < end] + [end]
        for a, b in zip(cuts, cuts[1:]):
            if b <= a:
                continue
            self._add(out, self.bucket(name, (a + b) / 2), b - a)
        return out

    def totals_by_second(self, name: str, start: int, end: int) -> dict[str, float]:
        """Same, by sampling the middle of every whole second (events on whole seconds)."""
        out = dict.fromkeys(("up", "down", "unknown", "maintenance", "planned_down"), 0.0)
        for second in range(start, end):
            self._add(out, self.bucket(name, second + 0.5), 1.0)
        return out

    @staticmethod
    def _add(out: dict[str, float], bucket: tuple[str, bool] | None, length: float) -> None:
        if bucket is None:
            return
        state, maint = bucket
        if maint:
            out["maintenance"] += length
            if state == DOWN:
                out["planned_down"] += length
        elif state in (OK, DEGRADED):
            out["up"] += length
        else:
            out[state] += length
