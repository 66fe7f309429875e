"""Each collector state store on a file system that fills up (a 2 MiB tmpfs mounted for the test):
what could not be written waits in memory, is counted, and is written once space returns."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from collector.audit import AuditEntry, AuditLog
from collector.availability.records import FlushBatch
from collector.availability.store import AvailabilityStore
from collector.ledger import SqliteSeqLedger
from collector.statehealth import StateHealth
from tests.peers.small_disk import fill


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    value = registry.get_sample_value(name, labels)
    assert value is not None, f"no sample {name}{labels}"
    return value


def test_the_ledger_remembers_unwritten_seqs_counts_each_failed_write_logs_once_and_catches_up(
        small_disk: Path) -> None:
    registry = CollectorRegistry()
    ledger = SqliteSeqLedger(small_disk / "ledger.sqlite", health=StateHealth(registry, settle=0.0))
    ledger.record("row-a-01", 1)
    filler = fill(small_disk)
    with capture_logs() as logs:
        for seq in (2, 3, 4):
            ledger.record("row-a-01", seq)           # never raises
    assert [e["event"] for e in logs] == ["state_write_failed"]
    assert logs[0]["store"] == "ledger" and logs[0]["reason"] == "enospc"
    assert ledger.seen("row-a-01", 3) and not ledger.seen("row-a-01", 5)
    assert ledger.unwritten == 3
    assert sample(registry, "tierwatch_collector_state_write_errors_total", store="ledger", reason="enospc") == 3
    assert sample(registry, "tierwatch_collector_state_degraded", store="ledger") == 1
    assert sample(registry, "tierwatch_collector_state_unwritten_records", store="ledger") == 3
    assert not ledger.flush()                        # still full: still waiting

    filler.unlink()
    with capture_logs() as logs:
        assert ledger.flush()
    assert [e["event"] for e in logs] == ["state_write_recovered"] and logs[0]["failed_attempts"] == 4
    assert sample(registry, "tierwatch_collector_state_degraded", store="ledger") == 0
    assert sample(registry, "tierwatch_collector_state_unwritten_records", store="ledger") == 0
    ledger.close()
    again = SqliteSeqLedger(small_disk / "ledger.sqlite")
    assert all(again.seen("row-a-01", seq) for seq in (1, 2, 3, 4))
    again.close()
    with sqlite3.connect(small_disk / "ledger.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_seqs_that_waited_past_the_window_fold_into_the_floor_when_they_are_written(small_disk: Path) -> None:
    ledger = SqliteSeqLedger(small_disk / "ledger.sqlite", window=10)
    ledger.record("a", 100)
    filler = fill(small_disk)
    for seq in range(101, 131):
        ledger.record("a", seq)
    assert ledger.unwritten > 0
    filler.unlink()
    assert ledger.flush() and ledger.unwritten == 0
    ledger.close()
    again = SqliteSeqLedger(small_disk / "ledger.sqlite", window=10)
    assert all(again.seen("a", seq) for seq in range(100, 131)) and not again.seen("a", 131)
    again.close()
    with sqlite3.connect(small_disk / "ledger.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM applied").fetchone()[0] == 10
        assert db.execute("SELECT seq FROM floor WHERE agent='a'").fetchone()[0] == 121


def test_an_availability_batch_that_failed_is_written_whole_later_with_the_ids_of_the_services_it_adds(
        small_disk: Path) -> None:
    """Pins a defect: a failed write kept the ids of the services it had inserted, so the retry
    wrote their transitions under ids that no service row had, and the next start could not load."""
    store = AvailabilityStore(small_disk / "availability.sqlite", "always")
    store.open()
    batch = FlushBatch(heartbeat=110.0, rows=[("crac-1", 100.0, 0, ""), ("crac-1", 105.0, 2, "alarm")],
                       services=[("crac-1", "target", 100.0, 105.0, 45.0, 100.0)], windows={})
    filler = fill(small_disk)
    try:
        store.write(batch)
        raise AssertionError("a write on a full disk went through")
    except sqlite3.OperationalError as exc:
        assert "full" in str(exc)
    filler.unlink()
    store.write(batch)                               # the same batch again, as the persister does
    loaded = store.load()
    store.close()
    assert loaded.heartbeat == 110.0
    assert list(loaded.services) == ["crac-1"]
    assert list(zip(loaded.services["crac-1"].timeline.times, loaded.services["crac-1"].timeline.buckets)) == \
        [(100.0, 0), (105.0, 2)]


async def test_a_maintenance_act_that_cannot_be_written_is_listed_from_memory_and_written_later(
        small_disk: Path) -> None:
    registry = CollectorRegistry()
    audit = AuditLog(small_disk / "audit.sqlite", StateHealth(registry, settle=0.0))
    first = AuditEntry(100.0, "noc", "operator", "declared", "mw-1", ("crac-1",), "filtre", False)
    second = AuditEntry(200.0, "noc", "operator", "ended", "mw-1", ("crac-1",), "filtre", False)
    await audit.record(first)
    filler = fill(small_disk)
    await audit.record(second)
    assert audit.unwritten == 1
    assert sample(registry, "tierwatch_collector_state_degraded", store="audit") == 1
    assert [e.action for e in audit.entries()] == ["ended", "declared"]      # newest first, from both
    assert [e.action for e in audit.entries(limit=1)] == ["ended"]
    assert [e.action for e in audit.entries(0.0, 150.0)] == ["declared"]
    filler.unlink()
    await audit.flush()
    assert audit.unwritten == 0
    assert sample(registry, "tierwatch_collector_state_degraded", store="audit") == 0
    audit.close()
    again = AuditLog(small_disk / "audit.sqlite")
    assert [e.action for e in again.entries()] == ["ended", "declared"]
    again.close()


def test_a_store_that_fails_some_writes_and_takes_others_stays_degraded_until_it_has_settled() -> None:
    """On a nearly full disk a checkpoint lets a few writes through between failures: one log line
    when it starts, the flag held meanwhile, one line once no write has failed for `settle` s."""
    now = [0.0]
    registry = CollectorRegistry()
    health = StateHealth(registry, clock=lambda: now[0], settle=3.0)
    full = sqlite3.OperationalError("database or disk is full")
    with capture_logs() as logs:
        for second in range(10):              # fails, then takes the next write, every second
            now[0] = float(second)
            health.failed("ledger", full, 2, "ledger.sqlite")
            now[0] += 0.5
            health.written("ledger", 2, "ledger.sqlite")
            assert health.is_degraded("ledger")
            assert sample(registry, "tierwatch_collector_state_degraded", store="ledger") == 1
            assert sample(registry, "tierwatch_collector_state_unwritten_records", store="ledger") == 0
        now[0] = 11.5                          # 2.5 s after the last failure: not yet
        health.written("ledger", 0, "ledger.sqlite")
        assert health.is_degraded("ledger")
        now[0] = 12.0
        health.written("ledger", 0, "ledger.sqlite")
    assert not health.is_degraded("ledger")
    assert sample(registry, "tierwatch_collector_state_degraded", store="ledger") == 0
    assert [e["event"] for e in logs] == ["state_write_failed", "state_write_recovered"]
    assert logs[1]["failed_attempts"] == 10
    assert sample(registry, "tierwatch_collector_state_write_errors_total", store="ledger", reason="enospc") == 10
