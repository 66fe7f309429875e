"""A real collector application on a loopback port, in the test's own event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web

from collector.app import build_app
from collector.config import CollectorConfig


@asynccontextmanager
async def running_collector(tmp_path: Path, **config: Any) -> AsyncIterator[tuple[str, web.Application]]:
    settings = {"listen": {"address": "127.0.0.1", "port": 0}, "state_dir": str(tmp_path / "state"), **config}
    app = build_app(CollectorConfig.model_validate(settings))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}", app
    finally:
        await runner.cleanup()
