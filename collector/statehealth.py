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
- `tierwatch_collector_state_degraded{store}`: 1 while the store holds state only in memory;
- `tierwatch_collector_state_unwritten_records{store}`: how many records wait in memory (what a
  crash before the next successful write would lose from that store).

Logs one line per change of a store, not per write: `state_write_failed` (error) when it starts
failing, `state_write_recovered` (warning) when everything waiting has been written.
"""

from __future__ import annotations

import sqlite3
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

def reason_of(exc: sqlite3.Error) -> str:
    return "enospc" if disk_full(exc) else "other"


class StateHealth:
    """Counts failed state writes per store and says which stores are degraded."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.errors = Counter(names.STATE_WRITE_ERRORS, "State database writes that failed, by store and reason "
                              "(enospc: the file system is full).", ["store", "reason"], registry=registry)
        self.degraded = Gauge(names.STATE_DEGRADED, "1 while a state store holds state only in memory because "
                              "its database cannot be written.", ["store"], registry=registry)
        self.unwritten = Gauge(names.STATE_UNWRITTEN, "Records of a state store waiting in memory to be "
                               "written to its database.", ["store"], registry=registry)
        self._failing: dict[str, int] = {}  # store -> failed attempts since it last wrote everything
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

    def failed(self, store: Store, exc: sqlite3.Error, waiting: int, path: str) -> None:
        reason = reason_of(exc)
        self.errors.labels(store, reason).inc()
        self.unwritten.labels(store).set(waiting)
        attempts = self._failing.get(store)
        self._failing[store] = (attempts or 0) + 1
        if attempts is None:
            self.degraded.labels(store).set(1)
            log.error("state_write_failed", store=store, reason=reason, error=str(exc), path=path,
                      unwritten=waiting)

    def written(self, store: Store, waiting: int, path: str) -> None:
        self.unwritten.labels(store).set(0)
        attempts = self._failing.pop(store, None)
        if attempts is not None:
            self.degraded.labels(store).set(0)
            log.warning("state_write_recovered", store=store, failed_attempts=attempts, written=waiting, path=path)

