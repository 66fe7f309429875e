"""The collector's persistent seq ledger: replays are recognised across restarts, memory stays bounded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from collector.ledger import SqliteSeqLedger
from tierwatch_common.models import Batch, Outcome, Reading


def test_a_recorded_seq_is_seen_after_the_ledger_is_reopened(tmp_path: Path) -> None:
    ledger = SqliteSeqLedger(tmp_path / "ledger.sqlite")
    ledger.record("row-a-01", 1842)
    assert ledger.seen("row-a-01", 1842)
    assert not ledger.seen("row-a-01", 1843) and not ledger.seen("row-b-01", 1842)
    ledger.close()
    again = SqliteSeqLedger(tmp_path / "ledger.sqlite")
    assert again.seen("row-a-01", 1842) and not again.seen("row-a-01", 1841)
    again.close()


def test_beyond_the_window_old_seqs_fold_into_a_floor_that_also_persists(tmp_path: Path) -> None:
    ledger = SqliteSeqLedger(tmp_path / "ledger.sqlite", window=10)
    for seq in range(100, 130, 2):
        ledger.record("a", seq)
    assert ledger.seen("a", 101)  # below the floor: an old replay still counts as seen
    assert ledger.seen("a", 128) and not ledger.seen("a", 129)
    ledger.close()
    again = SqliteSeqLedger(tmp_path / "ledger.sqlite", window=10)
    assert again.seen("a", 101) and again.seen("a", 128) and not again.seen("a", 127)
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM applied").fetchone()[0] == 10
    again.close()


def test_the_journal_records_applied_keys_only_when_enabled(tmp_path: Path) -> None:
    batch = Batch("a", 7, 1.0, 15.0, [Outcome("t", "ok", 10.0, 0.1, 15.0, 1)],
                  [Reading("t", "tierwatch_x", (("b", "2"), ("a", "1")), 1.0, 10.0)])
    for journal, want in ((False, 0), (True, 2)):
        path = tmp_path / f"ledger-{journal}.sqlite"
        ledger = SqliteSeqLedger(path, journal=journal)
        ledger.record("a", 7, batch)
        ledger.close()
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == want
            if journal:
                assert db.execute("SELECT labels FROM journal WHERE kind='reading'").fetchone()[0] == \
                    '{"a":"1","b":"2"}'
