"""What a power cut would leave of a SQLite database in WAL mode if the un-fsynced WAL were lost:
the database file by itself."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def rows_in_file_alone(path: Path, scratch: Path, table: str) -> int:
    """Rows of `table` in a copy of the database file without its WAL (0 if not even the schema is there)."""
    copy = scratch / f"{path.name}.alone"
    copy.write_bytes(path.read_bytes())
    db = sqlite3.connect(copy)
    try:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()
        copy.unlink()
