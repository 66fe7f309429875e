"""One exposition path: exporters emit samples into a `Sink`; two sinks write them out.

An exporter has one emitter, `emit(sink)`, a generator that writes every sample it has into the
sink and yields (None) between chunks, where the event loop may serve other work. Sinks:

- `TextSink` writes Prometheus text 0.0.4 / OpenMetrics directly, as bytes: what `/metrics`
  serves. prometheus-client validates and formats every sample on every scrape; at 100k series
  it is several times slower (`bench/exposition.py` measures both), so the large families are
  written here, from lines kept rendered across scrapes (`rendered`: the store's series, the
  per-target state) or from label sets rendered once and cached (`add`).
- `FamilySink` builds prometheus-client metric families: `collect_families` runs an emitter into
  one, which is how each exporter implements prometheus-client's Collector protocol (`collect`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple, Protocol

from prometheus_client.core import Metric

Sample = tuple[dict[str, str], float]


class FamilySpec(NamedTuple):
    name: str  # counters include their _total suffix
    type: str  # "gauge" | "counter"
    help: str
    labels: tuple[str, ...]


class Sink(Protocol):
    """What an emitter writes into. Families come out in the order they are first declared."""

    def declare(self, *specs: FamilySpec) -> None: ...

    def add(self, spec: FamilySpec, values: tuple[str, ...], value: float) -> None:
        """One sample of `spec`, its label values in the order of `spec.labels`."""

    def rendered(self, spec: FamilySpec, lines: Sequence[bytes], samples: Callable[[], Iterable[Sample]],
                 prefix: bytes = b"") -> None:
        """Samples of `spec` already rendered as exposition lines (kept from one scrape to the next
        by their owner), each to be written after `prefix` (the sample name, when the owner keeps
        lines without it); `samples()` gives the same samples as (labels, value)."""


Emitter = Callable[[Sink], Iterator[None]]


def escape_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def label_text(pairs: Sequence[tuple[str, str]]) -> str:
    """`{a="x",b="y"}`, sorted by label name as prometheus-client writes them."""
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{escape_value(v)}"' for k, v in sorted(pairs)) + "}"


def number(value: float) -> str:
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def sample_text(spec: FamilySpec, labels: str, value: float) -> str:
    """One sample line of `spec`, its labels already rendered (`label_text`)."""
    return f"{spec.name}{labels} {number(value)}\n"


def header(name: str, mtype: str, help_text: str, openmetrics: bool) -> str:
    family = name[:-6] if mtype == "counter" and openmetrics and name.endswith("_total") else name
    return f"# HELP {family} {escape_help(help_text)}\n# TYPE {family} {mtype}\n"


def family_name(spec: FamilySpec) -> str:
    """The family name prometheus-client expects: a counter's without its _total suffix."""
    return spec.name[:-6] if spec.type == "counter" and spec.name.endswith("_total") else spec.name


class FamilySink:
    """Collects samples into prometheus-client metric families."""

    def __init__(self) -> None:
        self._families: dict[FamilySpec, Metric] = {}

    def declare(self, *specs: FamilySpec) -> None:
        for spec in specs:
            self._family(spec)

    def _family(self, spec: FamilySpec) -> Metric:
        family = self._families.get(spec)
        if family is None:
            family = self._families[spec] = Metric(family_name(spec), spec.help, spec.type)
        return family

    def add(self, spec: FamilySpec, values: tuple[str, ...], value: float) -> None:
        self._family(spec).add_sample(spec.name, dict(zip(spec.labels, values)), value)

    def rendered(self, spec: FamilySpec, lines: Sequence[bytes], samples: Callable[[], Iterable[Sample]],
                 prefix: bytes = b"") -> None:
        family = self._family(spec)
        for labels, value in samples():
            family.add_sample(spec.name, labels, value)

    def families(self) -> Iterator[Metric]:
        return iter(self._families.values())


def collect_families(emit: Emitter) -> Iterator[Metric]:
    """An emitter's samples as prometheus-client families (the Collector protocol's `collect`)."""
    sink = FamilySink()
    for _ in emit(sink):
        pass
    return sink.families()


class TextSink:
    """Writes exposition text per family. `cache` maps (label names, values) to rendered labels and
    is meant to be kept from one scrape to the next (pass the same dict); it is emptied when it
    holds far more label sets than the scrape used, so it follows what is alive."""

    def __init__(self, openmetrics: bool = False, cache: dict[tuple[tuple[str, ...], tuple[str, ...]], str] | None
                 = None) -> None:
        self.openmetrics = openmetrics
        self.cache = {} if cache is None else cache
        self._parts: dict[FamilySpec, list[bytes]] = {}
        self._added = 0

    def declare(self, *specs: FamilySpec) -> None:
        for spec in specs:
            self._parts.setdefault(spec, [])

    def _out(self, spec: FamilySpec) -> list[bytes]:
        parts = self._parts.get(spec)
        if parts is None:
            parts = self._parts[spec] = []
        return parts

    def add(self, spec: FamilySpec, values: tuple[str, ...], value: float) -> None:
        key = (spec.labels, values)
        labels = self.cache.get(key)
        if labels is None:
            labels = self.cache[key] = label_text(list(zip(spec.labels, values)))
        self._added += 1
        self._out(spec).append(sample_text(spec, labels, value).encode())

    def rendered(self, spec: FamilySpec, lines: Sequence[bytes], samples: Callable[[], Iterable[Sample]],
                 prefix: bytes = b"") -> None:
        if lines:  # the prefix as the separator puts it before every line but the first
            self._out(spec).append(prefix + prefix.join(lines))

    def chunks(self) -> list[bytes]:
        """The text in pieces (each family's header, then its lines in chunks), to be sent one after
        the other without joining them into one more copy of the page."""
        if len(self.cache) > 2 * self._added + 1024:
            self.cache.clear()
        out: list[bytes] = []
        for spec, parts in self._parts.items():
            out.append(header(spec.name, spec.type, spec.help, self.openmetrics).encode())
            if len(parts) > 1 and spec.labels:  # many small lines of one family: one piece
                out.append(b"".join(parts))
            else:
                out.extend(parts)
        return out

    def text(self) -> bytes:
        return b"".join(self.chunks())
