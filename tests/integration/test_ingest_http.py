"""POST /api/v1/ingest against a real aiohttp server on loopback: auth, limits, validation."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.peers.collector_app import RunningCollector
from tests.peers.ingest import TOKENS, body, post

pytestmark = pytest.mark.integration


@pytest.fixture
async def server(running_collector: RunningCollector) -> AsyncIterator[str]:
    agents = {name: {"token": tok} for name, tok in TOKENS.items()}
    async with running_collector(agents=agents, ingest={"max_body_bytes": 64 * 1024,
                                                        "max_decompressed_bytes": 256 * 1024,
                                                        "max_labels": 8}) as (url, _):
        yield url


async def metrics(url: str) -> str:
    async with aiohttp.ClientSession() as s, s.get(url + "/metrics") as r:
        assert r.status == 200
        return await r.text()


def reading_lines(text: str) -> list[str]:
    return sorted(line for line in text.splitlines() if line.startswith("tierwatch_pdu_"))


async def test_a_valid_batch_is_accepted_and_shows_on_metrics_with_target_and_agent_labels(server: str) -> None:
    status, answer = await post(server, json.dumps(body()).encode())
    assert (status, answer) == (200, {"accepted": 1, "duplicate": False})
    text = await metrics(server)
    assert 'tierwatch_pdu_power_watts{agent="row-a-01",phase="1",target="pdu-a"} 1234.5' in text
    assert "# HELP tierwatch_pdu_power_watts Active power." in text
    assert 'tierwatch_target_up{agent="row-a-01",target="pdu-a"} 1.0' in text


async def test_a_gzipped_batch_is_accepted(server: str) -> None:
    status, answer = await post(server, gzip.compress(json.dumps(body()).encode()), **{"Content-Encoding": "gzip"})
    assert status == 200 and answer["accepted"] == 1


@pytest.mark.parametrize(("token", "reason"), [(None, "missing bearer token"), ("wrong-token", "unknown token")])
async def test_a_missing_or_wrong_token_is_401_and_changes_nothing(server: str, token: str | None,
                                                                   reason: str) -> None:
    before = reading_lines(await metrics(server))
    status, answer = await post(server, json.dumps(body()).encode(), token=token)
    assert status == 401 and answer["errors"] == [reason]
    assert reading_lines(await metrics(server)) == before == []


async def test_agent_a_token_cannot_post_as_agent_b(server: str) -> None:
    status, answer = await post(server, json.dumps(body(agent="row-b-01")).encode(), token=TOKENS["row-a-01"])
    assert status == 403
    assert "belongs to agent 'row-a-01', not 'row-b-01'" in answer["errors"][0]
    assert reading_lines(await metrics(server)) == []


BAD_BODIES = {
    "malformed JSON": (b'{"version": 1, "agent": ', 400, "malformed JSON"),
    "a NaN": (b'{"version":1,"agent":"row-a-01","seq":1,"sent_at":1.0,"interval":15,'
              b'"readings":[{"target":"t","metric":"m","value":NaN,"ts":1.0}]}', 400, "malformed JSON"),
    "a string value": (json.dumps(body(readings=[{"target": "t", "metric": "m", "value": "1", "ts": 1.0}])).encode(),
                       400, "readings[0].value: must be a finite number"),
    "too many labels": (json.dumps(body(readings=[{"target": "t", "metric": "m", "value": 1, "ts": 1.0,
                                                   "labels": {f"l{i}": "v" for i in range(9)}}])).encode(),
                        400, "9 labels exceed the limit of 8"),
    "a bad metric name": (json.dumps(body(readings=[{"target": "t", "metric": "power-watts", "value": 1,
                                                     "ts": 1.0}])).encode(), 400, "invalid metric name"),
    "an oversized body": (b"[" + b" " * (70 * 1024) + b"]", 413, "exceeds 65536"),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
async def test_a_bad_body_gets_a_4xx_with_its_reason_and_changes_nothing(server: str, case: str) -> None:
    payload, want_status, want_text = BAD_BODIES[case]
    await post(server, json.dumps(body(seq=1)).encode())
    before = reading_lines(await metrics(server))
    status, answer = await post(server, payload)
    assert status == want_status
    assert any(want_text in e for e in answer["errors"]), answer
    assert reading_lines(await metrics(server)) == before
    assert f'tierwatch_collector_batches_total{{reason="{answer["error"]}",result="rejected"}} 1.0' in \
        await metrics(server)


async def test_a_gzip_bomb_is_refused_with_413(server: str) -> None:
    bomb = gzip.compress(b" " * (2 * 1024 * 1024))
    assert len(bomb) < 64 * 1024
    status, answer = await post(server, bomb, **{"Content-Encoding": "gzip"})
    assert status == 413 and "decompressed body exceeds" in answer["errors"][0]


async def test_a_corrupt_gzip_body_is_a_400(server: str) -> None:
    status, answer = await post(server, b"definitely not gzip", **{"Content-Encoding": "gzip"})
    assert status == 400 and answer["error"] == "bad_encoding"


async def test_a_replayed_seq_is_acknowledged_as_duplicate_and_not_applied_twice(server: str) -> None:
    assert (await post(server, json.dumps(body(seq=5)).encode()))[1]["duplicate"] is False
    replay = body(seq=5, readings=[{"target": "pdu-a", "metric": "tierwatch_pdu_power_watts",
                                     "labels": {"phase": "1"}, "value": 1.0, "ts": time.time()}])
    status, answer = await post(server, json.dumps(replay).encode())
    assert (status, answer) == (200, {"accepted": 0, "duplicate": True})
    assert 'phase="1",target="pdu-a"} 1234.5' in await metrics(server)


async def test_healthz_and_readyz_answer(server: str) -> None:
    async with aiohttp.ClientSession() as s:
        for path in ("/healthz", "/readyz"):
            async with s.get(server + path) as r:
                assert r.status == 200


async def test_metrics_negotiates_openmetrics_and_gzip(server: str) -> None:
    await post(server, json.dumps(body()).encode())
    headers = {"Accept": "application/openmetrics-text; version=1.0.0", "Accept-Encoding": "gzip"}
    async with aiohttp.ClientSession(auto_decompress=False) as s, s.get(server + "/metrics", headers=headers) as r:
        assert r.headers["Content-Type"].startswith("application/openmetrics-text")
        assert r.headers.get("Content-Encoding") == "gzip"
        text = gzip.decompress(await r.read()).decode()
    assert text.rstrip().endswith("# EOF")
    assert "tierwatch_pdu_power_watts{" in text


async def test_the_collector_exposes_live_series_and_when_each_agent_last_delivered(server: str) -> None:
    before = time.time()
    await post(server, json.dumps(body()).encode())
    text = await metrics(server)
    assert "tierwatch_collector_live_series 1.0" in text
    assert "tierwatch_collector_expired_series_total 0.0" in text
    line = next(x for x in text.splitlines()
                if x.startswith('tierwatch_collector_agent_last_batch_timestamp_seconds{agent="row-a-01"}'))
    assert before - 1 <= float(line.split()[-1]) <= time.time() + 1
