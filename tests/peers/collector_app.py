"""A real collector application on a loopback port, served by pytest-aiohttp's `aiohttp_server`.

`running_collector(**config)` (a fixture) is an async context manager giving the collector's
base URL and its Application; leaving it stops the server, so a test can start a second one
on the same state directory (a restart). `collector_app` builds the Application alone, for
tests that drive their own event loop (aiohttp's TestServer serves it there).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from collector.app import build_app
from collector.config import CollectorConfig

RunningCollector = Callable[..., AbstractAsyncContextManager[tuple[str, web.Application]]]


def collector_app(state: Path, **config: Any) -> web.Application:
    settings = {"listen": {"address": "127.0.0.1", "port": 0}, "state_dir": str(state / "state"), **config}
    return build_app(CollectorConfig.model_validate(settings))


def base_url(server: TestServer) -> str:
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
def running_collector(aiohttp_server: Any, tmp_path: Path) -> RunningCollector:
    @asynccontextmanager
    async def run(**config: Any) -> AsyncIterator[tuple[str, web.Application]]:
        server = await aiohttp_server(collector_app(tmp_path, **config), host="127.0.0.1")
        try:
            yield base_url(server), server.app
        finally:
            await server.close()

    return run
