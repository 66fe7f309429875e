"""Fast exposition text for the collector's large families (Prometheus text 0.0.4 and OpenMetrics).

prometheus-client validates and escapes every label of every sample on every scrape (about
10 µs a sample); a collector with a thousand agents exposes ~100k samples, so that alone
takes over a second. Our exporters emit samples through a `Sink`: `FamilySink` builds
prometheus-client metric families (the Collector protocol, for any registry), `TextSink`
writes the exposition text directly, caching each label set's rendered form across scrapes
(label names are ours and already valid; values are escaped once).
"""

from __future__ import annotations

import math
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from prometheus_client.core import Metric


# A rendering in steps: yields None where the event loop may run other work, returns the text.
Steps = Generator[None, None, str]


def finish(steps: Steps) -> str:
    """Run a stepped rendering to its end in one go."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


class FamilySpec(NamedTuple):
    name: str  # counters include their _total suffix
    type: str  # "gauge" | "counter"
    help: str
    labels: tuple[str, ...]


class Sink(Protocol):
    def add(self, spec: FamilySpec, values: tuple[str, ...], value: float) -> None: ...


def escape_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def label_text(pairs: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> str:
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


def header(name: str, mtype: str, help_text: str, openmetrics: bool) -> str:
    family = name[:-6] if mtype == "counter" and openmetrics and name.endswith("_total") else name
    return f"# HELP {family} {escape_help(help_text)}\n# TYPE {family} {mtype}\n"


class FamilySink:
    """Collects samples into prometheus-client metric families, in the order specs first appear."""

    def __init__(self) -> None:
        self._families: dict[FamilySpec, Metric] = {}

    def declare(self, *specs: FamilySpec) -> None:
        for spec in specs:
            self._family(spec)

    def _family(self, spec: FamilySpec) -> Metric:
        family = self._families.get(spec)
        if family is None:
            base = spec.name[:-6] if spec.type == "counter" and spec.name.endswith("_total") else spec.name
            family = self._families[spec] = Metric(base, spec.help, spec.type)
        return family

    def add(self, spec: FamilySpec, values: tuple[str, ...], value: float) -> None:
        self._family(spec).add_sample(spec.name, dict(zip(spec.labels, values)), value)

    def families(self) -> Iterator[Metric]:
        return iter(self._families.values())


@dataclass
class TextSink:
    """Writes exposition lines per family; `cache` maps (label names, values) to rendered labels and
    is meant to be kept from one scrape to the next (pass the same dict)."""

    openmetrics: bool = False
    cache: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = field(default_factory=dict)
    _lines: dict[FamilySpec, list[str]] = field(default_factory=dict)

    def declare(self, *specs: FamilySpec) -> None:
        for spec in specs:
            self._lines.setdefault(spec, [])

    def add(self, spec: FamilySpec, values: tuple[str, ...], value: float) -> None:
        key = (spec.labels, values)
        labels = self.cache.get(key)
        if labels is None:
            labels = self.cache[key] = label_text(list(zip(spec.labels, values)))
        lines = self._lines.get(spec)
        if lines is None:
            lines = self._lines[spec] = []
        lines.append(f"{spec.name}{labels} {number(value)}\n")

    def text(self) -> str:
        out = []
        for spec, lines in self._lines.items():
            out.append(header(spec.name, spec.type, spec.help, self.openmetrics))
            out.extend(lines)
        return "".join(out)
