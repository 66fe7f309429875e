"""The durable outbox: every poll outcome and reading lands in SQLite (WAL) before it is sent.

Layout (one file, `spool.path`):

- `items`: one row per `put` (one poll of one target), in arrival order; not yet in a batch.
- `batches`: batches already formed, keyed by their `seq`. A batch is formed from the oldest
  items in one transaction (items deleted, batch inserted, next seq persisted), so once a seq
  exists its content never changes: after a restart the same seq is offered with the same
  outcomes, readings and metric metadata. A batch row is deleted only by `ack(seq)`.
- `state`: the next seq and the dropped-items counter, both persisted.
- `metric_meta`: type and help of every metric seen, for the batches' `metrics` field.
- `cursors` (fan-out): the last seq each collector URL acknowledged, so a restarted agent resumes
  each collector where it was; a cursor write lost (power cut, full disk) only re-offers batches.
- `produced` (only with `journal_produced`): the key of every reading and outcome ever put,
  written in the same transaction as its item, for fault runs that account for every reading.

Bounds: after each put, the oldest rows (formed batches first, then items) are dropped until
the spool is under `max_bytes`, and rows older than `max_age` are dropped; the number of
readings and outcomes dropped is added to a persisted counter. A put never waits for room.

Durability (`fsync`): `always` = `synchronous=FULL`, the WAL is fsynced at every commit, so a
put that returned survives a power loss; `batch` = `synchronous=NORMAL`, commits reach the OS
at once (they survive the agent process being killed) and the WAL is fsynced at checkpoints,
which a timer runs `CHECKPOINT_EVERY` seconds after the first write that followed the previous
one (also when nothing else happens afterwards), so a power loss costs at most about that much; `never` = `synchronous=OFF`, no fsync at all: safe against a process crash,
not against a power loss.

Disk full (ENOSPC): a put that cannot be stored is counted with the dropped items (and logged
once, `spool_disk_full`) and polling goes on; forming a batch or acknowledging one that fails for
lack of space is retried after `FULL_RETRY` seconds (sending what is already stored goes on). The
first put stored again logs `spool_disk_recovered` and persists the counter: no restart needed.

All SQLite work runs on one dedicated worker thread that owns the only connection, so the
event loop never blocks on disk and operations apply in the order they were submitted.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import orjson
import structlog

from agent.config import SpoolSettings
from agent.outbox import OutboxStats, PendingBatch, PutSignal
from tierwatch_common.models import MetricInfo, Outcome, Reading, canonical_labels, journal_rows
from tierwatch_common.sqlitedurability import CHECKPOINT_EVERY, SYNCHRONOUS, disk_full, rollback

log = structlog.get_logger("agent.spool")

T = TypeVar("T")

AGE_CHECK_EVERY = 1.0  # seconds between scans for rows older than max_age
FULL_RETRY = 0.5  # seconds before retrying to form or acknowledge a batch on a full disk


_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created REAL NOT NULL, n INTEGER NOT NULL,
    readings INTEGER NOT NULL, bytes INTEGER NOT NULL, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    seq INTEGER PRIMARY KEY, created REAL NOT NULL, n INTEGER NOT NULL, bytes INTEGER NOT NULL,
    first_item INTEGER NOT NULL, last_item INTEGER NOT NULL, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS metric_meta (name TEXT PRIMARY KEY, type TEXT NOT NULL, help TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cursors (reader TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS produced (
    item_id INTEGER NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL, metric TEXT NOT NULL,
    labels TEXT NOT NULL, ts REAL NOT NULL, dropped INTEGER NOT NULL DEFAULT 0);
"""


def _enc_reading(r: Reading) -> list[Any]:
    return [r.target, r.metric, dict(r.labels), r.value, r.ts]


def _dec_reading(v: list[Any]) -> Reading:
    return Reading(v[0], v[1], canonical_labels(v[2]), v[3], v[4])


def _enc_outcome(o: Outcome) -> list[Any]:
    return [o.target, o.status, o.started_at, o.duration, o.interval, o.readings, o.health, o.reason, o.varbinds]


def _dec_outcome(v: list[Any]) -> Outcome:
    return Outcome(*v)


class Spool(PutSignal):
    """SQLite-backed `Outbox`; see the module docstring for the guarantees."""

    def __init__(self, settings: SpoolSettings, *, clock: Callable[[], float] = time.time) -> None:
        if settings.path is None:
            raise ValueError("a spool needs spool.path")
        self.settings = settings
        self.path = Path(settings.path)
        self._clock = clock
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spool")
        self._db: sqlite3.Connection | None = None
        self._meta: dict[str, MetricInfo] = {}
        self._n = 0  # readings + outcomes held (items and formed batches)
        self._rows = 0  # items + batches rows
        self._bytes = 0
        self._dropped = 0
        self._checkpointer: asyncio.Task[None] | None = None
        self.full = False  # the last write failed for lack of space
        self.unstored = 0  # readings and outcomes not stored for lack of space (in _dropped too)
        self.checkpoints = 0
        self._last_age_check = 0.0
        self._event = asyncio.Event()
        super().__init__()
        self._closed = False
        self._opened = self._executor.submit(self._open)

    # -- plumbing ------------------------------------------------------------------------------
    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise RuntimeError("spool is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={SYNCHRONOUS[self.settings.fsync]}")
        db.executescript(_SCHEMA)
        if db.execute("SELECT value FROM state WHERE key='next_seq'").fetchone() is None:
            # A fresh spool starts from the clock (ms), so an agent whose spool was wiped never
            # reuses seqs the collector has already recorded as applied.
            db.execute("INSERT INTO state VALUES ('next_seq', ?), ('dropped', 0)", (int(time.time() * 1000),))
        self._dropped = db.execute("SELECT value FROM state WHERE key='dropped'").fetchone()[0]
        self._meta = {name: MetricInfo(t, h) for name, t, h in db.execute("SELECT name, type, help FROM metric_meta")}
        n1, b1, r1 = db.execute("SELECT COALESCE(SUM(n),0), COALESCE(SUM(bytes),0), COUNT(*) FROM items").fetchone()
        n2, b2, r2 = db.execute("SELECT COALESCE(SUM(n),0), COALESCE(SUM(bytes),0), COUNT(*) FROM batches").fetchone()
        self._n, self._bytes, self._rows = n1 + n2, b1 + b2, r1 + r2
        self._db = db
        log.info("spool_opened", path=str(self.path), items=self._n, bytes=self._bytes, fsync=self.settings.fsync,
                 dropped_total=self._dropped)

    def _conn(self) -> sqlite3.Connection:
        self._opened.result()
        assert self._db is not None  # set by _open, which ran first on this thread
        return self._db

    # -- Outbox protocol -----------------------------------------------------------------------
    async def put(self, outcomes: list[Outcome], readings: list[Reading],
                  metrics: dict[str, MetricInfo]) -> None:
        if not outcomes and not readings:
            return
        body = orjson.dumps({"o": [_enc_outcome(o) for o in outcomes], "r": [_enc_reading(r) for r in readings]})
        new_meta = {k: v for k, v in metrics.items() if self._meta.get(k) != v}
        if not await self._run(self._put, outcomes, readings, body, new_meta):
            return
        self._event.set()
        self._signal_put()
        self._schedule_checkpoint()

    def _put(self, outcomes: list[Outcome], readings: list[Reading], body: bytes,
             new_meta: dict[str, MetricInfo]) -> bool:
        """Store one poll; False when the disk is full (then counted, not stored)."""
        try:
            self._store(outcomes, readings, body, new_meta)
        except sqlite3.OperationalError as exc:
            if not disk_full(exc):
                raise
            n = len(outcomes) + len(readings)
            self.unstored += n
            self._dropped += n
            if not self.full:
                log.error("spool_disk_full", path=str(self.path), error=str(exc), unstored_total=self.unstored)
            self.full = True
            return False
        if self.full:
            self.full = False
            log.warning("spool_disk_recovered", path=str(self.path), unstored_total=self.unstored)
        return True

    def _store(self, outcomes: list[Outcome], readings: list[Reading], body: bytes,
               new_meta: dict[str, MetricInfo]) -> None:
        db = self._conn()
        dropped_before = self._dropped
        now = self._clock()
        n = len(outcomes) + len(readings)
        db.execute("BEGIN IMMEDIATE")
        try:
            cur = db.execute("INSERT INTO items (created, n, readings, bytes, body) VALUES (?, ?, ?, ?, ?)",
                             (now, n, len(readings), len(body), body))
            item_id = cur.lastrowid
            if new_meta:
                db.executemany("INSERT OR REPLACE INTO metric_meta VALUES (?, ?, ?)",
                               [(k, m.type, m.help) for k, m in new_meta.items()])
            if self.settings.journal_produced:
                db.executemany("INSERT INTO produced (item_id, kind, target, metric, labels, ts) "
                               "VALUES (?, ?, ?, ?, ?, ?)",
                               [(item_id, *row) for row in journal_rows(outcomes, readings)])
            self._n += n
            self._bytes += len(body)
            self._rows += 1
            dropped = self._enforce_bounds(db, now, keep_item=item_id)
            if self.full:  # what could not be stored meanwhile joins the persisted counter
                db.execute("UPDATE state SET value=? WHERE key='dropped'", (self._dropped,))
            db.execute("COMMIT")
        except BaseException:
            rollback(db)
            self._reload_totals(db)
            self._dropped = max(self._dropped, dropped_before)  # keep the unstored count
            raise
        self._meta.update(new_meta)
        if dropped:
            log.warning("spool_dropped_oldest", dropped=dropped, dropped_total=self._dropped,
                        bytes=self._bytes, max_bytes=self.settings.max_bytes)

    def _reload_totals(self, db: sqlite3.Connection) -> None:
        n1, b1, r1 = db.execute("SELECT COALESCE(SUM(n),0), COALESCE(SUM(bytes),0), COUNT(*) FROM items").fetchone()
        n2, b2, r2 = db.execute("SELECT COALESCE(SUM(n),0), COALESCE(SUM(bytes),0), COUNT(*) FROM batches").fetchone()
        self._n, self._bytes, self._rows = n1 + n2, b1 + b2, r1 + r2
        self._dropped = db.execute("SELECT value FROM state WHERE key='dropped'").fetchone()[0]

    def _enforce_bounds(self, db: sqlite3.Connection, now: float, keep_item: int) -> int:
        """Drop the oldest rows while over max_bytes, and rows past max_age. Inside a transaction."""
        dropped = 0
        check_age = now - self._last_age_check >= AGE_CHECK_EVERY
        if check_age:
            self._last_age_check = now
        horizon = now - self.settings.max_age
        while self._rows > 1:
            over = self._bytes > self.settings.max_bytes
            row = db.execute("SELECT seq, created, n, bytes, first_item, last_item FROM batches "
                             "ORDER BY seq LIMIT 1").fetchone()
            if row is not None:
                seq, created, n, size, first, last = row
                if not (over or (check_age and created < horizon)):
                    break
                db.execute("DELETE FROM batches WHERE seq=?", (seq,))
            else:
                row = db.execute("SELECT id, created, n, bytes FROM items ORDER BY id LIMIT 1").fetchone()
                if row is None or row[0] == keep_item:
                    break
                first, created, n, size = row
                last = first
                if not (over or (check_age and created < horizon)):
                    break
                db.execute("DELETE FROM items WHERE id=?", (first,))
            if self.settings.journal_produced:
                db.execute("UPDATE produced SET dropped=1 WHERE item_id BETWEEN ? AND ?", (first, last))
            self._n -= n
            self._bytes -= size
            self._rows -= 1
            dropped += n
        if dropped:
            self._dropped += dropped
            db.execute("UPDATE state SET value=? WHERE key='dropped'", (self._dropped,))
        return dropped

    def _schedule_checkpoint(self) -> None:
        """`batch`: make sure a checkpoint runs at most CHECKPOINT_EVERY seconds from now."""
        if self.settings.fsync == "batch" and (self._checkpointer is None or self._checkpointer.done()):
            self._checkpointer = asyncio.create_task(self._checkpoint_soon(), name="spool-checkpoint")

    async def _checkpoint_soon(self) -> None:
        await asyncio.sleep(CHECKPOINT_EVERY)
        if not self._closed:
            await self._run(self._checkpoint)

    def _checkpoint(self) -> None:
        if self._db is None:
            return
        try:
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")  # fsyncs the WAL, then the database
        except sqlite3.OperationalError as exc:
            if not disk_full(exc):
                raise
            return  # the next write schedules another one
        self.checkpoints += 1

    async def next_batch(self, max_readings: int, after: int | None = None) -> PendingBatch | None:
        try:
            batch = await self._run(self._next_batch, max_readings, after)
        except sqlite3.OperationalError as exc:
            if not disk_full(exc):
                raise
            await self._wait_for_room("next_batch", exc)
            return None
        if batch is None and self._rows == 0:
            self._event.clear()
        elif batch is not None:
            self._schedule_checkpoint()
        return batch

    def _next_batch(self, max_readings: int, after: int | None) -> PendingBatch | None:
        db = self._conn()
        row = db.execute("SELECT seq, body FROM batches WHERE seq > ? ORDER BY seq LIMIT 1",
                         (-1 if after is None else after,)).fetchone()
        if row is not None:
            return self._decode_batch(row[0], row[1])
        items = []
        count = 0
        for item_id, readings, body in db.execute("SELECT id, readings, body FROM items ORDER BY id"):
            if items and count + readings > max_readings:
                break
            items.append((item_id, body))
            count += readings
        if not items:
            return None
        outcomes: list[list[Any]] = []
        encoded: list[list[Any]] = []
        for _, body in items:
            part = orjson.loads(body)
            outcomes.extend(part["o"])
            encoded.extend(part["r"])
        used = {r[1] for r in encoded}
        meta = {k: [m.type, m.help] for k, m in self._meta.items() if k in used}
        batch_body = orjson.dumps({"o": outcomes, "r": encoded, "m": meta})
        first, last = items[0][0], items[-1][0]
        now = self._clock()
        db.execute("BEGIN IMMEDIATE")
        try:
            seq = db.execute("SELECT value FROM state WHERE key='next_seq'").fetchone()[0]
            n, size = db.execute("SELECT SUM(n), SUM(bytes) FROM items WHERE id BETWEEN ? AND ?",
                                 (first, last)).fetchone()
            db.execute("DELETE FROM items WHERE id BETWEEN ? AND ?", (first, last))
            db.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (seq, now, n, len(batch_body), first, last, batch_body))
            db.execute("UPDATE state SET value=? WHERE key='next_seq'", (seq + 1,))
            db.execute("COMMIT")
        except BaseException:
            rollback(db)
            raise
        self._bytes += len(batch_body) - size
        self._rows -= len(items) - 1
        return self._decode_batch(seq, batch_body)

    @staticmethod
    def _decode_batch(seq: int, body: bytes) -> PendingBatch:
        obj = orjson.loads(body)
        return PendingBatch(seq, [_dec_outcome(o) for o in obj["o"]], [_dec_reading(r) for r in obj["r"]],
                            {k: MetricInfo(v[0], v[1]) for k, v in obj["m"].items()})

    async def _wait_for_room(self, operation: str, exc: sqlite3.Error) -> None:
        log.warning("spool_write_deferred", operation=operation, error=str(exc), retry_in_s=FULL_RETRY)
        await asyncio.sleep(FULL_RETRY)

    async def ack(self, seq: int) -> None:
        await self._ack_or_wait(seq, False)

    async def _ack_or_wait(self, seq: int, through: bool) -> None:
        try:
            await self._run(self._ack, seq, through)
        except sqlite3.OperationalError as exc:
            if not disk_full(exc):
                raise
            await self._wait_for_room("ack", exc)  # offered again: the collector answers duplicate
            return
        self._schedule_checkpoint()
        if self._rows == 0:
            self._event.clear()

    async def ack_through(self, seq: int) -> None:
        await self._ack_or_wait(seq, True)

    async def cursors(self) -> dict[str, int]:
        return dict(await self._run(lambda: self._conn().execute("SELECT reader, seq FROM cursors").fetchall()))

    async def set_cursor(self, reader: str, seq: int) -> None:
        try:
            await self._run(self._set_cursor, reader, seq)
        except sqlite3.OperationalError as exc:
            if not disk_full(exc):
                raise
            return  # the sender still holds it; after a restart those batches are offered again
        self._schedule_checkpoint()

    def _set_cursor(self, reader: str, seq: int) -> None:
        self._conn().execute("INSERT INTO cursors VALUES (?, ?) ON CONFLICT (reader) DO UPDATE SET seq = excluded.seq "
                             "WHERE excluded.seq > cursors.seq", (reader, seq))

    def _ack(self, seq: int, through: bool = False) -> None:
        db = self._conn()
        where = "seq<=?" if through else "seq=?"
        rows = db.execute(f"DELETE FROM batches WHERE {where} RETURNING n, bytes", (seq,)).fetchall()
        for n, size in rows:  # none: it was dropped by the bounds while in flight
            self._n -= n
            self._bytes -= size
            self._rows -= 1

    async def wait_nonempty(self) -> None:
        await asyncio.wrap_future(self._opened)
        while self._rows == 0:
            self._event.clear()
            await self._event.wait()

    def stats(self) -> OutboxStats:
        return OutboxStats(self._n, self._bytes, self._dropped)

    async def close(self) -> None:
        if self._closed:
            return
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            await asyncio.gather(self._checkpointer, return_exceptions=True)
        await self._run(self._close)
        self._closed = True
        self._executor.shutdown(wait=True)

    def _close(self) -> None:
        if self._db is None:
            return
        if self.settings.fsync != "never":
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.close()
        self._db = None
