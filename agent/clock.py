"""The time the scheduler runs on: the system's clocks, or a fake one that tests move by hand.

`Clock` is what the scheduler needs: a monotonic reading for its slots, wall time for the
outcomes it records, `sleep` until the next slot and a `deadline` for one poll. `SystemClock`
is asyncio and the `time` module; `FakeClock` keeps virtual time that only moves when a test
calls `advance`, waking sleepers and expiring deadlines in time order, so a test of timing
asserts exact instants instead of wall-clock tolerances.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def time(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...

    def deadline(self, seconds: float) -> AbstractAsyncContextManager[object]:
        """A block that is cancelled (and raises TimeoutError) once `seconds` have passed."""
        ...


class SystemClock:
    """asyncio's loop time (monotonic) and the system's wall clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def deadline(self, seconds: float) -> AbstractAsyncContextManager[object]:
        return asyncio.timeout(seconds)


SYSTEM_CLOCK = SystemClock()


class FakeClock:
    """Virtual time for unit tests: nothing sleeps for real; `advance` moves time forward.

    Every task sleeping on the clock (or inside a `deadline`) is woken when `advance` passes its
    instant, one instant at a time, and runs until it waits again before time moves on."""

    def __init__(self, start: float = 1000.0, wall: float = 1_750_000_000.0) -> None:
        self._now = start
        self._wall_offset = wall - start
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self._now

    def time(self) -> float:
        return self._wall_offset + self._now

    def _at(self, when: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._due, (when, next(self._order), action))

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        woken = asyncio.get_running_loop().create_future()
        self._at(self._now + seconds, lambda: woken.done() or woken.set_result(None))
        await woken

    @asynccontextmanager
    async def deadline(self, seconds: float) -> AsyncIterator[object]:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(None) as timeout:
            live = [True]
            self._at(self._now + seconds, lambda: live[0] and timeout.reschedule(loop.time()))
            try:
                yield timeout
            finally:
                live[0] = False

    async def advance(self, seconds: float) -> None:
        """Move time forward by `seconds`, running every task that wakes on the way."""
        end = self._now + seconds
        await _settle()
        while self._due and self._due[0][0] <= end:
            when, _, action = heapq.heappop(self._due)
            self._now = max(self._now, when)
            action()
            await _settle()
        self._now = end
        await _settle()


async def _settle(rounds: int = 20) -> None:
    """Let the loop run what is ready (woken tasks up to their next wait)."""
    for _ in range(rounds):
        await asyncio.sleep(0)
