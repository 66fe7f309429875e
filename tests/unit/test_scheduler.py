"""The scheduler on a fake clock: exact instants, no wall-clock tolerances (the SNMP fault
test crosses real UDP on the real clock)."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from agent import names
from agent.clock import FakeClock
from agent.outbox import MemoryOutbox
from agent.scheduler import Scheduler
from agent.selfmetrics import self_readings
from agent.sender import Sender
from agent.config import CollectorLink
from agent.sources.base import PollResult
from tierwatch_common.models import Reading


class FakeSource:
    """A target whose polls take `delays[i]` (the last one repeating) seconds of the fake clock."""

    def __init__(self, clock: FakeClock, target: str, interval: float, delay: float | list[float] = 0.0,
                 timeout: float = 5.0, fail: bool = False) -> None:
        self.clock, self.target, self.interval, self.timeout = clock, target, interval, timeout
        self.delays = delay if isinstance(delay, list) else [delay]
        self.fail = fail
        self.starts: list[float] = []

    async def poll(self) -> PollResult:
        self.starts.append(self.clock.monotonic())
        await self.clock.sleep(self.delays[min(len(self.starts), len(self.delays)) - 1])
        if self.fail:
            raise RuntimeError("boom")
        return PollResult(readings=[Reading(self.target, "tierwatch_x", (), 1.0, self.clock.time())], health="ok")

    async def close(self) -> None:
        return None


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=0.0)


async def run_for(clock: FakeClock, sched: Scheduler, seconds: float) -> None:
    sched.start()
    try:
        await clock.advance(seconds)
    finally:
        await sched.stop()


async def test_a_poll_over_its_deadline_becomes_a_timeout_outcome_at_the_deadline(clock: FakeClock) -> None:
    import asyncio

    slow = FakeSource(clock, "slow", 10, delay=5, timeout=0.25)
    task = asyncio.create_task(Scheduler([slow], MemoryOutbox(), clock=clock).poll_once(slow))
    await clock.advance(1)
    outcome, result = await task
    assert outcome.status == "timeout" and outcome.duration == 0.25 and "0.25s deadline" in outcome.reason
    assert outcome.health == "unknown" and result.readings == []
    assert outcome.started_at == clock.time() - 1


async def test_a_crashing_source_becomes_an_error_outcome(clock: FakeClock) -> None:
    bad = FakeSource(clock, "bad", 10, fail=True)
    outcome, _ = await Scheduler([bad], MemoryOutbox(), clock=clock).poll_once(bad)
    assert outcome.status == "error" and "RuntimeError: boom" in outcome.reason


async def test_slow_targets_do_not_delay_a_fast_one(clock: FakeClock) -> None:
    fast = FakeSource(clock, "fast", 1.0, delay=0.1)
    slow = [FakeSource(clock, f"slow{i}", 1.0, delay=10, timeout=0.5) for i in range(5)]
    sched = Scheduler([fast, *slow], MemoryOutbox(), max_concurrency=8, jitter=0, clock=clock)
    await run_for(clock, sched, 9.5)
    assert fast.starts == [float(k) for k in range(10)]
    assert all(s.starts == fast.starts for s in slow)  # each slow poll ends at its 0.5 s deadline
    assert sched.skipped["fast"] == 0 and sched.lag["fast"] == 0.0


async def test_polls_keep_their_phase_instead_of_drifting(clock: FakeClock) -> None:
    src = FakeSource(clock, "t", 5.0, delay=2.0)
    sched = Scheduler([src], MemoryOutbox(), jitter=0, clock=clock)
    await run_for(clock, sched, 51)
    assert src.starts == [5.0 * k for k in range(11)]


async def test_the_first_poll_is_offset_by_at_most_the_jitter_share_of_the_interval(clock: FakeClock) -> None:
    import random

    sources = [FakeSource(clock, f"t{i}", 10.0) for i in range(20)]
    sched = Scheduler(sources, MemoryOutbox(), jitter=0.1, rng=random.Random(7), clock=clock)
    await run_for(clock, sched, 25)
    firsts = [s.starts[0] for s in sources]
    assert all(0 <= f <= 1.0 for f in firsts) and len(set(firsts)) > 10
    assert all(s.starts == pytest.approx([s.starts[0] + 10 * k for k in range(3)], abs=1e-9) for s in sources)


async def test_every_poll_puts_its_outcome_and_readings_in_the_outbox(clock: FakeClock) -> None:
    src = FakeSource(clock, "t", 1.0)
    outbox = MemoryOutbox(first_seq=1)
    await run_for(clock, Scheduler([src], outbox, jitter=0, clock=clock), 2.5)
    batch = await outbox.next_batch(1000)
    assert batch is not None and batch.seq == 1
    assert len(batch.outcomes) == len(src.starts) == len(batch.readings) == 3
    assert all(o.status == "ok" and o.target == "t" for o in batch.outcomes)
    assert [o.started_at for o in batch.outcomes] == [clock.time() - 2.5 + k for k in range(3)]


async def test_an_overrunning_poll_skips_slots_counts_them_and_logs_the_slip_once(clock: FakeClock) -> None:
    # polls take 1 s, then three take 25 s (interval 10: each skips two slots), then 1 s again
    src = FakeSource(clock, "pdu-1", 10.0, delay=[1, 25, 25, 25, 1], timeout=30)
    sched = Scheduler([src], MemoryOutbox(), jitter=0, clock=clock)
    with capture_logs() as logs:
        await run_for(clock, sched, 125)
    assert src.starts == [0, 10, 40, 70, 100, 110, 120]
    assert sched.skipped["pdu-1"] == 6 and sched.lag["pdu-1"] == 0.0
    events = [(e["event"], e.get("skipped_slots"), e.get("skipped_slots_total")) for e in logs
              if e["event"].startswith("poll_schedule_")]
    assert events == [("poll_schedule_slipping", 2, None), ("poll_schedule_recovered", None, 6)]


async def test_polls_held_back_by_the_concurrency_bound_start_late_and_say_how_late(clock: FakeClock) -> None:
    a = FakeSource(clock, "a", 10.0, delay=4)
    b = FakeSource(clock, "b", 10.0, delay=4)
    sched = Scheduler([a, b], MemoryOutbox(), max_concurrency=1, jitter=0, clock=clock)
    with capture_logs() as logs:
        await run_for(clock, sched, 25)
    assert a.starts == [0, 10, 20] and b.starts == [4, 14, 24]
    assert sched.lag == {"a": 0.0, "b": 4.0} and sched.skipped["b"] == 0
    slips = [e for e in logs if e["event"] == "poll_schedule_slipping"]
    assert [(e["lag_s"], e["skipped_slots"]) for e in slips] == [(4.0, 0)]  # once, not per poll


async def test_self_metrics_carry_each_targets_poll_lag_and_skipped_slots(clock: FakeClock) -> None:
    late = FakeSource(clock, "late", 10.0, delay=[25, 1], timeout=30)
    outbox = MemoryOutbox()
    sched = Scheduler([late], outbox, jitter=0, clock=clock)
    await run_for(clock, sched, 31)
    sender = Sender(CollectorLink(), "row-a-01", 10.0, outbox)
    readings = {(r.target, r.metric): r.value for r in self_readings("row-a-01", outbox, sched, sender, now=clock.time())}
    assert readings[("late", names.AGENT_POLLS_SKIPPED)] == 2.0
    assert readings[("late", names.AGENT_POLL_LAG)] == 0.0
    assert readings[("row-a-01", names.AGENT_BATCHES_REJECTED)] == 0.0
    assert ("row-a-01", names.AGENT_SNMP_REQUESTS) not in readings  # no SNMP client given


async def test_a_sent_polls_result_is_freed_while_its_target_waits_for_the_next_slot(clock: FakeClock) -> None:
    import gc
    import weakref

    results: list[weakref.ref[PollResult]] = []

    class Remembered(FakeSource):
        async def poll(self) -> PollResult:
            result = await super().poll()
            results.append(weakref.ref(result))
            return result

    src = Remembered(clock, "t", 30.0)
    outbox = MemoryOutbox(first_seq=1)
    sched = Scheduler([src], outbox, jitter=0, clock=clock)
    sched.start()
    try:
        await clock.advance(1)  # polled at 0; the next slot is at 30
        batch = await outbox.next_batch(1000)
        assert batch is not None and len(batch.readings) == 1
        await outbox.ack(batch.seq)
        del batch
        gc.collect()
        assert len(results) == 1 and results[0]() is None  # nothing of it stays resident until the next poll
    finally:
        await sched.stop()
