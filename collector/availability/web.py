"""Wiring of the availability engine into the collector's aiohttp application.

``setup_availability`` builds the engine, registers its exporter and routes, and appends to
``app.cleanup_ctx`` the work that owns the SQLite store: load at start-up (in a thread),
a heartbeat loop that turns silent targets unknown and writes changes every
``heartbeat_interval`` seconds, and a last write at shutdown whose heartbeat marks the
instant the collector stopped looking.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from functools import partial

import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry

from collector.availability.api import AvailabilityApi
from collector.availability.engine import AvailabilityEngine
from collector.availability.exporter import AvailabilityExporter
from collector.availability.restore import open_engine
from collector.availability.settings import AvailabilitySettings
from collector.availability.store import AvailabilityStore
from collector.exposition import expose
from collector.statehealth import StateHealth
from tierwatch_common.sqlitedurability import Fsync

log = structlog.get_logger(__name__)


class Persister:
    """Writes the engine's changes to the store, one batch at a time, off the event loop.

    A batch the store cannot write (a full disk) goes back to the engine, which keeps computing
    from memory; the next beat writes it with whatever came since, so nothing is lost while the
    process lives and the store catches up by itself once space returns (`StateHealth` counts
    the failures and logs the change).
    """

    def __init__(self, engine: AvailabilityEngine, store: AvailabilityStore,
                 health: StateHealth | None = None) -> None:
        self.engine = engine
        self.store = store
        self.health = health if health is not None else StateHealth()
        self._lock = asyncio.Lock()

    async def flush_history(self) -> None:
        """Write now if the engine holds transitions or repaired history not written yet (ingest,
        before it acknowledges a batch); otherwise return at once."""
        if self.engine.history_unwritten:
            await self.flush(history_only=True)

    async def flush(self, history_only: bool = False) -> None:
        """Write what changed. A flush cancelled meanwhile (the heartbeat stopped at shutdown)
        still waits for its write to end before it lets go of the lock, then is cancelled: the
        thread cannot be stopped, and a second write or the store's close on the same connection
        while it runs would crash SQLite.

        ``history_only`` (ingest, before it acknowledges a batch): write only if transitions are
        still unwritten once the lock is ours. Concurrent callers queue on the lock and each flush
        takes everything changed so far, so the callers behind the first find their history
        written and return at once: a burst of batches shares one write (group commit)."""
        async with self._lock:
            if history_only and not self.engine.history_unwritten:
                return
            batch = self.engine.drain()
            began = time.perf_counter()

            def then(written: bool) -> None:
                if not written:            # keep the batch, try again on the next beat
                    self.engine.requeue(batch)
                elif time.perf_counter() - began > 0.5:
                    log.warning("availability_write_slow", seconds=round(time.perf_counter() - began, 3),
                                rows=len(batch.rows))

            await self.health.attempt_in_thread("availability", partial(self.store.write, batch), len(batch),
                                                self.store.path, then)


ENGINE_KEY = web.AppKey("availability_engine", AvailabilityEngine)
PERSISTER_KEY = web.AppKey("availability_persister", Persister)


def setup_availability(app: web.Application, settings: AvailabilitySettings, *, db_path: str,
                       authenticate: Callable[[web.Request], str | None],
                       registry: CollectorRegistry, fsync: Fsync = "batch",
                       health: StateHealth | None = None) -> AvailabilityEngine:
    """Add the availability engine to ``app``; return it (call ``engine.observe`` per outcome)."""
    engine = AvailabilityEngine(settings)
    persister = Persister(engine, AvailabilityStore(db_path, fsync), health)
    app[ENGINE_KEY] = engine
    app[PERSISTER_KEY] = persister
    expose(registry, AvailabilityExporter(engine))
    AvailabilityApi(engine, authenticate, persister.flush).add_routes(app)
    app.cleanup_ctx.append(_lifecycle)
    return engine


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    engine, persister = app[ENGINE_KEY], app[PERSISTER_KEY]
    store = persister.store
    began = time.perf_counter()
    await asyncio.to_thread(store.open)
    loaded = await asyncio.to_thread(store.load, engine.settings.recent_transitions)
    open_engine(engine, loaded)
    await persister.flush()
    log.info("availability_started", path=store.path, transitions=loaded.transitions,
             seconds=round(time.perf_counter() - began, 3))
    task = asyncio.create_task(_heartbeat(persister, engine.settings.heartbeat_interval),
                               name="availability-heartbeat")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await persister.flush()          # its heartbeat is the instant we stopped looking
        persister.health.closing("availability", store.path)
        await asyncio.to_thread(store.close)
        log.info("availability_stopped", path=store.path)


async def _heartbeat(persister: Persister, interval: float) -> None:
    loop = asyncio.get_running_loop()
    next_beat = loop.time()
    while True:
        next_beat += interval
        await asyncio.sleep(max(0.0, next_beat - loop.time()))
        await persister.flush()
