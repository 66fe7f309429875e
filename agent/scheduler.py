"""Polls every target on its own cadence: one task per target, a global concurrency bound,
and a deadline per poll, so a dead or slow device never delays the others.

Each target's polls keep a fixed phase (slot k starts at first + k × interval). A slip shows:
`lag[target]` is how late the last poll started after its slot (waiting for the concurrency
bound included), `skipped[target]` counts slots dropped because the previous poll overran.
A target whose poll starts more than LATE_SHARE of its interval late, or that skips a slot, is
*slipping*; the change to and from slipping is logged once (`poll_schedule_slipping`,
`poll_schedule_recovered`), not per poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from collections.abc import Sequence

import structlog

from agent.clock import SYSTEM_CLOCK, Clock
from agent.outbox import Outbox
from agent.sources.base import PollResult, Source
from tierwatch_common.models import Outcome
from tierwatch_common.vocabulary import ERROR, OK, TIMEOUT, UNKNOWN

log = structlog.get_logger("agent.scheduler")

LATE_SHARE = 0.1  # a poll starting later than this share of its interval after its slot is late


class Scheduler:
    def __init__(self, sources: Sequence[Source], outbox: Outbox, *, max_concurrency: int = 32,
                 jitter: float = 0.1, rng: random.Random | None = None, clock: Clock = SYSTEM_CLOCK) -> None:
        self.sources = list(sources)
        self.outbox = outbox
        self._sem = asyncio.Semaphore(max_concurrency)
        self._jitter = jitter
        self._rng = rng or random.Random()
        self._clock = clock
        self._tasks: list[asyncio.Task[None]] = []
        self._by_target = {s.target: s for s in self.sources}
        self._triggered: dict[str, asyncio.Task[None]] = {}  # target → its running trap-triggered poll
        self.polls: Counter[tuple[str, str]] = Counter()  # (target, status) -> count
        self.lag: dict[str, float] = {}  # target -> seconds the last poll started after its slot
        self.skipped: Counter[str] = Counter()  # target -> slots skipped because a poll overran
        self._slipping: set[str] = set()
        self._last_state: dict[str, tuple[str, str]] = {}

    async def poll_once(self, source: Source, slot: float | None = None) -> tuple[Outcome, PollResult]:
        """Poll one target under its deadline and turn whatever happens into an outcome.

        `slot` is the monotonic instant the poll was due; how late it starts is kept in `lag`."""
        clock = self._clock
        async with self._sem:
            started = clock.time()
            t0 = clock.monotonic()
            if slot is not None:
                self.lag[source.target] = max(0.0, t0 - slot)
            try:
                async with clock.deadline(source.timeout):
                    result = await source.poll()
            except TimeoutError:
                result = PollResult(status=TIMEOUT, reason=f"poll exceeded its {source.timeout:g}s deadline")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a source bug must not stop the others
                log.exception("poll_crashed", target=source.target)
                result = PollResult(status=ERROR, reason=f"{type(exc).__name__}: {exc}"[:500])
            duration = clock.monotonic() - t0
        outcome = Outcome(source.target, result.status, started, duration, source.interval,
                          len(result.readings), result.health if result.status == OK else UNKNOWN,
                          result.reason[:1024], result.varbinds)
        return outcome, result

    async def _poll_and_put(self, source: Source, slot: float) -> Outcome:
        """One poll handed to the outbox. Its readings are referenced from this frame only, so
        they are freed once sent instead of living in the target's loop until its next poll
        (500 targets × ~100 readings would otherwise stay resident between polls)."""
        outcome, result = await self.poll_once(source, slot)
        self.polls[(source.target, outcome.status)] += 1
        await self.outbox.put([outcome], result.readings, result.metrics)
        return outcome

    async def _loop(self, source: Source) -> None:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(target=source.target)
        clock, interval = self._clock, source.interval
        next_at = clock.monotonic() + self._rng.uniform(0, self._jitter * interval)
        skipped = 0
        while True:
            await clock.sleep(max(0.0, next_at - clock.monotonic()))
            outcome = await self._poll_and_put(source, next_at)
            self._log(outcome)
            self._watch_schedule(source, skipped)
            next_at += interval
            now = clock.monotonic()
            skipped = 0
            if next_at < now:  # the poll overran: skip the missed slots, keep the phase
                skipped = int((now - next_at) // interval) + 1
                next_at += skipped * interval
                self.skipped[source.target] += skipped

    def _watch_schedule(self, source: Source, skipped: int) -> None:
        """Log when a target starts slipping (late starts or skipped slots) and when it recovers."""
        target, lag = source.target, self.lag.get(source.target, 0.0)
        slipping = skipped > 0 or lag > LATE_SHARE * source.interval
        if slipping and target not in self._slipping:
            self._slipping.add(target)
            log.warning("poll_schedule_slipping", lag_s=round(lag, 3), skipped_slots=skipped,
                        interval_s=source.interval)
        elif not slipping and target in self._slipping:
            self._slipping.discard(target)
            log.info("poll_schedule_recovered", lag_s=round(lag, 3), interval_s=source.interval,
                     skipped_slots_total=self.skipped[target])

    def _log(self, o: Outcome) -> None:
        log.info("poll_completed", status=o.status, health=o.health, readings=o.readings,
                 ms=round(o.duration * 1000, 1))
        state = (o.status, o.health)
        prev = self._last_state.get(o.target)
        if prev is not None and prev != state:
            log.warning("target_state_changed", status=o.status, health=o.health, was_status=prev[0],
                        was_health=prev[1], reason=o.reason)
        self._last_state[o.target] = state

    @property
    def clock(self) -> Clock:
        return self._clock

    def trigger(self, target: str, at: float, why: str) -> bool:
        """Poll `target` now, out of its cadence, because a trap said at `at` (unix seconds) that
        something changed. Its outcome is put twice: stamped at `at` with the reason prefixed by
        `why` (the change's time), and as the poll it is. False if the target is unknown or such a
        poll of it is still running. The task is the scheduler's: `stop` cancels and awaits it."""
        source = self._by_target.get(target)
        if source is None or target in self._triggered:
            return False
        self._triggered[target] = asyncio.create_task(self._poll_triggered(source, at, why), name=f"trap-poll:{target}")
        return True

    async def _poll_triggered(self, source: Source, at: float, why: str) -> None:
        try:
            outcome, result = await self.poll_once(source)
            self.polls[(source.target, outcome.status)] += 1
            at = min(at, outcome.started_at)
            changed = outcome._replace(started_at=at, duration=0.0, readings=0, varbinds=0,
                                       reason=f"{why}: {outcome.reason}" if outcome.reason else why)
            await self.outbox.put([changed, outcome], result.readings, result.metrics)
            self._log(outcome)
        finally:
            self._triggered.pop(source.target, None)

    def start(self) -> None:
        for source in self.sources:
            self._tasks.append(asyncio.create_task(self._loop(source), name=f"poll:{source.target}"))

    async def stop(self) -> None:
        tasks = [*self._tasks, *self._triggered.values()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self._triggered.clear()
        for source in self.sources:
            with contextlib.suppress(Exception):
                await source.close()
