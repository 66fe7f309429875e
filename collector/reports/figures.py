"""What an availability report says, computed from a `History` with the engine's definitions.

Per service: the engine's window figures over the period (availability against the SLO, unplanned
and planned downtime, unknown time, maintenance time, budget allowed and burned), each incident
(a maximal run of down time: start, end, duration, planned or not, reason), the maintenance
windows that touched it, and the budget burn-down (remaining budget after each change).

The budget allowed is the SLO's share of the **whole** period, as for the engine's calendar
windows, even while the period is still running.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from collector.availability.maintenance import MaintenanceWindow
from collector.availability.report import WindowFigures, figures
from collector.availability.settings import AvailabilitySettings
from collector.availability.timeline import WIDTH, split_bucket
from collector.availability.vocabulary import DOWN, GROUP, state_name
from collector.reports.history import History, ServiceHistory



@dataclass(frozen=True, slots=True)
class Incident:
    start: float
    end: float
    planned: bool
    reason: str
    ongoing: bool            # still down when the report's data ends

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(slots=True)
class ServiceReport:
    name: str
    kind: str
    slo: float
    figures: WindowFigures
    tracked: float                                       # seconds with any known or unknown state
    incidents: list[Incident] = field(default_factory=list)
    maintenance: list[MaintenanceWindow] = field(default_factory=list)
    segments: list[tuple[float, float, str, bool]] = field(default_factory=list)   # from, to, state, maintenance
    burn: list[tuple[float, float]] = field(default_factory=list)                 # t, remaining budget seconds

    @property
    def budget_burned(self) -> float:
        return self.figures.budget_allowed - self.figures.budget_remaining

    @property
    def met(self) -> bool | None:
        a = self.figures.availability
        return None if a is None else a >= self.slo

    @property
    def coverage(self) -> float | None:
        """Share of the tracked time whose state is known (unknown time is the blind part)."""
        return None if self.tracked <= 0 else 1.0 - self.figures.unknown / self.tracked


@dataclass(slots=True)
class Report:
    site: str
    period_label: str
    start: float
    end: float                   # end of the data the report tells (period end or store heartbeat)
    period_end: float
    services: list[ServiceReport]

    @property
    def groups(self) -> list[ServiceReport]:
        return [s for s in self.services if s.kind == GROUP]

    @property
    def targets(self) -> list[ServiceReport]:
        return [s for s in self.services if s.kind != GROUP]

    @property
    def incidents(self) -> list[tuple[ServiceReport, Incident]]:
        return sorted(((s, i) for s in self.services for i in s.incidents), key=lambda p: (p[1].start, p[0].name))


def _segment(a: float, b: float, bucket: int) -> tuple[float, float, str, bool]:
    state, maint = split_bucket(bucket)
    return a, b, state_name(state), maint


def incidents_of(segments: list[tuple[float, float, int, str]], data_end: float) -> list[Incident]:
    out: list[Incident] = []
    for a, b, bucket, reason in segments:
        state, planned = split_bucket(bucket)
        if state != DOWN:
            continue
        last = out[-1] if out else None
        if last is not None and last.end == a and last.planned == planned:
            out[-1] = Incident(last.start, b, planned, last.reason, b >= data_end)
        else:
            out.append(Incident(a, b, planned, reason, b >= data_end))
    return out


def service_report(history: ServiceHistory, settings: AvailabilitySettings, start: float, end: float,
                   period_seconds: float, windows: list[MaintenanceWindow]) -> ServiceReport:
    policy = settings.policy_for(history.name)
    segments = history.segments(start, end)
    v = array("d", [0.0] * WIDTH)
    allowed = (1.0 - policy.objective) * period_seconds
    burn = [(start, allowed)]
    for a, b, bucket, _ in segments:
        v[bucket] += b - a
        burn.append((b, figures(v, 0, policy, period_seconds).budget_remaining))
    return ServiceReport(
        name=history.name, kind=history.kind, slo=policy.objective,
        figures=figures(v, 0, policy, period_seconds), tracked=sum(b - a for a, b, _, _ in segments),
        incidents=incidents_of(segments, end),
        maintenance=[w for w in windows if history.name in w.services],
        segments=[_segment(a, b, bucket) for a, b, bucket, _ in segments],
        burn=burn)


def build_report(history: History, settings: AvailabilitySettings, site: str) -> Report:
    period = history.period
    end = history.end
    services = [service_report(h, settings, period.start, end, period.seconds, history.maintenance)
                for h in history.services.values()]
    services = [s for s in services if s.tracked > 0]
    services.sort(key=lambda s: (s.kind != GROUP, s.name))
    return Report(site, period.label, period.start, end, period.end, services)
