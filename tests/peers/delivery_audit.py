"""Accounting for delivery: every reading an agent produced against every reading a collector applied.

The agent's spool (with `spool.journal_produced`) keeps the key of every reading and outcome it
took in, in the same transaction as the reading itself; the collector's ledger (with
`ingest.journal_applied`) keeps the key of every one it applied, in the same transaction as the
batch's seq. Comparing the two multisets tells what was lost and what was applied twice, whatever
was killed when.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

Key = tuple[str, str, str, str, str, float]  # agent, kind, target, metric, labels, ts


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=10)
    db.execute("PRAGMA query_only=1")
    return db


def produced_keys(spool: Path, agent: str) -> tuple[Counter[Key], int]:
    """(keys of everything the agent produced and still owes, how many the spool dropped by its bounds)."""
    db = _connect(spool)
    try:
        keys: Counter[Key] = Counter()
        dropped = 0
        for kind, target, metric, labels, ts, was_dropped in db.execute(
                "SELECT kind, target, metric, labels, ts, dropped FROM produced"):
            if was_dropped:
                dropped += 1
            else:
                keys[(agent, kind, target, metric, labels, ts)] += 1
        return keys, dropped
    finally:
        db.close()


def unsent(spool: Path) -> int:
    """Readings and outcomes still waiting in a spool."""
    db = _connect(spool)
    try:
        items = db.execute("SELECT COALESCE(SUM(n), 0) FROM items").fetchone()[0]
        return items + db.execute("SELECT COALESCE(SUM(n), 0) FROM batches").fetchone()[0]
    finally:
        db.close()


def applied_keys(ledger: Path) -> Counter[Key]:
    db = _connect(ledger)
    try:
        return Counter(db.execute("SELECT agent, kind, target, metric, labels, ts FROM journal"))
    finally:
        db.close()


def applied_count(ledger: Path, agent: str | None = None) -> int:
    db = _connect(ledger)
    try:
        if agent is None:
            return db.execute("SELECT COUNT(*) FROM journal").fetchone()[0]
        return db.execute("SELECT COUNT(*) FROM journal WHERE agent=?", (agent,)).fetchone()[0]
    finally:
        db.close()


def out_of_order(ledger: Path, agent: str) -> list[str]:
    """Problems with the order the collector applied one agent's batches in: seqs must increase, and
    every series' readings must be applied in time order. Empty when all is in order."""
    db = _connect(ledger)
    problems: list[str] = []
    try:
        last_seq = -1
        for (seq,) in db.execute("SELECT seq FROM journal WHERE agent=? GROUP BY seq ORDER BY MIN(rowid)", (agent,)):
            if seq <= last_seq:
                problems.append(f"seq {seq} applied after seq {last_seq}")
            last_seq = seq
        last_ts: dict[tuple[str, str, str], float] = {}
        for target, metric, labels, ts in db.execute(
                "SELECT target, metric, labels, ts FROM journal WHERE agent=? AND kind='reading' ORDER BY rowid",
                (agent,)):
            key = (target, metric, labels)
            if ts < last_ts.get(key, float("-inf")):
                problems.append(f"{key} at {ts} applied after {last_ts[key]}")
            last_ts[key] = ts
        return problems
    finally:
        db.close()


@dataclass
class Audit:
    produced: int
    applied: int
    lost: int
    duplicated: int
    dropped: int
    unsent: int

    def line(self) -> str:
        return (f"chaos: produced={self.produced} applied={self.applied} lost={self.lost} "
                f"duplicated={self.duplicated}")


def audit(spools: dict[str, Path], ledger: Path) -> Audit:
    """Compare what the agents (agent id -> spool file) produced with what the collector applied."""
    produced: Counter[Key] = Counter()
    dropped = waiting = 0
    for agent, path in spools.items():
        keys, d = produced_keys(path, agent)
        produced += keys
        dropped += d
        waiting += unsent(path)
    applied = applied_keys(ledger)
    lost = sum((produced - applied).values())
    duplicated = sum((applied - produced).values())
    return Audit(sum(produced.values()), sum(applied.values()), lost, duplicated, dropped, waiting)
