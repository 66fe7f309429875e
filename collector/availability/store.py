"""SQLite persistence of the engine: transitions, services, maintenance and a heartbeat.

WAL journal; each flush is one transaction holding the new transitions *and* the
heartbeat, so after a crash the stored history is consistent as of the last heartbeat.
Calls block: run them in a worker thread (one at a time), never on the event loop.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import orjson

from collector.availability.maintenance import MaintenanceWindow
from collector.availability.records import FlushBatch, LoadedState, StoredService
from tierwatch_common.sqlitedurability import SYNCHRONOUS, Fsync, rollback

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value REAL);
CREATE TABLE IF NOT EXISTS services (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, created_at REAL NOT NULL,
    last_at REAL NOT NULL, staleness REAL NOT NULL, floor REAL NOT NULL);
CREATE TABLE IF NOT EXISTS transitions (
    service_id INTEGER NOT NULL, t REAL NOT NULL, bucket INTEGER NOT NULL, reason TEXT);
CREATE INDEX IF NOT EXISTS transitions_by_service ON transitions (service_id, t);
CREATE TABLE IF NOT EXISTS maintenance (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
"""

_INF = 1e308          # SQLite REAL has no infinity literal that survives every driver

# One statement per table and batch, its rows a JSON array of arrays (see AvailabilityStore.write).
_INSERT_SERVICES = """
INSERT INTO services (id, name, kind, created_at, last_at, staleness, floor)
SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
       json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),
       json_extract(value, '$[6]')
FROM json_each(?) ORDER BY key"""
_UPDATE_SERVICES = """
UPDATE services SET last_at = json_extract(u.value, '$[1]'), staleness = json_extract(u.value, '$[2]'),
                    floor = json_extract(u.value, '$[3]')
FROM json_each(?) AS u WHERE services.id = json_extract(u.value, '$[0]')"""
_INSERT_TRANSITIONS = """
INSERT INTO transitions (service_id, t, bucket, reason)
SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
       json_extract(value, '$[3]')
FROM json_each(?) ORDER BY key"""


class AvailabilityStore:
    def __init__(self, path: str | Path, fsync: Fsync = "batch") -> None:
        self.path = str(path)
        self.fsync = fsync
        self._db: sqlite3.Connection | None = None
        self._ids: dict[str, int] = {}

    def open(self) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={SYNCHRONOUS[self.fsync]}")
        db.executescript(SCHEMA)
        self._db = db
        self._ids = {name: sid for sid, name in db.execute("SELECT id, name FROM services")}

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the availability store is not open")
        return self._db

    def load(self, recent: int = 20) -> LoadedState:
        """Every service with its whole timeline; about 1 s per million transitions."""
        db = self.db
        heartbeat = db.execute("SELECT value FROM meta WHERE key = 'heartbeat'").fetchone()
        by_id: dict[int, tuple[str, StoredService]] = {}
        rows_of: dict[int, list[tuple[float, int]]] = {}
        for sid, name, kind, created, last_at, staleness, floor in db.execute(
                "SELECT id, name, kind, created_at, last_at, staleness, floor FROM services"):
            by_id[sid] = (name, StoredService(kind, created, last_at, _from_db(staleness), floor))
            rows_of[sid] = []
        count = 0
        cursor = db.execute("SELECT service_id, t, bucket FROM transitions ORDER BY rowid")
        while chunk := cursor.fetchmany(65536):
            count += len(chunk)
            for sid, t, bucket in chunk:
                rows_of[sid].append((t, bucket))
        services: dict[str, StoredService] = {}
        for sid, (name, stored) in by_id.items():
            rows = rows_of.pop(sid)
            stored.timeline.extend(rows)
            services[name] = stored
        if recent:
            self._load_recent(services, recent)
        windows = [MaintenanceWindow.from_json(json.loads(doc)) for (doc,) in
                   db.execute("SELECT doc FROM maintenance ORDER BY rowid")]
        return LoadedState(heartbeat[0] if heartbeat else None, services, windows, count)

    def _load_recent(self, services: dict[str, StoredService], recent: int) -> None:
        """The reasons of each service's last transitions (they are not kept in memory otherwise)."""
        for name, stored in services.items():
            n = len(stored.timeline)
            if not n:
                continue
            sid = self._ids.get(name)
            times = stored.timeline.times[max(0, n - recent):].tolist()
            buckets = stored.timeline.buckets[max(0, n - recent):].tolist()
            reasons = dict(self.db.execute(
                "SELECT t, reason FROM transitions WHERE service_id = ? AND t >= ?", (sid, times[0])).fetchall())
            stored.recent = [(t, b, reasons.get(t) or "") for t, b in zip(times, buckets)]

    def write(self, batch: FlushBatch) -> None:
        """Persist one batch and its heartbeat atomically. If it fails (a full disk), nothing of it
        is kept, not even the ids of services it inserted: the same batch can be written again.

        Services and transitions go in as one JSON document per table and statement, whatever
        their number: a statement per row takes the GIL back after every row SQLite writes, and
        while the event loop is busy each of those waits up to the interpreter's switch interval
        (5 ms: 1,000 services took seconds under ingest load). SQLite reads the JSON numbers back
        to the same doubles (a test keeps that true)."""
        db = self.db
        ids = self._ids
        added: list[str] = []           # forgotten again if the transaction fails
        new, updated = [], []
        next_id = 0
        for name, kind, created, last_at, staleness, floor in batch.services:
            sid = ids.get(name)
            if sid is None:
                next_id = next_id or max(ids.values(), default=0) + 1
                sid = ids[name] = next_id
                next_id += 1
                added.append(name)
                new.append((sid, name, kind, created, last_at, _to_db(staleness), floor))
            else:
                updated.append((sid, last_at, _to_db(staleness), floor))
        db.execute("BEGIN IMMEDIATE")
        try:
            if new:
                db.execute(_INSERT_SERVICES, (orjson.dumps(new),))
            if updated:
                db.execute(_UPDATE_SERVICES, (orjson.dumps(updated),))
            for name, cut in batch.truncated.items():  # history repair: the rows after `cut` are replaced
                if name in ids:
                    db.execute("DELETE FROM transitions WHERE service_id = ? AND t > ?", (ids[name], cut))
            if batch.rows:
                db.execute(_INSERT_TRANSITIONS, (orjson.dumps(
                    [(ids[name], t, bucket, reason or None) for name, t, bucket, reason in batch.rows]),))
            for wid, window in batch.windows.items():
                if window is None:
                    db.execute("DELETE FROM maintenance WHERE id = ?", (wid,))
                else:
                    db.execute("INSERT OR REPLACE INTO maintenance (id, doc) VALUES (?, ?)",
                               (wid, json.dumps(window.to_json())))
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('heartbeat', ?)", (batch.heartbeat,))
            db.execute("COMMIT")
        except BaseException:
            rollback(db)
            for name in added:
                del self._ids[name]
            raise

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _to_db(value: float) -> float:
    return min(value, _INF)


def _from_db(value: float) -> float:
    return float("inf") if value >= _INF else value
