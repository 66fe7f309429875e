"""The scheduler, driven by fake sources (pure timing logic; the SNMP fault test crosses real UDP)."""

from __future__ import annotations

import asyncio
import time

from agent.outbox import MemoryOutbox
from agent.scheduler import Scheduler
from agent.sources.base import PollResult
from tierwatch_common.wire import Reading


class FakeSource:
    def __init__(self, target: str, interval: float, delay: float = 0.0, timeout: float = 5.0,
                 fail: bool = False) -> None:
        self.target, self.interval, self.timeout = target, interval, timeout
        self.delay, self.fail = delay, fail
        self.starts: list[float] = []

    async def poll(self) -> PollResult:
        self.starts.append(time.monotonic())
        await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("boom")
        return PollResult(readings=[Reading(self.target, "tierwatch_x", (), 1.0, time.time())], health="ok")

    async def close(self) -> None:
        return None


async def test_a_poll_over_its_deadline_becomes_a_timeout_outcome() -> None:
    slow = FakeSource("slow", 10, delay=5, timeout=0.1)
    outcome, result = await Scheduler([slow], MemoryOutbox()).poll_once(slow)
    assert outcome.status == "timeout" and outcome.duration < 1 and "deadline" in outcome.reason
    assert outcome.health == "unknown" and result.readings == []


async def test_a_crashing_source_becomes_an_error_outcome() -> None:
    bad = FakeSource("bad", 10, fail=True)
    outcome, _ = await Scheduler([bad], MemoryOutbox()).poll_once(bad)
    assert outcome.status == "error" and "RuntimeError: boom" in outcome.reason


async def test_slow_targets_do_not_delay_a_fast_one() -> None:
    fast = FakeSource("fast", 0.1)
    slow = [FakeSource(f"slow{i}", 0.1, delay=10, timeout=0.5) for i in range(5)]
    outbox = MemoryOutbox()
    sched = Scheduler([fast, *slow], outbox, max_concurrency=8, jitter=0)
    sched.start()
    await asyncio.sleep(1.05)
    await sched.stop()
    gaps = [b - a for a, b in zip(fast.starts, fast.starts[1:])]
    assert len(fast.starts) >= 9
    assert max(gaps) < 0.15 and min(gaps) > 0.05


async def test_polls_keep_their_phase_instead_of_drifting() -> None:
    src = FakeSource("t", 0.05, delay=0.02)
    sched = Scheduler([src], MemoryOutbox(), jitter=0)
    sched.start()
    await asyncio.sleep(0.52)
    await sched.stop()
    span = src.starts[-1] - src.starts[0]
    assert abs(span - 0.05 * (len(src.starts) - 1)) < 0.03


async def test_every_poll_puts_its_outcome_and_readings_in_the_outbox() -> None:
    src = FakeSource("t", 0.05)
    outbox = MemoryOutbox(first_seq=1)
    sched = Scheduler([src], outbox, jitter=0)
    sched.start()
    await asyncio.sleep(0.12)
    await sched.stop()
    batch = await outbox.next_batch(1000)
    assert batch is not None and batch.seq == 1
    assert len(batch.outcomes) == len(src.starts) == len(batch.readings)
    assert all(o.status == "ok" and o.target == "t" for o in batch.outcomes)
