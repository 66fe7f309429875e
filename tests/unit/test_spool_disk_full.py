"""The spool on a file system that fills up: a small tmpfs mounted for the test (tests/peers/small_disk.py).

Pins the durability defect: on ENOSPC a put raised, so the poll that made it was lost without a
count and the sender stopped; now polling goes on, what could not be stored is counted, and the
spool stores again by itself once space returns.
"""

from __future__ import annotations

from pathlib import Path

from agent.config import SpoolSettings
from agent.spool import Spool
from tests.peers.small_disk import fill
from tierwatch_common.models import MetricInfo, Outcome, Reading

META = {"tierwatch_test_value": MetricInfo("gauge", "A test value.")}


def poll(i: int) -> tuple[list[Outcome], list[Reading]]:
    ts = 1_700_000_000.0 + i
    return ([Outcome("pdu-a", "ok", ts, 0.01, 1.0, 50, "ok", "")],
            [Reading("pdu-a", "tierwatch_test_value", (("outlet", f"{k:03d}-{'x' * 60}"),), float(k), ts)
             for k in range(50)])


async def test_a_full_disk_keeps_polls_flowing_counts_what_was_not_stored_and_recovers_by_itself(
        small_disk: Path) -> None:
    spool = Spool(SpoolSettings.model_validate({"path": str(small_disk / "spool.db"), "fsync": "always"}))
    await spool.put(*poll(0), META)
    formed = await spool.next_batch(10_000)
    filler = fill(small_disk)                    # take every byte left
    for i in range(1, 40):
        await spool.put(*poll(i), META)          # never raises
    assert spool.full and spool.unstored > 0
    assert spool.stats().dropped_total == spool.unstored
    first = await spool.next_batch(10_000)       # a batch formed before still goes out
    assert first == formed and first is not None
    await spool.set_cursor("https://collector-a:9847", first.seq)  # never raises either

    filler.unlink()                              # space comes back
    await spool.put(*poll(100), META)
    assert not spool.full
    await spool.ack(first.seq)
    following = await spool.next_batch(10_000)
    assert following is not None and following.readings[-1].ts == 1_700_000_100.0
    unstored = spool.unstored
    await spool.close()

    again = Spool(SpoolSettings.model_validate({"path": str(small_disk / "spool.db")}))
    await again.next_batch(10_000)
    assert again.stats().dropped_total == unstored   # the count survived a restart
    await again.close()
