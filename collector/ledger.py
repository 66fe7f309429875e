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
On a full disk the ledger keeps serving from memory and writes what waits once it can
(`SqliteSeqLedger` says why the batch is still acknowledged).
"""

from __future__ import annotations

import sqlite3
from array import array
from pathlib import Path
from typing import Protocol

from collector.statehealth import StateHealth
from tierwatch_common.models import Batch, journal_rows
from tierwatch_common.sqlitedurability import SYNCHRONOUS, Fsync, rollback


class SeqLedger(Protocol):
    def seen(self, agent: str, seq: int) -> bool: ...

    def record(self, agent: str, seq: int, batch: Batch | None = None) -> None: ...

    def flush(self) -> bool: ...

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

    def flush(self) -> bool:
        return True

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
    the same transaction as its batch's seq (for fault runs; it grows without bound).

    Disk full: a batch whose seq cannot be written is still acknowledged. Its seq is remembered in
    memory at once (so a replay is recognised as before) and written, with everything else that
    waits, by the next `record` or `flush` that succeeds (the app retries every second). The
    other choice, answering a retryable 503 so the agent keeps the batch, was rejected: an agent
    delivers its batches one at a time in seq order, so a refused batch stops all of its traffic,
    its targets turn unknown within three intervals and availability stops being computed, while
    what the ledger guards against is only a replay being applied twice, which memory still
    prevents. What a crash before space returns costs: the unwritten seqs (their batches were
    acknowledged and left the agents' spools, so no replay of them is expected) and, in the
    availability store, the history since its last written heartbeat, which the restart counts as
    unknown, never as up or down. `tierwatch_collector_state_degraded{store="ledger"}` says while
    that risk stands.
    """

    def __init__(self, path: str | Path, *, window: int = 100_000, journal: bool = False,
                 fsync: Fsync = "batch", health: StateHealth | None = None) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(str(path), isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={SYNCHRONOUS[fsync]}")
        self._db.executescript(_SCHEMA)
        self._window = window
        self._journal = journal
        self._health = health if health is not None else StateHealth()
        self._seen: dict[str, set[int]] = {}
        for agent, seq in self._db.execute("SELECT agent, seq FROM applied"):
            self._seen.setdefault(agent, set()).add(seq)
        self._floor: dict[str, int] = dict(self._db.execute("SELECT agent, seq FROM floor").fetchall())
        self._applied: dict[str, array[int]] = {}        # agent -> seqs recorded, not yet written (8 bytes each)
        self._waiting = 0                                # seqs in _applied
        self._floors: set[str] = set()                   # agents whose floor moved since the last write
        self._journal_rows: list[tuple[str, int, str, str, str, str, float]] = []

    @property
    def unwritten(self) -> int:
        """Records waiting in memory for the database (0 when everything is written)."""
        return self._waiting + len(self._floors) + len(self._journal_rows)

    def seen(self, agent: str, seq: int) -> bool:
        return seq in self._seen.get(agent, ()) or seq < self._floor.get(agent, -1)

    def record(self, agent: str, seq: int, batch: Batch | None = None) -> None:
        """Remember `seq` as applied, then write it (never raises for lack of space: see the class)."""
        seqs = self._seen.setdefault(agent, set())
        if len(seqs) >= self._window:
            drop = sorted(seqs)[: len(seqs) - self._window + 1]
            seqs.difference_update(drop)
            self._floor[agent] = drop[-1] + 1
            self._floors.add(agent)
        seqs.add(seq)
        self._applied.setdefault(agent, array("q")).append(seq)
        self._waiting += 1
        if self._journal and batch is not None:
            self._journal_rows.extend((agent, seq, *row) for row in journal_rows(batch.outcomes, batch.readings))
        self.flush()

    def flush(self) -> bool:
        """Write what waits in one transaction; False if the database refused it (kept for later)."""
        if not self.unwritten:
            if self._health.is_degraded("ledger"):
                self._health.written("ledger", 0, str(self.path))
            return True
        if not self._health.attempt("ledger", self._write, self.unwritten, str(self.path)):
            return False
        self._applied.clear()
        self._waiting = 0
        self._floors.clear()
        self._journal_rows.clear()
        return True

    def _write(self) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            for agent, seqs in self._applied.items():
                floor = self._floor.get(agent, -1)     # what fell below the floor meanwhile is not written
                db.executemany("INSERT OR IGNORE INTO applied VALUES (?, ?)", ((agent, q) for q in seqs if q >= floor))
            for agent in self._floors:
                floor = self._floor[agent]
                db.execute("DELETE FROM applied WHERE agent=? AND seq<?", (agent, floor))
                db.execute("INSERT OR REPLACE INTO floor VALUES (?, ?)", (agent, floor))
            db.executemany("INSERT INTO journal VALUES (?, ?, ?, ?, ?, ?, ?)", self._journal_rows)
            db.execute("COMMIT")
        except BaseException:
            rollback(db)
            raise

    def close(self) -> None:
        self.flush()
        self._health.closing("ledger", str(self.path))
        self._db.close()
