"""The availability exporter's lines, kept rendered per service and rewritten only on change.

The from-scratch rendering (`families.render_from_scratch`) formats every sample of every service
on every scrape: 75 lines per service with the 7 default windows, 75,000 at 1,000 services.
`KeptLines` keeps each service's lines of each family as one rendered piece, as the series store
keeps its lines, and formats a piece again only when a value in it changed. Per service and
scrape, what decides:

- state series (the service's state words, a group's state and warning): its state or warning;
- the exact counters: its settled instant (it moves with each accepted outcome);
- the window figures depend on now: windows slide. The window cache (`service.Drift`) says how
  each window's bucket seconds move with now until its cache version, the calendar epoch or its
  validity instant changes: the bucket in force gains ``dt`` and, for a rolling window, the bucket
  in force at its start loses it. `report.steady` says when a window's figures cannot change
  under that move (only up time moving and nothing counted bad: availability stays 1.0, the
  burn rate 0.0, and no other figure reads the moving buckets). A service whose windows are all
  steady is skipped until its drift key (version, epoch, validity instant) changes; any other
  service has its figures computed at this scrape's instant, exactly as the reference does, and
  the pieces whose values differ from the kept ones are formatted again.

Cost per scrape: a few comparisons per service, figures for services not steady (about 15 µs
with 7 windows), formatting only for pieces whose values changed (typically one counter line
per target polled since the last scrape). Window figures compare as packed doubles (NaN stands
for an absent ratio), so equal bytes mean equal text; counters (sums of non-negative seconds,
never -0.0) and state values compare as numbers.

Memory (measured, 7 windows): about 8 KB per service for its pieces (its 6.5 KB of text and
their objects) and packed figures (80 bytes per window), plus the label sets of the lines it
formats again (2 KB more for a service whose window figures move).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from functools import partial

from collector.availability import names as n
from collector.availability.families import (
    ALL, ALLOWED, BURN, COUNTERS, DOWNTIME, GROUP_STATE, GROUP_WARNING, RATIO, REDUNDANCY, REMAINING,
    REMAINING_RATIO, SLO, STATE, STEP_SERVICES, W_MAINT, W_UNKNOWN, Frozen, Row, self_figures)
from collector.availability.report import figures, steady
from collector.availability.service import Drift
from collector.availability.timeline import WIDTH
from collector.availability.vocabulary import GROUP, GROUP_STATES, SERVICE_STATES
from collector.availability.windows import Frame
from collector.textformat import FamilySpec, Sample, Sink, label_text, sample_text

WINDOW_FAMILIES = (RATIO, DOWNTIME, W_UNKNOWN, W_MAINT, ALLOWED, REMAINING, REMAINING_RATIO, BURN, REDUNDANCY)
FAMILIES = (STATE, GROUP_STATE, GROUP_WARNING, *COUNTERS, SLO, *WINDOW_FAMILIES)  # a service's, in page order
FIRST_COUNTER = 3
FIRST_WINDOW = FIRST_COUNTER + len(COUNTERS) + 1
# Packed window figures, field-major: field f of window w at f * windows + w. Each window family
# reads the fields [start, stop): DOWNTIME reads planned (1) then unplanned (2).
FIELDS = 10
SPANS = ((0, 1), (1, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8), (8, 9), (9, 10))
_NAN = float("nan")

LabelledValue = tuple[tuple[str, ...], float]


def window_fields(row: Row, values: Sequence[float], frame: Frame) -> list[float]:
    """A service's window figures, packed field-major (NaN: no availability or redundancy)."""
    count = len(frame.names)
    out = [0.0] * (FIELDS * count)
    for w in range(count):
        fig = figures(values, w * WIDTH, row.policy, frame.periods[w])
        out[w] = _NAN if fig.availability is None else fig.availability
        out[count + w] = fig.planned_down
        out[2 * count + w] = fig.down
        out[3 * count + w] = fig.unknown
        out[4 * count + w] = fig.maintenance
        out[5 * count + w] = fig.budget_allowed
        out[6 * count + w] = fig.budget_remaining
        out[7 * count + w] = fig.budget_remaining_ratio
        out[8 * count + w] = fig.burn_rate
        out[9 * count + w] = _NAN if fig.redundancy is None else fig.redundancy
    return out


def family_samples(k: int, row: Row, fields: Sequence[float], windows: tuple[str, ...]) -> list[LabelledValue]:
    """The samples of family FAMILIES[k] one service has, in page order."""
    name, group = row.name, row.kind == GROUP
    if k == 0:
        return [((name, s), 1.0 if s == row.label else 0.0) for s in SERVICE_STATES]
    if k == 1:
        return [((name, s), 1.0 if g == row.state else 0.0) for g, s in enumerate(GROUP_STATES)] if group else []
    if k == 2:
        return [((name,), 1.0 if row.warning else 0.0)] if group else []
    if k < FIRST_WINDOW - 1:
        return [((name,), row.counters[k - FIRST_COUNTER])]
    if k == FIRST_WINDOW - 1:
        return [((name,), row.policy.objective)]
    spec = FAMILIES[k]
    count = len(windows)
    if spec is DOWNTIME:
        return [s for w, window in enumerate(windows)
                for s in (((name, window, n.KIND_PLANNED), fields[count + w]),
                          ((name, window, n.KIND_UNPLANNED), fields[2 * count + w]))]
    if spec is REDUNDANCY and not group:
        return []
    f = SPANS[k - FIRST_WINDOW][0] * count
    # NaN is an absent figure (only availability and redundancy can be absent): no line
    return [((name, window), v) for window, v in zip(windows, fields[f:f + count]) if v == v]


def piece(spec: FamilySpec, samples: list[LabelledValue], cache: dict[tuple[tuple[str, ...], tuple[str, ...]], str]
          ) -> bytes:
    """The lines of `samples`; `cache` keeps rendered label sets (as `TextSink` does)."""
    out = []
    for values, v in samples:
        key = (spec.labels, values)
        labels = cache.get(key)
        if labels is None:
            labels = cache[key] = label_text(list(zip(spec.labels, values)))
        out.append(sample_text(spec, labels, v))
    return "".join(out).encode()


class _Kept:
    """One service's pieces (one per family of FAMILIES) and what they were rendered from."""

    __slots__ = ("kind", "state", "counters", "drift", "steady", "packed", "pieces")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.state: tuple[str, int, bool] | None = None
        self.counters: tuple[float, ...] | None = None
        self.drift: Drift | None = None
        self.steady = False                 # every window's figures are steady under `drift`
        self.packed = b""
        self.pieces: tuple[bytes, ...] = (b"",) * len(FAMILIES)


class KeptLines:
    """The rendered pieces of every service, kept from one scrape to the next."""

    def __init__(self) -> None:
        self._kept: dict[str, _Kept] = {}
        # rendered label sets of lines formatted again after their first time: one per service
        # for its counters, 21 more for a service whose window figures move; emptied when far more
        self._labels: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}

    def emit(self, frozen: Frozen, sink: Sink) -> Iterator[None]:
        """Every sample of a snapshot into `sink` (the same text as `render_from_scratch`),
        pausing every STEP_SERVICES services. A scrape writes the pieces it took at each service,
        so one running meanwhile (or after) does not change what this one writes."""
        sink.declare(*ALL)
        kept = self._kept
        if len(kept) > 2 * len(frozen.rows) + 64:
            kept.clear()            # services went (another engine's, a restart): start afresh
        if len(self._labels) > 32 * len(frozen.rows) + 1024:
            self._labels.clear()
        taken: list[tuple[bytes, ...]] = []
        for i, row in enumerate(frozen.rows):
            if i and i % STEP_SERVICES == 0:
                yield
            taken.append(self._update(row, frozen.values[i], frozen.frame))
        windows = frozen.frame.names
        for k, spec in enumerate(FAMILIES):
            sink.rendered(spec, [p[k] for p in taken], partial(_samples, k, frozen, windows))
        self_figures(frozen, sink)

    def _update(self, row: Row, values: Sequence[float], frame: Frame) -> tuple[bytes, ...]:
        kept = self._kept.get(row.name)
        new: list[bytes] | None = None
        labels = self._labels
        if kept is None or kept.kind != row.kind:
            kept = self._kept[row.name] = _Kept(row.kind)
            labels = {}                 # the label sets worth keeping are those of lines that change
            new = list(kept.pieces)
            k = FIRST_WINDOW - 1        # the objective: a service keeps its policy
            new[k] = piece(SLO, family_samples(k, row, (), frame.names), labels)
        state = (row.label, row.state, row.warning)
        if state != kept.state:
            new = new or list(kept.pieces)
            for k in range(FIRST_COUNTER):
                new[k] = piece(FAMILIES[k], family_samples(k, row, (), frame.names), labels)
            kept.state = state
        if row.counters != kept.counters:
            old = kept.counters
            new = new or list(kept.pieces)
            for c, value in enumerate(row.counters):
                if old is None or old[c] != value:
                    k = FIRST_COUNTER + c
                    new[k] = piece(FAMILIES[k], family_samples(k, row, (), frame.names), labels)
            kept.counters = row.counters
        drift = row.drift
        if not (kept.steady and drift == kept.drift and frame.now < drift.until):
            fields = window_fields(row, values, frame)
            packed = array("d", fields).tobytes()
            if packed != kept.packed:
                new = new or list(kept.pieces)
                count, old = len(frame.names), kept.packed
                for j, (start, stop) in enumerate(SPANS):
                    a, b = start * count * 8, stop * count * 8
                    if old[a:b] != packed[a:b]:
                        k = FIRST_WINDOW + j
                        new[k] = piece(FAMILIES[k], family_samples(k, row, fields, frame.names), labels)
                kept.packed = packed
            group = row.kind == GROUP
            kept.steady = all(steady(values, w * WIDTH, row.policy, group, drift.gain[w], drift.lose[w])
                              for w in range(len(frame.names)))
            kept.drift = drift
        if new is not None:
            kept.pieces = tuple(new)        # a new tuple: pieces taken by a scrape never change
        return kept.pieces


def _samples(k: int, frozen: Frozen, windows: tuple[str, ...]) -> Iterator[Sample]:
    """Family FAMILIES[k] of a snapshot as (labels, value), computed afresh (prometheus-client's path)."""
    labels = FAMILIES[k].labels
    for row, values in zip(frozen.rows, frozen.values):
        fields = window_fields(row, values, frozen.frame) if k >= FIRST_WINDOW else ()
        for label_values, value in family_samples(k, row, fields, windows):
            yield dict(zip(labels, label_values)), value
