"""Prometheus exposition of the latest-value store (a custom prometheus-client Collector).

Pushed readings are never put in `Gauge.labels().set()`: each scrape builds fresh metric
families from the store, after dropping what has expired, so a silent source's series vanish.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from collector import names
from collector.store import SeriesStore

_STATUSES = ("ok", "timeout", "auth_error", "error")
_HEALTHS = ("ok", "degraded", "critical", "unknown")


class ReadingsExporter(Collector):
    """Exposes every live reading with `target` and `agent` labels added, and per-target poll state."""

    def __init__(self, store: SeriesStore) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        store = self.store
        store.expire(time.time())
        for name, series in store.metrics.items():
            mtype, help_text = store.meta.get(name, ("counter" if name.endswith("_total") else "gauge", ""))
            if mtype == "counter" and not name.endswith("_total"):
                mtype = "gauge"  # a counter's name must end in _total; expose it untyped-safe
            family = Metric(name[:-6] if mtype == "counter" else name, help_text or f"Reading {name}.", mtype)
            for (target, labels), sample in series.items():
                lbl = dict(labels)
                lbl[names.LABEL_TARGET] = target
                lbl[names.LABEL_AGENT] = sample.agent
                family.add_sample(name, lbl, sample.value)
            yield family
        yield from self._targets()
        yield from self._self()

    def _self(self) -> Iterator[Metric]:
        store = self.store
        live = Metric(names.LIVE_SERIES, "Pushed series currently exposed (not yet expired).", "gauge")
        live.add_sample(names.LIVE_SERIES, {}, float(store.live_series))
        expired = Metric(names.EXPIRED_SERIES, "Pushed series dropped because their source went silent.", "counter")
        expired.add_sample(names.EXPIRED_SERIES + "_total", {}, float(store.expired_total))
        seen = Metric(names.AGENT_LAST_SEEN, "Unix time the collector last applied a batch from the agent.", "gauge")
        for agent, at in sorted(store.agents.items()):
            seen.add_sample(names.AGENT_LAST_SEEN, {names.LABEL_AGENT: agent}, at)
        yield from (live, expired, seen)

    def _targets(self) -> Iterator[Metric]:
        up = Metric(names.TARGET_UP, "1 when the target's last poll succeeded and its health is not critical.", "gauge")
        status = Metric(names.TARGET_POLL_STATUS, "Outcome of the target's last poll, one series per status.", "gauge")
        health = Metric(names.TARGET_HEALTH, "Health verdict of the target's profile on its last poll, one series per state.", "gauge")
        dur = Metric(names.TARGET_POLL_DURATION, "Duration of the target's last poll.", "gauge")
        last = Metric(names.TARGET_LAST_POLL, "Unix time the target's last poll started.", "gauge")
        count = Metric(names.TARGET_READINGS, "Readings produced by the target's last poll.", "gauge")
        varbinds = Metric(names.TARGET_VARBINDS, "SNMP varbinds the target returned in its last poll.", "gauge")
        for target, st in self.store.targets.items():
            o = st.outcome
            base = {names.LABEL_TARGET: target, names.LABEL_AGENT: st.agent}
            up.add_sample(names.TARGET_UP, base, 1.0 if o.status == "ok" and o.health != "critical" else 0.0)
            for s in _STATUSES:
                status.add_sample(names.TARGET_POLL_STATUS, {**base, "status": s}, 1.0 if o.status == s else 0.0)
            for h in _HEALTHS:
                health.add_sample(names.TARGET_HEALTH, {**base, "state": h}, 1.0 if o.health == h else 0.0)
            dur.add_sample(names.TARGET_POLL_DURATION, base, o.duration)
            last.add_sample(names.TARGET_LAST_POLL, base, o.started_at)
            count.add_sample(names.TARGET_READINGS, base, float(o.readings))
            varbinds.add_sample(names.TARGET_VARBINDS, base, float(o.varbinds))
        yield from (up, status, health, dur, last, count, varbinds)
