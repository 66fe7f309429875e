"""Whether the collector's state databases take their writes, and what waits in memory when not.

Three stores hold state that must survive a restart: the ingest `ledger` (which batches were
applied), the `availability` store (transitions, services, maintenance, heartbeat) and the
`audit` log (maintenance acts). Each write goes through `StateHealth.attempt`: when SQLite cannot
write (a full disk, SQLITE_FULL, counts as `reason="enospc"`; any other SQLite error as
`reason="other"`), the store keeps what it meant to write in memory, serving from there, and
tries again on its next write or on the app's retry timer. Nothing is dropped: on a full disk the
collector keeps answering ingest, `/metrics`, the API and the pages from memory.

Exposed (names in collector/names.py):
- `tierwatch_collector_state_write_errors_total{store,reason}`: write attempts that failed;
- `tierwatch_collector_state_degraded{store}`: 1 from the first failed write until everything that
  waited is written and `SETTLE` seconds passed without a failure;
- `tierwatch_collector_state_unwritten_records{store}`: how many records wait in memory (what a
  crash before the next successful write would lose from that store).

Logs one line per change of a store, not per write: `state_write_failed` (error) when it starts
failing, `state_write_recovered` (warning) when it has settled again, and
`state_unwritten_at_stop` (error) if the collector stops while something still waits.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from typing import Literal

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge

from collector import names
from tierwatch_common.sqlitedurability import disk_full

log = structlog.get_logger(__name__)

Store = Literal["ledger", "availability", "audit"]
STORES: tuple[Store, ...] = ("ledger", "availability", "audit")
REASONS = ("enospc", "other")
RETRY_EVERY = 1.0  # seconds between retries of what waits in memory (the app's timer)
SETTLE = 3.0  # seconds without a failed write before a degraded store counts as recovered


def reason_of(exc: sqlite3.Error) -> str:
    return "enospc" if disk_full(exc) else "other"


class StateHealth:
    """Counts failed state writes per store and says which stores are degraded.

    A store is degraded from its first failed write until it has written everything that waited
    and `settle` seconds have passed without another failure. On a nearly full disk SQLite often
    fails some writes and takes others (a checkpoint frees the WAL's pages for reuse, the next
    growth fails again), so without that margin the flag and the log would flap every second.
    """

    def __init__(self, registry: CollectorRegistry | None = None, *,
                 clock: Callable[[], float] = time.monotonic, settle: float = SETTLE) -> None:
        self.errors = Counter(names.STATE_WRITE_ERRORS, "State database writes that failed, by store and reason "
                              "(enospc: the file system is full).", ["store", "reason"], registry=registry)
        self.degraded = Gauge(names.STATE_DEGRADED, "1 while a state store cannot be relied on to write: it "
                              "failed a write in the last few seconds or still holds state only in memory.",
                              ["store"], registry=registry)
        self.unwritten = Gauge(names.STATE_UNWRITTEN, "Records of a state store waiting in memory to be "
                               "written to its database.", ["store"], registry=registry)
        self._clock = clock
        self._settle = settle
        self._failing: dict[str, int] = {}      # store -> failed attempts since it was last healthy
        self._last_failure: dict[str, float] = {}
        self._waiting: dict[str, int] = {}      # store -> records waiting (absent: nothing waits)
        for store in STORES:
            self.degraded.labels(store).set(0)
            self.unwritten.labels(store).set(0)
            for reason in REASONS:
                self.errors.labels(store, reason)

    def is_degraded(self, store: Store) -> bool:
        return store in self._failing

    def attempt(self, store: Store, write: Callable[[], object], waiting: int, path: str) -> bool:
        """Run `write` (one transaction of `waiting` records, blocking); False if SQLite refused it.
        Call it where the store's writes run (its thread or the loop)."""
        try:
            write()
        except sqlite3.Error as exc:
            self.failed(store, exc, waiting, path)
            return False
        self.written(store, waiting, path)
        return True

    async def attempt_in_thread(self, store: Store, write: Callable[[], object], waiting: int, path: str,
                                then: Callable[[bool], None]) -> None:
        """`attempt` in a worker thread, then `then(written)` on the loop. If the caller is cancelled
        meanwhile (a shutdown cancels the heartbeat), the write still runs to its end and `then`
        still runs before the cancellation goes on: the caller holds its store's lock, and the
        connection must never be written twice at once, nor closed under a running write."""
        running = asyncio.ensure_future(asyncio.to_thread(self.attempt, store, write, waiting, path))
        cancelled = False
        while True:
            try:
                written = await asyncio.shield(running)
                break
            except asyncio.CancelledError:
                if running.done():
                    raise
                cancelled = True
        then(written)
        if cancelled:
            raise asyncio.CancelledError

    def failed(self, store: Store, exc: sqlite3.Error, waiting: int, path: str) -> None:
        reason = reason_of(exc)
        self.errors.labels(store, reason).inc()
        self.unwritten.labels(store).set(waiting)
        self._waiting[store] = waiting
        self._last_failure[store] = self._clock()
        attempts = self._failing.get(store)
        self._failing[store] = (attempts or 0) + 1
        if attempts is None:
            self.degraded.labels(store).set(1)
            log.error("state_write_failed", store=store, reason=reason, error=str(exc), path=path,
                      unwritten=waiting)

    def written(self, store: Store, waiting: int, path: str) -> None:
        """`waiting` records were written (0: nothing waited; the store asks whether it has settled)."""
        self.unwritten.labels(store).set(0)
        self._waiting.pop(store, None)
        attempts = self._failing.get(store)
        if attempts is not None and self._clock() - self._last_failure[store] >= self._settle:
            del self._failing[store]
            self.degraded.labels(store).set(0)
            log.warning("state_write_recovered", store=store, failed_attempts=attempts, path=path)

    def closing(self, store: Store, path: str) -> None:
        """The store closes (after its last write attempt): say what it could not write, if anything."""
        if self._waiting.get(store):
            log.error("state_unwritten_at_stop", store=store, unwritten=self._waiting.get(store, 0), path=path,
                      consequence="lost: the availability history since the last written heartbeat counts as "
                                  "unknown after a restart; unwritten seqs are applied again if replayed")
