"""Latest-value store: the newest reading of every series, forgotten when its source goes silent.

A series is (target, metric, labels). Each remembers when it stops being live (the collector's
clock at its last write plus its TTL, ttl_factor × the poll interval of its target) and disappears
once that moment has passed. Poll outcomes are kept per target the same way.

Built for a million live series: each metric is a `Family` held column by column (an index from
series key to row; parallel lists and float arrays), and each row keeps its exposition line
rendered (`{labels} value`, the metric name written before it at scrape time). A write re-renders the line only when the value or the agent
changed, so a scrape joins ready lines: no formatting, no float repr, no copy per series.
Rows are removed only by `expire`, which waits while a scrape is writing families out (the
renderer holds `rendering`), so a scrape that pauses between chunks shows every series once.
"""

from __future__ import annotations

import math
import time
from sys import intern
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from collector.textformat import label_text, number
from tierwatch_common.models import Batch, Labels, MetricInfo, Outcome
from tierwatch_common.vocabulary import LABEL_AGENT, LABEL_TARGET

SeriesKey = tuple[str, Labels]  # (target, labels) within one metric


class Applied(NamedTuple):
    """What `SeriesStore.apply` did with a batch's readings."""

    accepted: int   # written (new series, or a newer value of a live one)
    refused: int    # new series refused: `max_live` series are live


class Sample(NamedTuple):
    value: float
    ts: float
    agent: str
    deadline: float  # collector time after which the series is gone


class Family:
    """The live series of one metric, column by column; row i is series `keys[i]`."""

    __slots__ = ("name", "prefix", "index", "keys", "agents", "lines", "values", "ts", "deadlines", "next_check",
                 "node_labels")

    def __init__(self, name: str, node_labels: dict[str, Labels] | None = None) -> None:
        self.name = name
        self.node_labels = node_labels if node_labels is not None else {}  # target -> topology labels
        self.index: dict[SeriesKey, int] = {}
        self.keys: list[SeriesKey] = []
        self.agents: list[str] = []
        self.prefix = name.encode()  # each line is written after its metric name
        self.lines: list[bytes] = []  # b"{labels} value\n", labels with target and agent
        self.values = array("d")
        self.ts = array("d")
        self.deadlines = array("d")
        self.next_check = math.inf  # no row's deadline is earlier than this

    def __len__(self) -> int:
        return len(self.keys)

    def samples(self, start: int, stop: int) -> Iterator[tuple[dict[str, str], float]]:
        """Rows start..stop-1 as (labels with target and agent, value)."""
        keys, agents, values = self.keys, self.agents, self.values
        for row in range(start, min(stop, len(keys))):
            target, labels = keys[row]
            yield {**dict(self.extra(target, labels)), **dict(labels), LABEL_TARGET: target,
                   LABEL_AGENT: agents[row]}, values[row]

    def extra(self, target: str, labels: Labels) -> Labels:
        """The target's topology labels that the reading does not carry itself."""
        extra = self.node_labels.get(target)
        if not extra:
            return ()
        own = {k for k, _ in labels}
        return tuple(p for p in extra if p[0] not in own)

    def sample(self, row: int) -> Sample:
        return Sample(self.values[row], self.ts[row], self.agents[row], self.deadlines[row])

    def line(self, target: str, labels: Labels, agent: str, value: float) -> bytes:
        text = label_text((*labels, *self.extra(target, labels), (LABEL_TARGET, target), (LABEL_AGENT, agent)))
        return f"{text} {number(value)}\n".encode()

    def expire(self, now: float) -> int:
        """Drop the rows whose deadline has passed (the last row moves into each freed place)."""
        if now <= self.next_check:
            return 0
        deadlines = self.deadlines
        dead = [row for row, d in enumerate(deadlines) if d < now]
        for row in reversed(dead):  # highest first, so a moved last row is never one still to drop
            last = len(self.keys) - 1
            del self.index[self.keys[row]]
            if row != last:
                key = self.keys[row] = self.keys[last]
                self.index[key] = row
                self.agents[row], self.lines[row] = self.agents[last], self.lines[last]
                self.values[row], self.ts[row], deadlines[row] = self.values[last], self.ts[last], deadlines[last]
            del self.keys[last], self.agents[last], self.lines[last]
            del self.values[last], self.ts[last], deadlines[last]
        self.next_check = min(deadlines, default=math.inf)
        return len(dead)


@dataclass(slots=True)
class TargetStatus:
    outcome: Outcome
    agent: str
    written: float
    ttl: float


@dataclass
class SeriesStore:
    ttl_factor: float = 3.0
    min_ttl: float = 5.0
    families: dict[str, Family] = field(default_factory=dict)  # metric name -> its live series
    # target -> topology labels (feed, ups, rack, room, ...) every one of its series carries; set it
    # before the first batch (lines are rendered when written)
    node_labels: dict[str, Labels] = field(default_factory=dict)
    meta: dict[str, MetricInfo] = field(default_factory=dict)
    targets: dict[str, TargetStatus] = field(default_factory=dict)
    agents: dict[str, float] = field(default_factory=dict)  # agent id -> when its last batch was applied
    expired_total: int = 0
    # at most this many live series: a reading that would add one more is refused (counted, and
    # said in the ingest answer); a live series takes every newer value, and room comes back as
    # series expire
    max_live: int = 2_000_000
    refused_total: int = 0
    rendering: int = 0  # scrapes writing families out right now: rows are not removed meanwhile
    _count: int = 0

    def ttl_for(self, interval: float) -> float:
        return max(self.min_ttl, self.ttl_factor * interval)

    def apply(self, batch: Batch, now: float | None = None) -> Applied:
        """Store a validated batch; says how many readings were written and how many refused."""
        now = time.time() if now is None else now
        agent = batch.agent
        self.agents[agent] = now
        deadlines: dict[str, float] = {}
        for o in batch.outcomes:
            iv = o.interval or batch.interval
            deadlines[o.target] = now + self.ttl_for(iv)
            prev = self.targets.get(o.target)
            if prev is None or prev.outcome.started_at <= o.started_at:
                self.targets[o.target] = TargetStatus(o, agent, now, self.ttl_for(iv))
        self.meta.update(batch.metrics)
        default_deadline = now + self.ttl_for(batch.interval)
        families = self.families
        family: Family | None = None
        added = refused = 0
        room = self.max_live - self._count
        # Readings arrive in time order within a batch; the newest per series wins.
        for r in batch.readings:
            if family is None or family.name != r.metric:
                family = families.get(r.metric)
                if family is None:
                    family = families[r.metric] = Family(r.metric, self.node_labels)
                index, values, ts_col, dl_col = family.index, family.values, family.ts, family.deadlines
            target = r.target
            deadline = deadlines.get(target, default_deadline)
            key = (target, r.labels)
            row = index.get(key)
            if row is None:
                if added >= room:
                    refused += 1
                    continue
                key = (intern(target), r.labels)  # one copy of a target's name for all its series
                index[key] = len(family.keys)
                family.keys.append(key)
                family.agents.append(agent)
                family.lines.append(family.line(target, r.labels, agent, r.value))
                values.append(r.value)
                ts_col.append(r.ts)
                dl_col.append(deadline)
                added += 1
            else:
                if ts_col[row] > r.ts:
                    continue  # a late batch never overwrites a newer reading
                if values[row] != r.value or family.agents[row] != agent:
                    if family.agents[row] != agent:
                        family.agents[row] = agent
                        family.lines[row] = family.line(target, r.labels, agent, r.value)
                    else:
                        line = family.lines[row]  # validated values are finite floats: repr is their text
                        family.lines[row] = b"%b%r\n" % (line[:line.rindex(b" ") + 1], r.value)
                    values[row] = r.value
                ts_col[row] = r.ts
                dl_col[row] = deadline
            if deadline < family.next_check:
                family.next_check = deadline
        self._count += added
        self.refused_total += refused
        return Applied(len(batch.readings) - refused, refused)

    def get(self, metric: str, target: str, labels: Labels = ()) -> Sample | None:
        family = self.families.get(metric)
        row = None if family is None else family.index.get((target, labels))
        return None if row is None else family.sample(row)  # type: ignore[union-attr]

    def expire(self, now: float | None = None) -> int:
        """Drop series and target outcomes whose TTL has passed; returns how many series went.
        While a scrape is writing families out, nothing is dropped (the next call will)."""
        if self.rendering:
            return 0
        now = time.time() if now is None else now
        gone = 0
        for name, family in list(self.families.items()):
            gone += family.expire(now)
            if not family.keys:
                del self.families[name]
        for t in [t for t, s in self.targets.items() if now - s.written > s.ttl]:
            del self.targets[t]
        self._count -= gone
        self.expired_total += gone
        return gone

    @property
    def live_series(self) -> int:
        return self._count
