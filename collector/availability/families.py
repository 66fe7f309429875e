"""What the availability exporter writes: its families, the snapshot a scrape reads, and the
from-scratch rendering of every sample.

`freeze` takes what one scrape needs of the engine at one instant (every window computed at
once); `render_from_scratch` writes every sample of it into a sink, formatting each one: it is
the reference the kept lines (collector.availability.lines) must equal, byte for byte.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from collector.availability import names as n
from collector.availability.engine import AvailabilityEngine
from collector.availability.report import figures
from collector.availability.service import Drift, counters
from collector.availability.settings import SloPolicy
from collector.availability.timeline import WIDTH
from collector.availability.vocabulary import GROUP, GROUP_STATES, SERVICE_STATES
from collector.availability.windows import Frame
from collector.textformat import FamilySpec, Sink


@dataclass(frozen=True, slots=True)
class Row:
    """What a scrape needs of one service."""

    name: str
    kind: str
    state: int
    label: str
    counters: tuple[float, ...]
    policy: SloPolicy
    warning: bool
    drift: Drift


@dataclass(frozen=True, slots=True)
class Frozen:
    frame: Frame
    rows: list[Row]
    values: list[array[float]]
    compute_seconds: float
    stats: dict[str, Any]


def freeze(engine: AvailabilityEngine) -> Frozen:
    """Every service's figures at the engine's now, and what its window cache says of later instants."""
    snap = engine.compute()
    rows = [Row(svc.name, svc.kind, svc.state, svc.label,
                tuple(counters(svc.cum_at_settled(engine.settled_of(svc)))), svc.policy,
                bool(svc.warning), svc.drift())
            for svc in snap.services]
    return Frozen(snap.frame, rows, snap.values, engine.compute_seconds, engine.stats())


_SV = (n.LABEL_SERVICE,)
_WL = (n.LABEL_SERVICE, n.LABEL_WINDOW)
_TAIL = " Exact up to the last settled instant of the service (it never goes back)."
STATE = FamilySpec(n.SERVICE_STATE, "gauge", "Current state of the service, one series per state.",
                   (n.LABEL_SERVICE, n.LABEL_STATE))
GROUP_STATE = FamilySpec(n.GROUP_STATE, "gauge", "Redundancy state of the group: ok (full redundancy), "
                         "degraded (up, redundancy lost), down or unknown.", (n.LABEL_GROUP, n.LABEL_STATE))
GROUP_WARNING = FamilySpec(n.GROUP_WARNING, "gauge", "1 while a member of the group that is up reports a health "
                           "warning (degraded health): a warning, not lost redundancy.", (n.LABEL_GROUP,))
COUNTERS = (
    FamilySpec(n.SERVICE_UP_SECONDS, "counter", "Seconds up (including degraded), outside maintenance." + _TAIL, _SV),
    FamilySpec(n.SERVICE_DEGRADED_SECONDS, "counter", "Seconds up but degraded, outside maintenance." + _TAIL, _SV),
    FamilySpec(n.SERVICE_DOWN_SECONDS, "counter", "Seconds down outside maintenance (unplanned)." + _TAIL, _SV),
    FamilySpec(n.SERVICE_UNKNOWN_SECONDS, "counter", "Seconds without data, outside maintenance." + _TAIL, _SV),
    FamilySpec(n.SERVICE_MAINTENANCE_SECONDS, "counter", "Seconds under declared maintenance." + _TAIL, _SV),
    FamilySpec(n.SERVICE_PLANNED_DOWN_SECONDS, "counter", "Seconds down under declared maintenance." + _TAIL, _SV),
)
SLO = FamilySpec(n.SERVICE_SLO, "gauge", "Availability objective of the service.", _SV)
RATIO = FamilySpec(n.SERVICE_AVAILABILITY, "gauge", "up / (up + down) over the window, unknown and maintenance "
                   "time counted by the service's SLO policy.", _WL)
DOWNTIME = FamilySpec(n.SERVICE_DOWNTIME, "gauge", "Seconds down in the window, planned (under maintenance) or "
                      "unplanned.", (*_WL, n.LABEL_KIND))
W_UNKNOWN = FamilySpec(n.SERVICE_WINDOW_UNKNOWN, "gauge", "Seconds without data in the window (outside "
                       "maintenance).", _WL)
W_MAINT = FamilySpec(n.SERVICE_WINDOW_MAINTENANCE, "gauge", "Seconds under declared maintenance in the window.", _WL)
ALLOWED = FamilySpec(n.SERVICE_BUDGET_ALLOWED, "gauge", "Downtime the SLO allows over the whole window period.", _WL)
REMAINING = FamilySpec(n.SERVICE_BUDGET_REMAINING, "gauge", "Allowed downtime not yet spent in the window "
                       "(negative once overspent).", _WL)
REMAINING_RATIO = FamilySpec(n.SERVICE_BUDGET_REMAINING_RATIO, "gauge", "Share of the window's error budget not "
                             "yet spent.", _WL)
BURN = FamilySpec(n.SERVICE_BURN_RATE, "gauge", "Error rate over the window divided by the rate the SLO allows "
                  "(1: budget spent exactly over the window).", _WL)
REDUNDANCY = FamilySpec(n.GROUP_REDUNDANCY, "gauge", "Share of known time the group had full redundancy in the "
                        "window.", (n.LABEL_GROUP, n.LABEL_WINDOW))
COMPUTE = FamilySpec(n.ENGINE_COMPUTE_SECONDS, "gauge", "Time the last computation of every window took.", ())
TRANSITIONS = FamilySpec(n.ENGINE_TRANSITIONS, "gauge", "State transitions held by the engine.", ())
SERVICES = FamilySpec(n.ENGINE_SERVICES, "gauge", "Services (targets and groups) tracked by the engine.", ())
REPAIRED = FamilySpec(n.ENGINE_REPAIRED, "counter", "Late outcomes that rewrote the history inferred after "
                      "their target's previous outcome.", ())
UNREPAIRABLE = FamilySpec(n.ENGINE_UNREPAIRABLE, "counter", "Late outcomes older than repair_horizon: the time "
                          "they cover stays unknown.", ())
ALL = (STATE, GROUP_STATE, GROUP_WARNING, *COUNTERS, SLO, RATIO, DOWNTIME, W_UNKNOWN, W_MAINT, ALLOWED, REMAINING,
       REMAINING_RATIO, BURN, REDUNDANCY, COMPUTE, TRANSITIONS, SERVICES,
       REPAIRED, UNREPAIRABLE)


STEP_SERVICES = 64  # services written between two pauses of a stepped rendering


def render_from_scratch(frozen: Frozen, sink: Sink) -> Iterator[None]:
    """Every sample of a snapshot into `sink`, each formatted afresh, pausing every STEP_SERVICES
    services."""
    sink.declare(*ALL)
    add = sink.add
    frame = frozen.frame
    windows = frame.names
    for i, svc in enumerate(frozen.rows):
        if i and i % STEP_SERVICES == 0:
            yield
        name = svc.name
        current = svc.label
        for label in SERVICE_STATES:
            add(STATE, (name, label), 1.0 if label == current else 0.0)
        if svc.kind == GROUP:
            for g, label in enumerate(GROUP_STATES):
                add(GROUP_STATE, (name, label), 1.0 if g == svc.state else 0.0)
            add(GROUP_WARNING, (name,), 1.0 if svc.warning else 0.0)
        one = (name,)
        for spec, value in zip(COUNTERS, svc.counters):
            add(spec, one, value)
        add(SLO, one, svc.policy.objective)
        for w, window in enumerate(windows):
            fig = figures(frozen.values[i], w * WIDTH, svc.policy, frame.periods[w])
            labels = (name, window)
            if fig.availability is not None:
                add(RATIO, labels, fig.availability)
            add(DOWNTIME, (name, window, n.KIND_PLANNED), fig.planned_down)
            add(DOWNTIME, (name, window, n.KIND_UNPLANNED), fig.down)
            add(W_UNKNOWN, labels, fig.unknown)
            add(W_MAINT, labels, fig.maintenance)
            add(ALLOWED, labels, fig.budget_allowed)
            add(REMAINING, labels, fig.budget_remaining)
            add(REMAINING_RATIO, labels, fig.budget_remaining_ratio)
            add(BURN, labels, fig.burn_rate)
            if svc.kind == GROUP and fig.redundancy is not None:
                add(REDUNDANCY, labels, fig.redundancy)
    self_figures(frozen, sink)


def self_figures(frozen: Frozen, sink: Sink) -> None:
    """The engine's own figures."""
    add = sink.add
    add(COMPUTE, (), frozen.compute_seconds)
    add(TRANSITIONS, (), float(frozen.stats.get("transitions", 0)))
    add(SERVICES, (), float(frozen.stats.get("services", 0)))
    add(REPAIRED, (), float(frozen.stats.get("repaired", 0)))
    add(UNREPAIRABLE, (), float(frozen.stats.get("unrepairable", 0)))
