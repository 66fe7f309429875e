"""The collector's aiohttp application: state under AppKeys, background work in cleanup_ctx."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry

from collector import names
from collector.access import AccessControl, principal_of
from collector.audit import AuditLog, audit_middleware
from collector.backup import hold_state_dir, release_state_dir
from collector.availability.web import ENGINE_KEY, PERSISTER_KEY, setup_availability
from collector.config import CollectorConfig
from collector.exporter import ReadingsExporter
from collector.exposition import ExpositionRegistry, expose, metrics_handler
from collector.ingest import IngestContext, IngestMetrics, make_ingest_handler
from collector.ledger import SqliteSeqLedger
from collector.pages.status import CAPACITY_KEY, language_of, page_response, status_html
from collector.reports import CONTENT_TYPES, FORMATS, make_report, period_from
from collector.skew import ClockSkew
from collector.statehealth import RETRY_EVERY, STORES, StateHealth
from collector.store import SeriesStore
from collector.topology.web import TopologyExporter, capacity_warnings, setup_topology
from tierwatch_common.models import Batch
from tierwatch_common.sqlitedurability import CHECKPOINT_EVERY, checkpoint_file

log = structlog.get_logger("collector.app")

CONFIG_KEY = web.AppKey("config", CollectorConfig)
REGISTRY_KEY = web.AppKey("registry", CollectorRegistry)
STORE_KEY = web.AppKey("store", SeriesStore)
INGEST_KEY = web.AppKey("ingest", IngestContext)
STARTED_KEY = web.AppKey("started", float)
ACCESS_KEY = web.AppKey("access", AccessControl)
AUDIT_KEY = web.AppKey("audit", AuditLog)
HEALTH_KEY = web.AppKey("state_health", StateHealth)


async def _sweeper(app: web.Application) -> AsyncIterator[None]:
    store = app[STORE_KEY]
    period = app[CONFIG_KEY].series.sweep_interval

    async def loop() -> None:
        while True:
            await asyncio.sleep(period)
            gone = store.expire()
            if gone:
                log.info("series_expired", count=gone, live=store.live_series)

    task = asyncio.create_task(loop(), name="series-sweeper")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _checkpointer(paths: list[Path], app: web.Application) -> AsyncIterator[None]:
    """`state_fsync: batch`: checkpoint (fsync) the state databases' WALs every second, from a
    worker thread, so a power cut loses at most about a second of ledger and availability."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(CHECKPOINT_EVERY)
            for path in paths:
                if path.exists():
                    await asyncio.to_thread(checkpoint_file, path)

    task = asyncio.create_task(loop(), name="state-checkpointer")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _state_retry(app: web.Application) -> AsyncIterator[None]:
    """Write what the ledger and the audit log hold in memory after a failed write (a full disk),
    every second, so they catch up by themselves once space returns, even with no traffic. (The
    availability store retries at each of its heartbeats.)"""
    ledger, audit = app[INGEST_KEY].ledger, app[AUDIT_KEY]

    async def loop() -> None:
        while True:
            await asyncio.sleep(RETRY_EVERY)
            ledger.flush()
            await audit.flush()

    task = asyncio.create_task(loop(), name="state-retry")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _close_ledger(app: web.Application) -> None:
    app[INGEST_KEY].ledger.close()


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready while serving, also with a degraded state store (it serves from memory): `state` says which."""
    health = request.app[HEALTH_KEY]
    return web.json_response({"status": "ready", "uptime_seconds": round(time.time() - request.app[STARTED_KEY], 3),
                              "state": {s: "degraded" if health.is_degraded(s) else "ok" for s in STORES}})


async def index(request: web.Request) -> web.Response:
    """The status page (collector/pages/status.py)."""
    app = request.app
    provider = app.get(CAPACITY_KEY)
    capacity = provider() if callable(provider) else []
    audit = [e.to_json() for e in await asyncio.to_thread(app[AUDIT_KEY].entries, None, None, 10)]
    health = app[HEALTH_KEY]
    html = status_html(app[ENGINE_KEY], language_of(request), site=app[CONFIG_KEY].site,
                       capacity=capacity, audit=audit, state_degraded=[s for s in STORES if health.is_degraded(s)])
    return page_response(request, html)


async def audit_entries(request: web.Request) -> web.Response:
    """GET /api/v1/audit[?from=<unix>&to=<unix>&limit=N]: maintenance acts, newest first."""
    q = request.query
    try:
        start = float(q["from"]) if "from" in q else None
        end = float(q["to"]) if "to" in q else None
        limit = int(q.get("limit", "1000"))
    except ValueError:
        return web.json_response({"error": "from and to are unix seconds, limit a whole number"}, status=400)
    entries = await asyncio.to_thread(request.app[AUDIT_KEY].entries, start, end, max(1, min(limit, 100_000)))
    return web.json_response({"audit": [e.to_json() for e in entries]})


async def report(request: web.Request) -> web.Response:
    """GET /api/v1/report?period=YYYY-MM (or from=&to=)&lang=fr|en&format=html|pdf."""
    app, q = request.app, request.query
    config = app[CONFIG_KEY]
    fmt = q.get("format", "html")
    lang = q.get("lang") or language_of(request)
    try:
        period = period_from(config.availability.zone, q.get("period"), q.get("from"), q.get("to"))
        if fmt not in FORMATS or lang not in ("fr", "en"):
            raise ValueError("format is html or pdf; lang is fr or en")
    except ValueError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    await app[PERSISTER_KEY].flush()            # the report reads the store: bring it up to now
    _, body = await asyncio.to_thread(make_report, Path(config.state_dir), config.effective_availability(), config.site,
                                      period, lang, fmt)
    name = f"tierwatch-{period.label.replace(' → ', '_')}-{lang}.{fmt}"
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPES[fmt],
                                            "Content-Disposition": f'inline; filename="{name}"'})


async def _close_audit(app: web.Application) -> None:
    app[AUDIT_KEY].close()


def build_app(config: CollectorConfig, *, registry: CollectorRegistry | None = None) -> web.Application:
    """Assemble the application; nothing runs until the app is started."""
    registry = registry if registry is not None else ExpositionRegistry()
    operators = {t.digest(): name for name, t in config.operators.items()}
    access = AccessControl(config.web, operators)
    state_dir = Path(config.state_dir)
    lock = hold_state_dir(state_dir)           # one collector per state_dir (StateDirBusy otherwise)
    health = StateHealth(registry)
    audit = AuditLog(state_dir / names.AUDIT_DB, health)
    app = web.Application(client_max_size=config.ingest.max_body_bytes + 1,
                          middlewares=[access.middleware(), audit_middleware(audit)])
    app[ACCESS_KEY] = access
    app[AUDIT_KEY] = audit
    app[HEALTH_KEY] = health
    app[CONFIG_KEY] = config
    app[REGISTRY_KEY] = registry
    app[STARTED_KEY] = time.time()
    store = SeriesStore(ttl_factor=config.series.ttl_factor, min_ttl=config.series.min_ttl,
                        max_live=config.series.max_live)
    app[STORE_KEY] = store
    expose(registry, ReadingsExporter(store))

    def authenticate(request: web.Request) -> str | None:
        """The operator behind a request (the access middleware identified it), or None."""
        principal = principal_of(request)
        return principal.name if principal is not None and principal.operator else None

    engine = setup_availability(app, config.effective_availability(),
                                db_path=str(state_dir / names.AVAILABILITY_DB),
                                authenticate=authenticate, registry=registry, fsync=config.state_fsync,
                                health=health)
    hall = config.hall()
    if hall is not None:
        setup_topology(app, hall, store, engine)
        registry.register(TopologyExporter(hall, store, engine))
        app[CAPACITY_KEY] = partial(capacity_warnings, hall, store, engine)
    staleness_factor = config.series.ttl_factor
    skew = ClockSkew(registry, config.ingest.clock_skew_warn)

    def observe(batch: Batch) -> None:
        lag = skew.record(batch.agent, batch.sent_at, time.time())
        # In time order, so outcomes of several targets (or a batch formed after an outage) settle in sequence.
        for o in sorted(batch.outcomes, key=lambda o: o.started_at + o.duration):
            engine.observe(o.target, o.started_at + o.duration, o.status, o.health, o.reason,
                           staleness_factor * (o.interval or batch.interval), lag=lag)

    app[INGEST_KEY] = IngestContext(
        limits=config.ingest,
        tokens={t.digest(): agent for agent, t in config.agents.items()},
        store=store, metrics=IngestMetrics(registry), observe=observe,
        persist=app[PERSISTER_KEY].flush_history,
        ledger=SqliteSeqLedger(state_dir / names.LEDGER_DB, journal=config.ingest.journal_applied,
                               fsync=config.state_fsync, health=health))
    app.cleanup_ctx.append(_sweeper)
    app.cleanup_ctx.append(_state_retry)
    if config.state_fsync == "batch":
        app.cleanup_ctx.append(partial(_checkpointer, [state_dir / names.LEDGER_DB, state_dir / names.AVAILABILITY_DB]))
    app.on_cleanup.append(_close_ledger)
    app.on_cleanup.append(_close_audit)

    async def _release_state_dir(_app: web.Application) -> None:
        release_state_dir(lock)
    app.on_cleanup.append(_release_state_dir)
    app.router.add_post("/api/v1/ingest", make_ingest_handler(INGEST_KEY))
    app.router.add_get("/metrics", metrics_handler(registry))
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/", index)
    app.router.add_get("/api/v1/audit", audit_entries)
    app.router.add_get("/api/v1/report", report)
    return app
