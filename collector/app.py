"""The collector's aiohttp application: state under AppKeys, background work in cleanup_ctx."""

from __future__ import annotations

import asyncio
import contextlib
import time
from html import escape
from collections.abc import AsyncIterator
from pathlib import Path

import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry

from collector.availability.web import setup_availability
from collector.config import CollectorConfig, hash_token
from collector.exporter import ReadingsExporter
from collector.exposition import ExpositionRegistry, metrics_handler
from collector.ingest import IngestContext, IngestMetrics, make_ingest_handler
from collector.ledger import SqliteSeqLedger
from collector.store import SeriesStore
from tierwatch_common.wire import Batch

log = structlog.get_logger("collector.app")

CONFIG_KEY = web.AppKey("config", CollectorConfig)
REGISTRY_KEY = web.AppKey("registry", CollectorRegistry)
STORE_KEY = web.AppKey("store", SeriesStore)
INGEST_KEY = web.AppKey("ingest", IngestContext)
STARTED_KEY = web.AppKey("started", float)


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


async def _close_ledger(app: web.Application) -> None:
    app[INGEST_KEY].ledger.close()


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ready", "uptime_seconds": round(time.time() - request.app[STARTED_KEY], 3)})


async def index(request: web.Request) -> web.Response:
    """A tiny human status page for when Grafana itself is down."""
    store = request.app[STORE_KEY]
    rows = []
    for target, st in sorted(store.targets.items()):
        o = st.outcome
        rows.append(f"<tr><td>{escape(target)}</td><td>{escape(st.agent)}</td><td>{escape(o.status)}</td>"
                    f"<td>{escape(o.health)}</td><td>{escape(o.reason)}</td><td>{o.duration:.3f}</td>"
                    f"<td>{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(o.started_at))}Z</td></tr>")
    html = ("<!doctype html><meta charset=utf-8><title>tierwatch collector</title>"
            "<h1>tierwatch collector</h1><p><a href=/metrics>/metrics</a> · "
            "<a href=/api/v1/availability>/api/v1/availability</a></p>"
            f"<p>{store.live_series} live series, {len(store.targets)} targets</p>"
            "<table border=1 cellpadding=4><tr><th>target<th>agent<th>poll<th>health<th>reason<th>seconds<th>last poll"
            + "".join(rows) + "</table>")
    return web.Response(text=html, content_type="text/html")


def build_app(config: CollectorConfig, *, registry: CollectorRegistry | None = None) -> web.Application:
    """Assemble the application; nothing runs until the app is started."""
    registry = registry if registry is not None else ExpositionRegistry()
    app = web.Application(client_max_size=config.ingest.max_body_bytes + 1)
    app[CONFIG_KEY] = config
    app[REGISTRY_KEY] = registry
    app[STARTED_KEY] = time.time()
    store = SeriesStore(ttl_factor=config.series.ttl_factor, min_ttl=config.series.min_ttl)
    app[STORE_KEY] = store
    registry.register(ReadingsExporter(store))

    operators = {t.digest(): name for name, t in config.operators.items()}

    def authenticate(request: web.Request) -> str | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return operators.get(hash_token(token.strip()))

    state_dir = Path(config.state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    engine = setup_availability(app, config.availability, db_path=str(state_dir / "availability.sqlite"),
                                authenticate=authenticate, registry=registry)
    staleness_factor = config.series.ttl_factor

    def observe(batch: Batch) -> None:
        # In time order, so outcomes of several targets (or a batch formed after an outage) settle in sequence.
        for o in sorted(batch.outcomes, key=lambda o: o.started_at + o.duration):
            engine.observe(o.target, o.started_at + o.duration, o.status, o.health, o.reason,
                           staleness_factor * (o.interval or batch.interval))

    app[INGEST_KEY] = IngestContext(
        limits=config.ingest,
        tokens={t.digest(): agent for agent, t in config.agents.items()},
        store=store, metrics=IngestMetrics(registry), observe=observe,
        ledger=SqliteSeqLedger(state_dir / "ledger.sqlite", journal=config.ingest.journal_applied))
    app.cleanup_ctx.append(_sweeper)
    app.on_cleanup.append(_close_ledger)
    app.router.add_post("/api/v1/ingest", make_ingest_handler(INGEST_KEY))
    app.router.add_get("/metrics", metrics_handler(registry))
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/", index)
    return app
