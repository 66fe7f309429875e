"""The durable spool: restart-safe seqs and content, ack semantics, bounds that drop the oldest."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from agent.config import SpoolSettings
from agent.spool import Spool
from tests.peers.sqlite_files import rows_in_file_alone
from tierwatch_common.models import MetricInfo, Outcome, Reading

META = {"tierwatch_test_value": MetricInfo("gauge", "A test value.")}


def poll(i: int, n: int = 3, target: str = "pdu-a") -> tuple[list[Outcome], list[Reading]]:
    ts = 1_700_000_000.0 + i
    outcomes = [Outcome(target, "ok", ts, 0.01, 1.0, n, "ok", "")]
    readings = [Reading(target, "tierwatch_test_value", (("phase", str(k)),), float(i * 10 + k), ts)
                for k in range(n)]
    return outcomes, readings


def spool(tmp_path: Path, **over: object) -> Spool:
    return Spool(SpoolSettings.model_validate({"path": str(tmp_path / "spool.db"), **over}))


async def test_a_formed_batch_is_offered_again_with_the_same_seq_and_content_after_a_restart(tmp_path: Path) -> None:
    first = spool(tmp_path)
    for i in range(3):
        await first.put(*poll(i), META)
    batch = await first.next_batch(100)
    assert batch is not None and len(batch.readings) == 9 and len(batch.outcomes) == 3
    assert batch.metrics == META
    await first.put(*poll(3), META)  # arrives after the batch was formed: not part of it
    await first.close()

    second = spool(tmp_path)
    again = await second.next_batch(100)
    assert again == batch
    await second.ack(batch.seq)
    following = await second.next_batch(100)
    assert following is not None and following.seq == batch.seq + 1
    assert [r.ts for r in following.readings] == [1_700_000_003.0] * 3
    await second.close()


async def test_seqs_keep_increasing_across_restarts(tmp_path: Path) -> None:
    seqs = []
    for i in range(3):
        s = spool(tmp_path)
        await s.put(*poll(i), META)
        b = await s.next_batch(100)
        assert b is not None
        seqs.append(b.seq)
        await s.ack(b.seq)
        await s.close()
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert seqs[0] > 1_600_000_000_000  # a fresh spool starts from the clock, never from 0


async def test_ack_deletes_the_batch_and_an_empty_spool_offers_nothing(tmp_path: Path) -> None:
    s = spool(tmp_path)
    await s.put(*poll(0), META)
    assert s.stats().depth_items == 4
    b = await s.next_batch(100)
    assert b is not None
    assert await s.next_batch(100) == b  # unacknowledged: the same batch again
    await s.ack(b.seq)
    assert await s.next_batch(100) is None
    assert s.stats().depth_items == 0 and s.stats().depth_bytes == 0
    await s.close()
    with sqlite3.connect(tmp_path / "spool.db") as db:
        assert db.execute("SELECT COUNT(*) FROM batches").fetchone()[0] == 0


async def test_an_ack_for_another_seq_deletes_nothing(tmp_path: Path) -> None:
    s = spool(tmp_path)
    await s.put(*poll(0), META)
    b = await s.next_batch(100)
    assert b is not None
    await s.ack(b.seq + 7)
    assert await s.next_batch(100) == b
    await s.close()


async def test_batches_respect_max_readings_but_never_split_one_poll(tmp_path: Path) -> None:
    s = spool(tmp_path)
    for i in range(5):
        await s.put(*poll(i, n=4), META)
    sizes = []
    while (b := await s.next_batch(10)) is not None:
        sizes.append(len(b.readings))
        await s.ack(b.seq)
    assert sizes == [8, 8, 4]
    big = spool(tmp_path / "big")
    await big.put(*poll(0, n=30), META)
    b = await big.next_batch(10)
    assert b is not None and len(b.readings) == 30
    await s.close()
    await big.close()


async def test_when_over_max_bytes_the_oldest_are_dropped_and_counted_persistently(tmp_path: Path) -> None:
    s = spool(tmp_path, max_bytes=2000)
    for i in range(40):
        await s.put(*poll(i), META)
    stats = s.stats()
    assert stats.depth_bytes <= 2000
    assert stats.dropped_total > 0 and stats.dropped_total % 4 == 0  # whole polls: 1 outcome + 3 readings
    assert stats.dropped_total + stats.depth_items == 40 * 4
    b = await s.next_batch(1000)
    assert b is not None and b.readings[-1].ts == 1_700_000_039.0  # the newest are kept
    assert b.readings[0].ts == 1_700_000_000.0 + stats.dropped_total // 4
    await s.close()
    again = spool(tmp_path, max_bytes=2000)
    await again.put(*poll(99), META)
    assert again.stats().dropped_total >= stats.dropped_total
    await again.close()


async def test_a_formed_batch_is_dropped_first_when_it_is_the_oldest(tmp_path: Path) -> None:
    s = spool(tmp_path, max_bytes=3000)
    await s.put(*poll(0), META)
    old = await s.next_batch(1000)
    assert old is not None
    for i in range(1, 60):
        await s.put(*poll(i), META)
    newer = await s.next_batch(1000)
    assert newer is not None and newer.seq > old.seq
    await s.ack(old.seq)  # acknowledged after it was dropped: harmless
    assert s.stats().dropped_total >= 4
    await s.close()


async def test_rows_older_than_max_age_are_dropped(tmp_path: Path) -> None:
    now = [1_700_000_000.0]
    s = Spool(SpoolSettings.model_validate({"path": str(tmp_path / "spool.db"), "max_age": "60s"}),
              clock=lambda: now[0])
    await s.put(*poll(0), META)
    await s.put(*poll(1), META)
    now[0] += 120
    await s.put(*poll(2), META)
    assert s.stats().dropped_total == 8
    b = await s.next_batch(1000)
    assert b is not None and [o.started_at for o in b.outcomes] == [1_700_000_002.0]
    await s.close()


@pytest.mark.parametrize("fsync", ["always", "batch", "never"])
async def test_every_fsync_policy_sets_its_sqlite_synchronous_mode_in_wal(tmp_path: Path, fsync: str) -> None:
    s = spool(tmp_path, fsync=fsync)
    await s.put(*poll(0), META)
    mode = await s._run(lambda: s._conn().execute("PRAGMA synchronous").fetchone()[0])
    journal = await s._run(lambda: s._conn().execute("PRAGMA journal_mode").fetchone()[0])
    assert (journal, mode) == ("wal", {"always": 2, "batch": 1, "never": 0}[fsync])
    await s.close()


async def test_the_produced_journal_records_every_key_and_marks_dropped_ones(tmp_path: Path) -> None:
    s = spool(tmp_path, journal_produced=True, max_bytes=2000)
    for i in range(40):
        await s.put(*poll(i), META)
    dropped = s.stats().dropped_total
    await s.close()
    with sqlite3.connect(tmp_path / "spool.db") as db:
        total = db.execute("SELECT COUNT(*) FROM produced").fetchone()[0]
        marked = db.execute("SELECT COUNT(*) FROM produced WHERE dropped=1").fetchone()[0]
        labels = db.execute("SELECT labels FROM produced WHERE kind='reading' LIMIT 1").fetchone()[0]
    assert (total, marked) == (160, dropped)
    assert labels == '{"phase":"0"}'


async def test_wait_nonempty_returns_once_something_is_put(tmp_path: Path) -> None:
    import asyncio

    s = spool(tmp_path)
    waiter = asyncio.create_task(s.wait_nonempty())
    await asyncio.sleep(0.05)
    assert not waiter.done()
    await s.put(*poll(0), META)
    await asyncio.wait_for(waiter, 2)
    await s.close()


async def test_two_readers_each_get_every_batch_from_their_own_cursor_and_ack_through_frees_them(tmp_path: Path) -> None:
    s = spool(tmp_path)
    for i in range(3):
        await s.put(*poll(i), META)  # 3 readings each: one batch per poll at max_readings=3
    a = await s.next_batch(3, after=None)
    assert a is not None
    b = await s.next_batch(3, after=a.seq)
    c = await s.next_batch(3, after=b.seq if b else None)
    assert b is not None and c is not None and a.seq < b.seq < c.seq
    assert await s.next_batch(3, after=c.seq) is None  # nothing newer than the last one
    assert await s.next_batch(3, after=a.seq) == b  # the same content for a slower reader
    puts = s.puts
    await s.put(*poll(3), META)
    await s.wait_put(puts)  # returns at once: a put happened since
    await s.ack_through(b.seq)
    assert await s.next_batch(3) == c
    assert s.stats().depth_items == 8
    await s.close()


async def test_reader_cursors_survive_a_restart_and_never_move_back(tmp_path: Path) -> None:
    s = spool(tmp_path)
    await s.set_cursor("https://collector-a:9847", 7)
    await s.set_cursor("https://collector-b:9847", 3)
    await s.set_cursor("https://collector-a:9847", 5)  # an older acknowledgement, late
    await s.close()
    again = spool(tmp_path)
    assert await again.cursors() == {"https://collector-a:9847": 7, "https://collector-b:9847": 3}
    await again.close()


async def test_fsync_batch_checkpoints_on_a_timer_so_the_last_writes_of_a_quiet_period_reach_the_database_file(
        tmp_path: Path) -> None:
    """Pins "`spool.fsync: batch` checkpoints only on a later spool operation": the last writes
    before a quiet period used to stay in the WAL alone until the next put."""
    s = spool(tmp_path, fsync="batch")
    for i in range(3):
        await s.put(*poll(i), META)
    deadline = asyncio.get_running_loop().time() + 10
    # nothing else happens meanwhile: only the spool's own timer can move them there (its count
    # is raised on the spool's worker thread right after the checkpoint, so wait for both)
    while rows_in_file_alone(s.path, tmp_path, "items") < 3 or s.checkpoints < 1:
        assert asyncio.get_running_loop().time() < deadline, "the quiet writes never reached the database file"
        await asyncio.sleep(0.05)
    await s.close()
