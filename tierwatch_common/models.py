"""What agent and collector exchange, as one set of types both ends hold in memory.

- `Labels`: a reading's labels in their one canonical form, a tuple of (name, value) pairs sorted
  by name. It is hashable (the collector keys series by it) and `labels_json` turns it into the
  canonical JSON text both ends write when they journal a reading's key.
- `MetricInfo`: a metric's type and help, from the source that produced it to the collector's
  `# HELP`/`# TYPE` lines.
- `Reading`, `Outcome`, `Batch`: one value, one poll's outcome, one delivered batch.

The wire's JSON form of each (and its validation) lives in `tierwatch_common.wire`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import orjson

from tierwatch_common.vocabulary import UNKNOWN

Labels = tuple[tuple[str, str], ...]
NO_LABELS: Labels = ()


def canonical_labels(labels: Mapping[str, str] | Iterable[tuple[str, str]]) -> Labels:
    """Labels in canonical form: (name, value) pairs sorted by name."""
    pairs = labels.items() if isinstance(labels, Mapping) else labels
    return tuple(sorted(pairs))


def labels_json(labels: Labels) -> str:
    """The canonical JSON text of a label set (keys sorted, no spaces): `{"a":"1","b":"2"}`."""
    return orjson.dumps(dict(labels), option=orjson.OPT_SORT_KEYS).decode()


class MetricInfo(NamedTuple):
    type: str  # "gauge" | "counter"
    help: str = ""


class Reading(NamedTuple):
    target: str
    metric: str
    labels: Labels
    value: float
    ts: float


class Outcome(NamedTuple):
    target: str
    status: str
    started_at: float
    duration: float
    interval: float
    readings: int
    health: str = UNKNOWN
    reason: str = ""
    varbinds: int = 0


@dataclass(slots=True)
class Batch:
    agent: str
    seq: int
    sent_at: float
    interval: float
    outcomes: list[Outcome] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    metrics: dict[str, MetricInfo] = field(default_factory=dict)


def journal_rows(outcomes: Iterable[Outcome], readings: Iterable[Reading]) -> list[tuple[str, str, str, str, float]]:
    """The key of every outcome and reading, as (kind, target, metric, labels JSON, ts): what the
    agent's `produced` journal and the collector's `applied` journal both write, to be compared."""
    rows = [("outcome", o.target, "", "{}", o.started_at) for o in outcomes]
    rows += [("reading", r.target, r.metric, labels_json(r.labels), r.ts) for r in readings]
    return rows
