"""The durability choice shared by the agent's spool and the collector's state (ledger,
availability store): `always` fsyncs the WAL at every commit, `batch` lets commits reach the OS at
once and fsyncs at checkpoints run about every second by a timer, `never` does not fsync.

sqlite3 loads when a function here first runs, not with the `Fsync` type: an agent without a
spool names the type in its config and never opens a database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import sqlite3

Fsync = Literal["always", "batch", "never"]
SYNCHRONOUS: dict[str, str] = {"always": "FULL", "batch": "NORMAL", "never": "OFF"}
CHECKPOINT_EVERY = 1.0  # seconds; bounds what `batch` can lose on a power cut


def disk_full(exc: sqlite3.Error) -> bool:
    """SQLITE_FULL: the file system (or the database's size limit) has no room left."""
    import sqlite3

    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)


def rollback(db: sqlite3.Connection) -> None:
    """Undo a failed transaction; SQLite may already have rolled it back itself (disk full)."""
    if db.in_transaction:
        db.execute("ROLLBACK")


def checkpoint_file(path: str | Path) -> bool:
    """Checkpoint the WAL of the database at `path` from a connection of its own (blocking: run it
    in a worker thread). False when the disk is full or the database is busy."""
    import sqlite3

    try:
        db = sqlite3.connect(str(path), timeout=0.5)
    except sqlite3.Error:
        return False
    try:
        busy = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[0]
        return busy == 0
    except sqlite3.OperationalError as exc:
        if disk_full(exc) or "locked" in str(exc) or "busy" in str(exc):
            return False
        raise
    finally:
        db.close()
