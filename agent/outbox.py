"""The seam between polling and sending: an outbound queue the sender drains.

Producers (the scheduler) `put` poll outcomes and readings; the sender takes a
`PendingBatch` with `next_batch`, posts it, and calls `ack(seq)` only after the
collector acknowledged it. Until acknowledged, the same batch (same seq) is
offered again, so delivery is at-least-once and the collector's per-agent seq
check makes it exactly-once in effect.

Several readers (fan-out to an HA pair) each keep their own cursor: `next_batch(n, after=seq)`
offers the oldest batch after `seq` (formed batches keep their content, so every reader gets
the same batch under the same seq), `ack_through(seq)` removes every batch up to `seq` once all
readers are past it, and `wait_put(since)` waits for a `put` after the `puts` count `since`.
Each reader's cursor is kept with `set_cursor(reader, seq)` and read back with `cursors()`, so an
agent that restarts resumes every reader where it was.

`MemoryOutbox` keeps everything in memory (lost on restart); the durable spool
implements the same protocol.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

from tierwatch_common.models import MetricInfo, Outcome, Reading


@dataclass
class PendingBatch:
    seq: int
    outcomes: list[Outcome]
    readings: list[Reading]
    metrics: dict[str, MetricInfo] = field(default_factory=dict)


@dataclass
class OutboxStats:
    depth_items: int = 0
    depth_bytes: int = 0
    dropped_total: int = 0


class Outbox(Protocol):
    async def put(self, outcomes: list[Outcome], readings: list[Reading],
                  metrics: dict[str, MetricInfo]) -> None: ...

    async def next_batch(self, max_readings: int, after: int | None = None) -> PendingBatch | None:
        """The oldest unacknowledged batch (with `after`: the oldest whose seq is greater), or None
        when there is none (does not wait)."""

    async def ack(self, seq: int) -> None: ...

    async def ack_through(self, seq: int) -> None:
        """Remove every formed batch whose seq is `seq` or less."""

    async def cursors(self) -> dict[str, int]:
        """Each reader's cursor (the last seq it acknowledged) as `set_cursor` left it."""

    async def set_cursor(self, reader: str, seq: int) -> None:
        """Move `reader`'s cursor forward to `seq` (never back)."""

    @property
    def puts(self) -> int:
        """How many puts so far (in this process)."""

    async def wait_put(self, since: int) -> None:
        """Return once `puts` is greater than `since`."""

    async def wait_nonempty(self) -> None: ...

    def stats(self) -> OutboxStats: ...

    async def close(self) -> None: ...


class PutSignal:
    """The `puts` counter and `wait_put` of the Outbox protocol; an outbox calls `_signal_put`."""

    def __init__(self) -> None:
        self._puts = 0
        self._put_event = asyncio.Event()

    def _signal_put(self) -> None:
        self._puts += 1
        self._put_event.set()

    @property
    def puts(self) -> int:
        return self._puts

    async def wait_put(self, since: int) -> None:
        while self._puts <= since:
            self._put_event.clear()
            await self._put_event.wait()


class MemoryOutbox(PutSignal):
    """Bounded in-memory outbox: when full it drops the oldest items and counts them."""

    def __init__(self, max_items: int = 200_000, first_seq: int | None = None) -> None:
        self._items: deque[tuple[list[Outcome], list[Reading]]] = deque()
        self._size = 0
        self._max = max_items
        self._metrics: dict[str, MetricInfo] = {}
        self._formed: deque[PendingBatch] = deque()  # formed, not yet acknowledged, in seq order
        # Without durable state, start from the clock so seqs keep increasing across restarts.
        self._next_seq = first_seq if first_seq is not None else int(time.time() * 1000)
        self._event = asyncio.Event()
        self._dropped = 0
        self._cursors: dict[str, int] = {}
        super().__init__()

    async def put(self, outcomes: list[Outcome], readings: list[Reading],
                  metrics: dict[str, MetricInfo]) -> None:
        self._items.append((outcomes, readings))
        self._size += len(outcomes) + len(readings)
        self._metrics.update(metrics)
        while self._size > self._max and len(self._items) > 1:
            o, r = self._items.popleft()
            self._size -= len(o) + len(r)
            self._dropped += len(o) + len(r)
        self._event.set()
        self._signal_put()

    async def next_batch(self, max_readings: int, after: int | None = None) -> PendingBatch | None:
        for formed in self._formed:
            if after is None or formed.seq > after:
                return formed
        if not self._items:
            return None
        outcomes: list[Outcome] = []
        readings: list[Reading] = []
        while self._items and (not readings or len(readings) + len(self._items[0][1]) <= max_readings):
            o, r = self._items.popleft()
            self._size -= len(o) + len(r)
            outcomes.extend(o)
            readings.extend(r)
        used = {r.metric for r in readings}
        batch = PendingBatch(self._next_seq, outcomes, readings,
                             {k: v for k, v in self._metrics.items() if k in used})
        self._formed.append(batch)
        self._next_seq += 1
        return batch

    async def ack(self, seq: int) -> None:
        self._formed = deque(b for b in self._formed if b.seq != seq)
        if not self._items and not self._formed:
            self._event.clear()

    async def ack_through(self, seq: int) -> None:
        while self._formed and self._formed[0].seq <= seq:
            self._formed.popleft()
        if not self._items and not self._formed:
            self._event.clear()

    async def cursors(self) -> dict[str, int]:
        return dict(self._cursors)

    async def set_cursor(self, reader: str, seq: int) -> None:
        self._cursors[reader] = max(seq, self._cursors.get(reader, seq))

    async def wait_nonempty(self) -> None:
        if self._items or self._formed:
            return
        self._event.clear()
        await self._event.wait()

    def stats(self) -> OutboxStats:
        return OutboxStats(self._size + sum(len(b.readings) + len(b.outcomes) for b in self._formed), 0, self._dropped)

    async def close(self) -> None:
        return None
