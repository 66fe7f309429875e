"""Ingest under load and saturation: the collector (a separate process) applies every batch many
agents post at once and `/metrics` shows all of it; a saturated collector says 503 + Retry-After.
How fast it does so is measured by the benchmarks (`make bench-load`, `make bench-ingest`)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families as parse_text

from bench.load import run_load, write_config
from collector.app import INGEST_KEY
from tests.peers.collector_app import RunningCollector
from tests.peers.ingest import TOKENS, body
from tests.peers.processes import free_tcp_port, http_get, start_collector

pytestmark = pytest.mark.integration


def test_many_agents_posting_at_once_get_every_batch_applied_and_metrics_shows_every_series(tmp_path: Path) -> None:
    # The driver of `make bench-load` (timings are its business): 300 agents, each a batch a second
    # for 6 s, /metrics and /healthz fetched every second meanwhile.
    agents, readings = 300, 20
    port = free_tcp_port()
    collector = start_collector(write_config(tmp_path, port, agents), tmp_path / "collector.log", port)
    try:
        result = asyncio.run(run_load(f"http://127.0.0.1:{port}", agents, seconds=6.0, interval=1.0,
                                      readings=readings, scrape_every=1.0))
        status, page, _ = http_get(f"http://127.0.0.1:{port}/metrics", timeout=30)
    finally:
        collector.stop()
    assert result.errors == 0 and set(result.statuses) <= {200, 429, 503}, result.statuses
    accepted = result.statuses.get(200, 0)
    assert accepted >= agents and result.metrics_ms and result.healthz_ms  # every agent got through; probes answered
    families = {f.name: f for f in parse_text(page.decode())}
    assert status == 200
    batches = {tuple(sorted(s.labels.items())): s.value for s in families["tierwatch_collector_batches"].samples
               if s.name.endswith("_total")}
    assert batches[(("reason", ""), ("result", "accepted"))] == accepted  # each 200 is one applied batch
    applied = sum(s.value for s in families["tierwatch_collector_readings"].samples
                  if s.name.endswith("_total") and s.labels["result"] == "accepted")
    assert applied == result.readings == accepted * readings  # nothing lost, nothing counted twice
    series = families["tierwatch_pdu_outlet_power_watts"].samples
    seen = {(s.labels["agent"], s.labels["outlet"]) for s in series}
    assert len(series) == len(seen) == agents * readings  # /metrics complete: every agent's every outlet, once
    assert {s.labels["agent"] for s in families["tierwatch_collector_agent_last_batch_timestamp_seconds"].samples} \
        == {f"load-{i:05d}" for i in range(agents)}


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
