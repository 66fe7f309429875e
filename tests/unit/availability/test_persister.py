"""A flush cancelled during its write holds the store until the write has ended."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from collector.availability.engine import AvailabilityEngine
from collector.availability.records import FlushBatch
from collector.availability.restore import open_engine
from collector.availability.settings import AvailabilitySettings
from collector.availability.store import AvailabilityStore
from collector.availability.web import Persister


class GatedStore(AvailabilityStore):
    """The real store, whose writes wait for a gate and record when they run."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.events: list[str] = []

    def write(self, batch: FlushBatch) -> None:
        self.events.append("write started")
        self.entered.set()
        assert self.gate.wait(10)
        super().write(batch)
        self.events.append("write ended")


async def test_a_flush_cancelled_mid_write_keeps_the_next_flush_and_the_close_waiting_until_the_write_ends(
        tmp_path: Path) -> None:
    clock = [1_780_000_000.0]
    engine = AvailabilityEngine(AvailabilitySettings(), clock=lambda: clock[0])
    open_engine(engine, now=clock[0])
    store = GatedStore(tmp_path / "a.sqlite")
    store.open()
    persister = Persister(engine, store)
    engine.observe("ups-a", clock[0], "ok", "ok", "", 90.0)
    first = asyncio.create_task(persister.flush())
    assert await asyncio.to_thread(store.entered.wait, 10)
    first.cancel()                                           # the heartbeat stopped at shutdown
    clock[0] += 1
    engine.observe("ups-b", clock[0], "ok", "ok", "", 90.0)
    second = asyncio.create_task(persister.flush())          # the last flush before the close
    await asyncio.sleep(0.05)
    assert store.events == ["write started"] and not first.done()   # nobody else on the connection
    store.gate.set()
    with pytest.raises(asyncio.CancelledError):
        await first
    await second
    assert store.events == ["write started", "write ended", "write started", "write ended"]
    store.close()
    reopened = AvailabilityStore(tmp_path / "a.sqlite")
    reopened.open()
    assert set(reopened.load().services) == {"ups-a", "ups-b"}   # both flushes written
    reopened.close()
