"""Polls every target on its own cadence: one task per target, a global concurrency bound,
and a deadline per poll, so a dead or slow device never delays the others."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from collections.abc import Sequence

import structlog

from agent.outbox import Outbox
from agent.sources.base import ERROR, TIMEOUT, PollResult, Source
from tierwatch_common.wire import Outcome

log = structlog.get_logger("agent.scheduler")


class Scheduler:
    def __init__(self, sources: Sequence[Source], outbox: Outbox, *, max_concurrency: int = 32,
                 jitter: float = 0.1, rng: random.Random | None = None) -> None:
        self.sources = list(sources)
        self.outbox = outbox
        self._sem = asyncio.Semaphore(max_concurrency)
        self._jitter = jitter
        self._rng = rng or random.Random()
        self._tasks: list[asyncio.Task[None]] = []
        self.polls: Counter[tuple[str, str]] = Counter()  # (target, status) -> count
        self._last_state: dict[str, tuple[str, str]] = {}

    async def poll_once(self, source: Source) -> tuple[Outcome, PollResult]:
        """Poll one target under its deadline and turn whatever happens into an outcome."""
        async with self._sem:
            started = time.time()
            t0 = time.perf_counter()
            try:
                async with asyncio.timeout(source.timeout):
                    result = await source.poll()
            except TimeoutError:
                result = PollResult(status=TIMEOUT, reason=f"poll exceeded its {source.timeout:g}s deadline")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a source bug must not stop the others
                log.exception("poll_crashed", target=source.target)
                result = PollResult(status=ERROR, reason=f"{type(exc).__name__}: {exc}"[:500])
            duration = time.perf_counter() - t0
        outcome = Outcome(source.target, result.status, started, duration, source.interval,
                          len(result.readings), result.health if result.status == "ok" else "unknown",
                          result.reason[:1024], result.varbinds)
        return outcome, result

    async def _loop(self, source: Source) -> None:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(target=source.target)
        interval = source.interval
        next_at = time.monotonic() + self._rng.uniform(0, self._jitter * interval)
        while True:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            outcome, result = await self.poll_once(source)
            self.polls[(source.target, outcome.status)] += 1
            metrics = {k: (v.type, v.help) for k, v in result.metrics.items()}
            await self.outbox.put([outcome], result.readings, metrics)
            self._log(outcome)
            next_at += interval
            now = time.monotonic()
            if next_at <= now:  # the poll overran: skip the missed slots, keep the phase
                next_at += ((now - next_at) // interval + 1) * interval

    def _log(self, o: Outcome) -> None:
        log.info("poll_completed", status=o.status, health=o.health, readings=o.readings,
                 ms=round(o.duration * 1000, 1))
        state = (o.status, o.health)
        prev = self._last_state.get(o.target)
        if prev is not None and prev != state:
            log.warning("target_state_changed", status=o.status, health=o.health, was_status=prev[0],
                        was_health=prev[1], reason=o.reason)
        self._last_state[o.target] = state

    def start(self) -> None:
        for source in self.sources:
            self._tasks.append(asyncio.create_task(self._loop(source), name=f"poll:{source.target}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for source in self.sources:
            with contextlib.suppress(Exception):
                await source.close()
