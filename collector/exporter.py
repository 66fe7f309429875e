"""Prometheus exposition of the latest-value store (a custom prometheus-client Collector).

Pushed readings are never put in `Gauge.labels().set()`: each scrape writes what the store
holds, after dropping what has expired, so a silent source's series vanish. One emitter, `emit`,
writes every sample into a sink (collector.textformat): `/metrics` gives it a `TextSink`,
`collect` (prometheus-client's Collector protocol) a `FamilySink`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import partial

from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from collector import names
from collector.store import SeriesStore, TargetStatus
from collector.textformat import FamilySpec, Sink, collect_families, label_text, number
from tierwatch_common.models import Labels, Outcome
from tierwatch_common.vocabulary import HEALTHS, STATUSES, counts_as_up

STEP_SERIES = 20_000  # series written between two pauses of a scrape (about 1 ms)
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
LIMIT = FamilySpec(names.LIVE_SERIES_LIMIT, "gauge", "Live series the collector holds at most (series.max_live); "
                   "readings that would add more are refused "
                   "(tierwatch_collector_readings_total{reason=\"series_limit\"}).", ())
EXPIRED = FamilySpec(names.EXPIRED_SERIES + "_total", "counter", "Pushed series dropped because their source went "
                     "silent.", ())
SEEN = FamilySpec(names.AGENT_LAST_SEEN, "gauge", "Unix time the collector last applied a batch from the agent.",
                  (names.LABEL_AGENT,))


def reading_spec(store: SeriesStore, name: str) -> FamilySpec:
    mtype, help_text = store.meta.get(name, ("counter" if name.endswith("_total") else "gauge", ""))
    if mtype == "counter" and not name.endswith("_total"):
        mtype = "gauge"  # a counter's name must end in _total; expose it as a gauge rather than break
    return FamilySpec(name, mtype, help_text or f"Reading {name}.", ())


TARGET_FAMILIES = (UP, STATUS, HEALTH, DURATION, LAST_POLL, READINGS, VARBINDS)


def target_samples(o: Outcome) -> tuple[list[tuple[tuple[str, ...], float]], ...]:
    """Per family of TARGET_FAMILIES, the samples one outcome makes: (label values after target and
    agent, value)."""
    return ([((), 1.0 if counts_as_up(o.status, o.health) else 0.0)],
            [((s,), 1.0 if o.status == s else 0.0) for s in STATUSES],
            [((h,), 1.0 if o.health == h else 0.0) for h in HEALTHS],
            [((), o.duration)], [((), o.started_at)], [((), float(o.readings))], [((), float(o.varbinds))])


def target_labels(spec: FamilySpec, target: str, agent: str, placed: Labels,
                  extra: tuple[str, ...]) -> list[tuple[str, str]]:
    """One sample's labels: target and agent, the target's place in the hall model (room, row,
    rack, feed, ...: so `tierwatch_target_up` can be filtered by rack without a join), then the
    family's own labels."""
    return [(spec.labels[0], target), (spec.labels[1], agent), *placed,
            *zip(spec.labels[2:], extra)]


Heads = tuple[tuple[str, ...], ...]
_ANY_OUTCOME = Outcome("", "ok", 0.0, 0.0, 0.0, 0, "ok")   # the label sets are the same for every outcome


def target_heads(target: str, agent: str, placed: Labels = ()) -> Heads:
    """Per family of TARGET_FAMILIES, each sample's name and labels: they depend on the target,
    its agent and its place, not on the outcome, so a new outcome only writes its values."""
    return tuple(tuple(spec.name + label_text(target_labels(spec, target, agent, placed, extra)) + " "
                       for extra, _ in samples)
                 for spec, samples in zip(TARGET_FAMILIES, target_samples(_ANY_OUTCOME)))


def target_lines(target: str, st: TargetStatus, placed: Labels = (), heads: Heads | None = None
                 ) -> tuple[bytes, ...]:
    """A target's lines, one piece per family of TARGET_FAMILIES (`heads`: its `target_heads`)."""
    if heads is None:
        heads = target_heads(target, st.agent, placed)
    return tuple("".join(f"{head}{number(value)}\n" for head, (_, value) in zip(family, samples)).encode()
                 for family, samples in zip(heads, target_samples(st.outcome)))


class ReadingsExporter(Collector):
    """Exposes every live reading with `target` and `agent` labels added, and per-target poll state."""

    def __init__(self, store: SeriesStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self._clock = clock
        # target -> (the status its lines were rendered from, the lines, (agent, place, heads)):
        # a target's lines are written again only when a new outcome replaced its status, and
        # their labels only when its agent or place changed.
        self._targets: dict[str, tuple[TargetStatus, tuple[bytes, ...], tuple[str, Labels, Heads]]] = {}

    def collect(self) -> Iterator[Metric]:
        return collect_families(self.emit)

    def emit(self, sink: Sink) -> Iterator[None]:
        """Every sample, pausing every STEP_SERIES series. The store's families are written out
        from their rendered lines; no series is removed until the emission ends (the store waits
        while `rendering`); a value written meanwhile may show its new value."""
        store = self.store
        store.expire(self._clock())
        store.rendering += 1
        try:
            for name, family in list(store.families.items()):
                spec = reading_spec(store, name)
                sink.declare(spec)
                count = len(family)
                for start in range(0, count, STEP_SERIES):
                    stop = min(count, start + STEP_SERIES)
                    sink.rendered(spec, family.lines[start:stop], partial(family.samples, start, stop),
                                  family.prefix)
                    yield
        finally:
            store.rendering -= 1
        self._emit_targets(sink)

    def _emit_targets(self, sink: Sink) -> None:
        """Per-target poll state and the store's own figures."""
        sink.declare(*TARGET_FAMILIES, LIVE, LIMIT, EXPIRED, SEEN)
        targets = list(self.store.targets.items())
        cache = self._targets
        if len(cache) > 2 * len(targets) + 64:
            cache.clear()  # targets come and go: start afresh rather than grow
        rendered = []
        for target, st in targets:
            hit = cache.get(target)
            if hit is None or hit[0] is not st:
                placed = self.store.node_labels.get(target, ())
                labels = hit[2] if hit is not None and hit[2][:2] == (st.agent, placed) else \
                    (st.agent, placed, target_heads(target, st.agent, placed))
                hit = cache[target] = (st, target_lines(target, st, placed, labels[2]), labels)
            rendered.append(hit[1])
        for k, spec in enumerate(TARGET_FAMILIES):
            sink.rendered(spec, [lines[k] for lines in rendered],
                          partial(_target_family, k, spec, targets, self.store.node_labels))
        sink.add(LIVE, (), float(self.store.live_series))
        sink.add(LIMIT, (), float(self.store.max_live))
        sink.add(EXPIRED, (), float(self.store.expired_total))
        for agent, at in sorted(self.store.agents.items()):
            sink.add(SEEN, (agent,), at)


def _target_family(k: int, spec: FamilySpec, targets: list[tuple[str, TargetStatus]],
                   placed: dict[str, Labels]) -> Iterator[tuple[dict[str, str], float]]:
    for target, st in targets:
        for extra, value in target_samples(st.outcome)[k]:
            yield dict(target_labels(spec, target, st.agent, placed.get(target, ()), extra)), value
