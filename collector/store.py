"""Latest-value store: the newest reading of every series, forgotten when its source goes silent.

A series is (target, metric, labels). Each remembers when it was last written (collector
clock) and its TTL (ttl_factor × the poll interval of its target); it disappears once
`now - last_write > ttl`. Poll outcomes are kept per target the same way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tierwatch_common.models import Batch, Labels, MetricInfo, Outcome

SeriesKey = tuple[str, Labels]  # (target, labels) within one metric


@dataclass(slots=True)
class Sample:
    value: float
    ts: float
    agent: str
    written: float
    ttl: float


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
    # metric name -> series -> sample
    metrics: dict[str, dict[SeriesKey, Sample]] = field(default_factory=dict)
    meta: dict[str, MetricInfo] = field(default_factory=dict)
    targets: dict[str, TargetStatus] = field(default_factory=dict)
    agents: dict[str, float] = field(default_factory=dict)  # agent id -> when its last batch was applied
    expired_total: int = 0
    _count: int = 0

    def ttl_for(self, interval: float) -> float:
        return max(self.min_ttl, self.ttl_factor * interval)

    def apply(self, batch: Batch, now: float | None = None) -> int:
        """Store a validated batch; returns the number of readings written."""
        now = time.time() if now is None else now
        self.agents[batch.agent] = now
        intervals = {}
        for o in batch.outcomes:
            iv = o.interval or batch.interval
            intervals[o.target] = iv
            prev = self.targets.get(o.target)
            if prev is None or prev.outcome.started_at <= o.started_at:
                self.targets[o.target] = TargetStatus(o, batch.agent, now, self.ttl_for(iv))
        for name, info in batch.metrics.items():
            self.meta[name] = info
        default_ttl = self.ttl_for(batch.interval)
        metrics = self.metrics
        # Readings arrive in time order within a batch; the newest per series wins.
        for r in batch.readings:
            series = metrics.get(r.metric)
            if series is None:
                series = metrics[r.metric] = {}
            key = (r.target, r.labels)
            iv = intervals.get(r.target)
            ttl = self.ttl_for(iv) if iv is not None else default_ttl
            old = series.get(key)
            if old is None:
                self._count += 1
            elif old.ts > r.ts:
                continue  # a late batch never overwrites a newer reading
            series[key] = Sample(r.value, r.ts, batch.agent, now, ttl)
        return len(batch.readings)

    def expire(self, now: float | None = None) -> int:
        """Drop series and target outcomes whose TTL has passed; returns how many series went."""
        now = time.time() if now is None else now
        gone = 0
        for name in list(self.metrics):
            series = self.metrics[name]
            dead = [k for k, s in series.items() if now - s.written > s.ttl]
            for k in dead:
                del series[k]
            gone += len(dead)
            if not series:
                del self.metrics[name]
        for t in [t for t, s in self.targets.items() if now - s.written > s.ttl]:
            del self.targets[t]
        self._count -= gone
        self.expired_total += gone
        return gone

    @property
    def live_series(self) -> int:
        return self._count
