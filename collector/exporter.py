"""Prometheus exposition of the latest-value store (a custom prometheus-client Collector).

Pushed readings are never put in `Gauge.labels().set()`: each scrape builds fresh metric
families from the store, after dropping what has expired, so a silent source's series vanish.
`render_text` writes the same samples directly as exposition text (see collector.textformat).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from collector import names
from collector.store import SeriesStore
from collector.textformat import FamilySink, FamilySpec, Sink, Steps, TextSink, finish, header, label_text, number
from tierwatch_common.vocabulary import HEALTHS, STATUSES, counts_as_up

STEP_SERIES = 5000  # series rendered between two pauses of a stepped rendering
_TA = (names.LABEL_TARGET, names.LABEL_AGENT)

UP = FamilySpec(names.TARGET_UP, "gauge", "1 when the target's last poll succeeded and its health is not critical.",
                _TA)
STATUS = FamilySpec(names.TARGET_POLL_STATUS, "gauge", "Outcome of the target's last poll, one series per status.",
                    (*_TA, "status"))
HEALTH = FamilySpec(names.TARGET_HEALTH, "gauge", "Health verdict of the target's profile on its last poll, one "
                    "series per state.", (*_TA, "state"))
DURATION = FamilySpec(names.TARGET_POLL_DURATION, "gauge", "Duration of the target's last poll.", _TA)
LAST_POLL = FamilySpec(names.TARGET_LAST_POLL, "gauge", "Unix time the target's last poll started.", _TA)
READINGS = FamilySpec(names.TARGET_READINGS, "gauge", "Readings produced by the target's last poll.", _TA)
VARBINDS = FamilySpec(names.TARGET_VARBINDS, "gauge", "SNMP varbinds the target returned in its last poll.", _TA)
LIVE = FamilySpec(names.LIVE_SERIES, "gauge", "Pushed series currently exposed (not yet expired).", ())
EXPIRED = FamilySpec(names.EXPIRED_SERIES + "_total", "counter", "Pushed series dropped because their source went "
                     "silent.", ())
SEEN = FamilySpec(names.AGENT_LAST_SEEN, "gauge", "Unix time the collector last applied a batch from the agent.",
                  (names.LABEL_AGENT,))


def _reading_type(store: SeriesStore, name: str) -> tuple[str, str]:
    mtype, help_text = store.meta.get(name, ("counter" if name.endswith("_total") else "gauge", ""))
    if mtype == "counter" and not name.endswith("_total"):
        mtype = "gauge"  # a counter's name must end in _total; expose it as a gauge rather than break
    return mtype, help_text or f"Reading {name}."


class ReadingsExporter(Collector):
    """Exposes every live reading with `target` and `agent` labels added, and per-target poll state."""

    def __init__(self, store: SeriesStore) -> None:
        self.store = store
        self._label_cache: dict[tuple, str] = {}  # series -> rendered labels, for render_text
        self._own_cache: dict = {}  # the same for the per-target families

    def collect(self) -> Iterator[Metric]:
        store = self.store
        store.expire(time.time())
        for name, series in store.metrics.items():
            mtype, help_text = _reading_type(store, name)
            family = Metric(name[:-6] if mtype == "counter" else name, help_text, mtype)
            for (target, labels), sample in series.items():
                lbl = dict(labels)
                lbl[names.LABEL_TARGET] = target
                lbl[names.LABEL_AGENT] = sample.agent
                family.add_sample(name, lbl, sample.value)
            yield family
        sink = FamilySink()
        self._emit(sink)
        yield from sink.families()

    def render_text(self, openmetrics: bool) -> str:
        return finish(self.render_steps(openmetrics))

    def render_steps(self, openmetrics: bool) -> Steps:
        """The same samples as exposition text, with each series' label set rendered once and cached.
        It pauses every few thousand series; it reads a copy of the series lists taken at the start
        (samples are replaced, never changed, so the copy is consistent), so ingest may run between."""
        store = self.store
        store.expire(time.time())
        old, fresh = self._label_cache, {}
        out: list[str] = []
        snapshot = [(name, list(series.items())) for name, series in store.metrics.items()]
        done = 0
        for name, series in snapshot:
            mtype, help_text = _reading_type(store, name)
            out.append(header(name, mtype, help_text, openmetrics))
            done += len(series)
            if done >= STEP_SERIES:
                done = 0
                yield
            for (target, labels), sample in series:
                key = (target, labels, sample.agent)
                text = fresh.get(key) or old.get(key)
                if text is None:
                    text = label_text((*labels, (names.LABEL_TARGET, target), (names.LABEL_AGENT, sample.agent)))
                fresh[key] = text
                out.append(f"{name}{text} {number(sample.value)}\n")
        # Keep only the label sets still alive (the cache follows the store, it never grows without bound).
        old.clear()
        old.update(fresh)
        if len(self._own_cache) > 4 * (len(store.targets) * 10 + len(store.agents) + 10):
            self._own_cache.clear()  # targets come and go: start afresh rather than grow
        sink = TextSink(openmetrics, self._own_cache)
        self._emit(sink)
        out.append(sink.text())
        return "".join(out)

    def _emit(self, sink: Sink) -> None:
        """Per-target poll state and the store's own figures."""
        sink.declare(UP, STATUS, HEALTH, DURATION, LAST_POLL, READINGS, VARBINDS, LIVE, EXPIRED, SEEN)
        for target, st in self.store.targets.items():
            o = st.outcome
            base = (target, st.agent)
            sink.add(UP, base, 1.0 if counts_as_up(o.status, o.health) else 0.0)
            for s in STATUSES:
                sink.add(STATUS, (*base, s), 1.0 if o.status == s else 0.0)
            for h in HEALTHS:
                sink.add(HEALTH, (*base, h), 1.0 if o.health == h else 0.0)
            sink.add(DURATION, base, o.duration)
            sink.add(LAST_POLL, base, o.started_at)
            sink.add(READINGS, base, float(o.readings))
            sink.add(VARBINDS, base, float(o.varbinds))
        sink.add(LIVE, (), float(self.store.live_series))
        sink.add(EXPIRED, (), float(self.store.expired_total))
        for agent, at in sorted(self.store.agents.items()):
            sink.add(SEEN, (agent,), at)
