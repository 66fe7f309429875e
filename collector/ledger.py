"""Which (agent, seq) batches were already applied, so a replay is acknowledged but not applied twice.

`SqliteSeqLedger` persists them in `state_dir/ledger.sqlite`, so a collector restart does not turn
an agent's replays into double applications. Lookups are answered from memory; `record` commits
one small transaction. It runs on the event loop on purpose: the ingest handler checks `seen`,
applies and `record`s without yielding in between, so two concurrent copies of one batch can never
both be applied. The database runs in WAL mode with the collector's `state_fsync` (default `batch`:
`synchronous=NORMAL`, checkpointed every second by the app's timer): a commit survives the
collector process being killed; after a power loss the last second of records may be missing, and
a replay of those batches is applied again (to the latest-value store, which holds the same values,
and to the availability engine, which ignores an outcome older than what it already settled).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Protocol

from tierwatch_common.models import Batch, journal_rows
from tierwatch_common.sqlitedurability import SYNCHRONOUS, Fsync


class SeqLedger(Protocol):
    def seen(self, agent: str, seq: int) -> bool: ...

    def record(self, agent: str, seq: int, batch: Batch | None = None) -> None: ...

    def close(self) -> None: ...


class MemorySeqLedger:
    """Remembers the last `window` seqs per agent (an agent's seqs only grow, with gaps allowed)."""

    def __init__(self, window: int = 100_000) -> None:
        self._seen: dict[str, set[int]] = {}
        self._floor: dict[str, int] = {}
        self._window = window

    def seen(self, agent: str, seq: int) -> bool:
        return seq in self._seen.get(agent, ()) or seq < self._floor.get(agent, -1)

    def record(self, agent: str, seq: int, batch: Batch | None = None) -> None:
        seqs = self._seen.setdefault(agent, set())
        seqs.add(seq)
        if len(seqs) > self._window:
            drop = sorted(seqs)[: len(seqs) - self._window]
            seqs.difference_update(drop)
            self._floor[agent] = drop[-1] + 1

    def close(self) -> None:
        return None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS applied (agent TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (agent, seq))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS floor (agent TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
    agent TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,
    metric TEXT NOT NULL, labels TEXT NOT NULL, ts REAL NOT NULL);
"""


class SqliteSeqLedger:
    """Persistent ledger: the last `window` applied seqs per agent, plus a floor below which every
    seq counts as seen. With `journal`, the key of every applied reading and outcome is written in
    the same transaction as its batch's seq (for fault runs; it grows without bound)."""

    def __init__(self, path: str | Path, *, window: int = 100_000, journal: bool = False,
                 fsync: Fsync = "batch") -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(str(path), isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={SYNCHRONOUS[fsync]}")
        self._db.executescript(_SCHEMA)
        self._window = window
        self._journal = journal
        self._seen: dict[str, set[int]] = {}
        for agent, seq in self._db.execute("SELECT agent, seq FROM applied"):
            self._seen.setdefault(agent, set()).add(seq)
        self._floor: dict[str, int] = dict(self._db.execute("SELECT agent, seq FROM floor").fetchall())

    def seen(self, agent: str, seq: int) -> bool:
        return seq in self._seen.get(agent, ()) or seq < self._floor.get(agent, -1)

    def record(self, agent: str, seq: int, batch: Batch | None = None) -> None:
        db = self._db
        seqs = self._seen.setdefault(agent, set())
        drop: list[int] = []
        if len(seqs) >= self._window:
            drop = sorted(seqs)[: len(seqs) - self._window + 1]
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("INSERT OR IGNORE INTO applied VALUES (?, ?)", (agent, seq))
            if drop:
                db.execute("DELETE FROM applied WHERE agent=? AND seq<=?", (agent, drop[-1]))
                db.execute("INSERT OR REPLACE INTO floor VALUES (?, ?)", (agent, drop[-1] + 1))
            if self._journal and batch is not None:
                db.executemany("INSERT INTO journal VALUES (?, ?, ?, ?, ?, ?, ?)",
                               [(agent, seq, *row) for row in journal_rows(batch.outcomes, batch.readings)])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        seqs.add(seq)
        if drop:
            seqs.difference_update(drop)
            self._floor[agent] = drop[-1] + 1

    def close(self) -> None:
        self._db.close()
