"""AvailabilityExporter: the engine's figures as fresh metric families on every scrape."""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from collector.availability import names as n
from collector.availability.engine import AvailabilityEngine
from collector.availability.service import GROUP, Service, counters

log = structlog.get_logger(__name__)

_GROUP_STATES = ("ok", "degraded", "down", "unknown")
_TARGET_STATES = ("up", "degraded", "down", "unknown")


def service_state_label(svc: Service) -> str:
    if svc.maint and (svc.kind != GROUP or svc.state not in (0, 1)):
        return "maintenance"
    return _TARGET_STATES[svc.state]


class AvailabilityExporter(Collector):
    """Service and group states, exact time counters, and per-window SLO figures."""

    def __init__(self, engine: AvailabilityEngine) -> None:
        self._engine = engine

    def describe(self) -> list[Metric]:
        return []          # families depend on the services seen; nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        try:
            yield from self._collect()
        except Exception:   # noqa: BLE001 - a broken engine must not break the whole /metrics page
            log.exception("availability_export_failed")

    def _collect(self) -> Iterator[Metric]:
        engine = self._engine
        snap = engine.compute()
        sv, wl = [n.LABEL_SERVICE], [n.LABEL_SERVICE, n.LABEL_WINDOW]
        gl, gwl = [n.LABEL_GROUP], [n.LABEL_GROUP, n.LABEL_WINDOW]
        state = GaugeMetricFamily(n.SERVICE_STATE, "Current state of the service, one series per state.",
                                  labels=[n.LABEL_SERVICE, n.LABEL_STATE])
        group_state = GaugeMetricFamily(n.GROUP_STATE, "Redundancy state of the group: ok (full redundancy), "
                                        "degraded (up, redundancy lost), down or unknown.",
                                        labels=[n.LABEL_GROUP, n.LABEL_STATE])
        help_tail = " Exact up to the last settled instant of the service (it never goes back)."
        up = CounterMetricFamily(n.SERVICE_UP_SECONDS, "Seconds up (including degraded), outside maintenance."
                                 + help_tail, labels=sv)
        degraded = CounterMetricFamily(n.SERVICE_DEGRADED_SECONDS, "Seconds up but degraded, outside maintenance."
                                       + help_tail, labels=sv)
        down = CounterMetricFamily(n.SERVICE_DOWN_SECONDS, "Seconds down outside maintenance (unplanned)."
                                   + help_tail, labels=sv)
        unknown = CounterMetricFamily(n.SERVICE_UNKNOWN_SECONDS, "Seconds without data, outside maintenance."
                                      + help_tail, labels=sv)
        maint = CounterMetricFamily(n.SERVICE_MAINTENANCE_SECONDS, "Seconds under declared maintenance."
                                    + help_tail, labels=sv)
        planned = CounterMetricFamily(n.SERVICE_PLANNED_DOWN_SECONDS, "Seconds down under declared maintenance."
                                      + help_tail, labels=sv)
        slo = GaugeMetricFamily(n.SERVICE_SLO, "Availability objective of the service.", labels=sv)
        ratio = GaugeMetricFamily(n.SERVICE_AVAILABILITY, "up / (up + down) over the window, unknown and "
                                  "maintenance time counted by the service's SLO policy.", labels=wl)
        downtime = GaugeMetricFamily(n.SERVICE_DOWNTIME, "Seconds down in the window, planned (under "
                                     "maintenance) or unplanned.", labels=[*wl, n.LABEL_KIND])
        w_unknown = GaugeMetricFamily(n.SERVICE_WINDOW_UNKNOWN, "Seconds without data in the window "
                                      "(outside maintenance).", labels=wl)
        w_maint = GaugeMetricFamily(n.SERVICE_WINDOW_MAINTENANCE, "Seconds under declared maintenance in "
                                    "the window.", labels=wl)
        allowed = GaugeMetricFamily(n.SERVICE_BUDGET_ALLOWED, "Downtime the SLO allows over the whole window "
                                    "period.", labels=wl)
        remaining = GaugeMetricFamily(n.SERVICE_BUDGET_REMAINING, "Allowed downtime not yet spent in the window "
                                      "(negative once overspent).", labels=wl)
        remaining_ratio = GaugeMetricFamily(n.SERVICE_BUDGET_REMAINING_RATIO, "Share of the window's error "
                                            "budget not yet spent.", labels=wl)
        burn = GaugeMetricFamily(n.SERVICE_BURN_RATE, "Error rate over the window divided by the rate the SLO "
                                 "allows (1: budget spent exactly over the window).", labels=wl)
        redundancy = GaugeMetricFamily(n.GROUP_REDUNDANCY, "Share of known time the group had full redundancy "
                                       "in the window.", labels=gwl)
        windows = snap.frame.names
        for i, svc in enumerate(snap.services):
            name = svc.name
            current = service_state_label(svc)
            for label in n.SERVICE_STATES:
                state.add_metric([name, label], 1.0 if label == current else 0.0)
            if svc.kind == GROUP:
                for g, label in enumerate(_GROUP_STATES):
                    group_state.add_metric([name, label], 1.0 if g == svc.state else 0.0)
            c_up, c_degraded, c_down, c_unknown, c_maint, c_planned = counters(
                svc.cum_at_settled(engine.settled_of(svc)))
            up.add_metric([name], c_up)
            degraded.add_metric([name], c_degraded)
            down.add_metric([name], c_down)
            unknown.add_metric([name], c_unknown)
            maint.add_metric([name], c_maint)
            planned.add_metric([name], c_planned)
            slo.add_metric([name], svc.policy.objective)
            for w, window in enumerate(windows):
                fig = snap.figures(i, w)
                labels = [name, window]
                if fig.availability is not None:
                    ratio.add_metric(labels, fig.availability)
                downtime.add_metric([*labels, n.KIND_PLANNED], fig.planned_down)
                downtime.add_metric([*labels, n.KIND_UNPLANNED], fig.down)
                w_unknown.add_metric(labels, fig.unknown)
                w_maint.add_metric(labels, fig.maintenance)
                allowed.add_metric(labels, fig.budget_allowed)
                remaining.add_metric(labels, fig.budget_remaining)
                remaining_ratio.add_metric(labels, fig.budget_remaining_ratio)
                burn.add_metric(labels, fig.burn_rate)
                if svc.kind == GROUP and fig.redundancy is not None:
                    redundancy.add_metric(labels, fig.redundancy)
        yield from (state, group_state, up, degraded, down, unknown, maint, planned, slo, ratio, downtime,
                    w_unknown, w_maint, allowed, remaining, remaining_ratio, burn, redundancy)
        stats = engine.stats()
        yield GaugeMetricFamily(n.ENGINE_COMPUTE_SECONDS, "Time the last computation of every window took.",
                                value=engine.compute_seconds)
        yield GaugeMetricFamily(n.ENGINE_TRANSITIONS, "State transitions held by the engine.",
                                value=stats["transitions"])
        yield GaugeMetricFamily(n.ENGINE_SERVICES, "Services (targets and groups) tracked by the engine.",
                                value=stats["services"])
