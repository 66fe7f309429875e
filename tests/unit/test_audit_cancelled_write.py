"""The audit log holds its connection until a write ends, even when the request that made it is cancelled."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from collector.audit import AuditEntry, AuditLog


class GatedAudit(AuditLog):
    """The real audit log, whose writes wait for a gate."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.gate = threading.Event()
        self.entered = threading.Event()

    def append(self, *entries: AuditEntry) -> None:
        self.entered.set()
        assert self.gate.wait(10)
        super().append(*entries)


async def test_a_record_cancelled_mid_write_keeps_the_lock_until_the_write_ends_and_the_act_is_written(
        tmp_path: Path) -> None:
    audit = GatedAudit(tmp_path / "audit.sqlite")
    entry = AuditEntry(100.0, "noc", "operator", "declared", "mw-1", ("crac-1",), "filtre", False)
    recording = asyncio.create_task(audit.record(entry))
    assert await asyncio.to_thread(audit.entered.wait, 10)
    recording.cancel()
    flushing = asyncio.create_task(audit.flush())            # must wait: the connection is busy
    await asyncio.sleep(0.05)
    assert not recording.done() and not flushing.done()
    audit.gate.set()
    with pytest.raises(asyncio.CancelledError):
        await recording
    await flushing
    assert audit.unwritten == 0
    audit.close()
    again = AuditLog(tmp_path / "audit.sqlite")
    assert [e.window_id for e in again.entries()] == ["mw-1"]
    again.close()
