"""Ingest under load and saturation: the collector (a separate process) keeps its latency and its
`/metrics` / `/healthz` answers within bounds, and a saturated collector says 503 + Retry-After."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import aiohttp
import pytest

from collector.app import INGEST_KEY
from tests.peers.collector_app import RunningCollector
from tests.peers.ingest import TOKENS, body
from tests.peers.processes import ROOT

pytestmark = pytest.mark.integration


def test_many_agents_posting_at_once_keep_ingest_p99_under_250ms_and_metrics_under_1s() -> None:
    # The same code as `make bench-load` (1,000 agents), with a shorter run and each agent every 5 s.
    env = {**os.environ, "LOAD_AGENTS": "1000", "LOAD_SECONDS": "15", "LOAD_INTERVAL": "5"}
    run = subprocess.run([sys.executable, "-m", "bench.load"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=180)
    line = next((x for x in run.stdout.splitlines() if x.startswith("BENCH ingest_load")), "")
    print(line)
    assert line, run.stdout + run.stderr[-3000:]
    figures = dict(part.split("=") for part in line.split()[2:])
    assert float(figures["p99_ms"]) < 250, line
    assert float(figures["metrics_max_ms"]) < 1000, line
    assert float(figures["healthz_max_ms"]) < 1000, line
    assert int(figures["errors"]) == 0 and int(figures["accepted"]) >= 2000, line
    assert run.returncode == 0, run.stderr[-3000:]


async def test_a_saturated_collector_answers_503_with_retry_after_and_healthz_still_answers(
        running_collector: RunningCollector) -> None:
    agents = {name: {"token": tok} for name, tok in TOKENS.items()}
    async with running_collector(agents=agents, ingest={"max_inflight": 1}) as (url, app):
        headers = {"Authorization": f"Bearer {TOKENS['row-a-01']}", "Content-Type": "application/json"}
        payload = json.dumps(body(seq=1)).encode()
        host, port = url.removeprefix("http://").split(":")
        # A body that arrives slowly keeps one ingest in flight: headers and half the body, then a pause.
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"POST /api/v1/ingest HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                     f"Authorization: {headers['Authorization']}\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
                     + payload[:10])
        await writer.drain()
        async with aiohttp.ClientSession() as s:
            for _ in range(100):
                await asyncio.sleep(0.02)
                if app[INGEST_KEY].inflight:
                    break
            assert app[INGEST_KEY].inflight == 1
            async with s.post(url + "/api/v1/ingest", data=json.dumps(body(seq=2)).encode(), headers=headers) as r:
                assert r.status == 503
                assert int(r.headers["Retry-After"]) >= 1
                assert (await r.json())["error"] == "overloaded"
            async with s.get(url + "/healthz") as r:
                assert r.status == 200
            async with s.get(url + "/metrics") as r:
                assert r.status == 200
                assert 'tierwatch_collector_batches_total{reason="overloaded",result="rejected"} 1.0' in await r.text()
        writer.write(payload[10:])
        await writer.drain()
        status_line = await reader.readline()
        assert status_line.startswith(b"HTTP/1.1 200"), status_line
        writer.close()
        await writer.wait_closed()


async def test_a_body_that_arrives_in_several_pieces_is_read_whole_not_refused_as_too_large(
        running_collector: RunningCollector) -> None:
    agents = {name: {"token": tok} for name, tok in TOKENS.items()}
    async with running_collector(agents=agents) as (url, _):
        host, port = url.removeprefix("http://").split(":")
        payload = json.dumps(body(seq=3)).encode()
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"POST /api/v1/ingest HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                     f"Authorization: Bearer {TOKENS['row-a-01']}\r\nContent-Length: {len(payload)}\r\n\r\n".encode())
        for i in range(0, len(payload), 64):
            writer.write(payload[i:i + 64])
            await writer.drain()
            await asyncio.sleep(0.01)
        status_line = await reader.readline()
        writer.close()
        await writer.wait_closed()
        assert status_line.startswith(b"HTTP/1.1 200"), status_line
