"""The seam between polling and sending: an outbound queue the sender drains.

Producers (the scheduler) `put` poll outcomes and readings; the sender takes a
`PendingBatch` with `next_batch`, posts it, and calls `ack(seq)` only after the
collector acknowledged it. Until acknowledged, the same batch (same seq) is
offered again, so delivery is at-least-once and the collector's per-agent seq
check makes it exactly-once in effect.

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

    async def next_batch(self, max_readings: int) -> PendingBatch | None:
        """The oldest unacknowledged batch, or None when empty (does not wait)."""

    async def ack(self, seq: int) -> None: ...

    async def wait_nonempty(self) -> None: ...

    def stats(self) -> OutboxStats: ...

    async def close(self) -> None: ...


class MemoryOutbox:
    """Bounded in-memory outbox: when full it drops the oldest items and counts them."""

    def __init__(self, max_items: int = 200_000, first_seq: int | None = None) -> None:
        self._items: deque[tuple[list[Outcome], list[Reading]]] = deque()
        self._size = 0
        self._max = max_items
        self._metrics: dict[str, MetricInfo] = {}
        self._pending: PendingBatch | None = None
        # Without durable state, start from the clock so seqs keep increasing across restarts.
        self._next_seq = first_seq if first_seq is not None else int(time.time() * 1000)
        self._event = asyncio.Event()
        self._dropped = 0

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

    async def next_batch(self, max_readings: int) -> PendingBatch | None:
        if self._pending is not None:
            return self._pending
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
        self._pending = PendingBatch(self._next_seq, outcomes, readings,
                                     {k: v for k, v in self._metrics.items() if k in used})
        self._next_seq += 1
        return self._pending

    async def ack(self, seq: int) -> None:
        if self._pending is not None and self._pending.seq == seq:
            self._pending = None
        if not self._items and self._pending is None:
            self._event.clear()

    async def wait_nonempty(self) -> None:
        if self._items or self._pending is not None:
            return
        self._event.clear()
        await self._event.wait()

    def stats(self) -> OutboxStats:
        return OutboxStats(self._size + (len(self._pending.readings) if self._pending else 0), 0, self._dropped)

    async def close(self) -> None:
        return None
