"""A collector killed (SIGKILL) right after it acknowledged a batch still has that batch's
availability when it comes back: the ledger never says "applied" before the availability store
holds the batch's outcomes (before, the outcomes waited up to a heartbeat in memory, the ledger
already had the seq, and the agent's replay was refused as a duplicate: the history was lost)."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import pytest

from tests.peers.ingest import TOKENS, body
from tests.peers.processes import free_tcp_port, http_get, http_post, start_collector

pytestmark = pytest.mark.integration


def test_a_batch_acknowledged_just_before_a_kill_is_in_the_history_after_the_restart(tmp_path: Path) -> None:
    port = free_tcp_port()
    config = tmp_path / "collector.yaml"
    # a slow heartbeat: nothing but the ingest path itself may write the batch's availability
    config.write_text(f"listen: {{address: 127.0.0.1, port: {port}}}\nagents:\n  row-a-01: {{token: {TOKENS['row-a-01']}}}\n"
                      f"state_dir: {tmp_path / 'state'}\navailability: {{heartbeat_interval: 60}}\n")
    url = f"http://127.0.0.1:{port}"
    at = time.time() - 5
    payload = body(seq=41, outcomes=[
        {"target": "ups-a", "status": "ok", "started_at": at, "duration": 0.0, "interval": 15.0, "readings": 1,
         "health": "ok"},
        {"target": "pdu-r01-a", "status": "timeout", "started_at": at, "duration": 0.0, "interval": 15.0,
         "readings": 0, "health": "unknown"}])
    headers = {"Authorization": f"Bearer {TOKENS['row-a-01']}", "Content-Type": "application/json"}
    collector = start_collector(config, tmp_path / "collector.log", port)
    try:
        status, answer = http_post(url + "/api/v1/ingest", json.dumps(payload).encode(), headers)
        assert status == 200 and answer.get("duplicate") is False, (status, answer)
    finally:
        collector.stop(signal.SIGKILL)

    collector = start_collector(config, tmp_path / "collector-2.log", port)
    try:
        services = json.loads(http_get(url + "/api/v1/availability")[1])["services"]
        assert {"ups-a", "pdu-r01-a"} <= set(services), sorted(services)
        down = services["pdu-r01-a"]["windows"]["30d"]["down_seconds"]
        assert down > 0                       # its down time since the outcome, not unknown
        again = http_post(url + "/api/v1/ingest", json.dumps(payload).encode(), headers)
        assert again == (200, {"accepted": 0, "duplicate": True})    # and the seq is still known
    finally:
        collector.stop()


async def test_a_second_copy_of_a_batch_still_being_written_is_told_to_retry_not_that_it_is_a_duplicate(
        running_collector) -> None:  # noqa: ANN001
    """Answering "duplicate" would let the agent drop the batch while its first copy could still
    be lost with the process; 503 keeps it in the agent's spool until the first copy is recorded."""
    from collector.app import INGEST_KEY
    from tests.peers.ingest import post

    async with running_collector(agents={"row-a-01": {"token": TOKENS["row-a-01"]}}) as (url, app):
        ctx = app[INGEST_KEY]
        written, release = ctx.persist, asyncio.Event()

        async def slow_write() -> None:          # the store's write, held until the test lets it go
            await release.wait()
            await written()
        ctx.persist = slow_write
        payload = json.dumps(body(seq=7)).encode()
        first = asyncio.create_task(post(url, payload))
        async with asyncio.timeout(10):
            while not ctx.pending:
                await asyncio.sleep(0.01)
        status, answer = await post(url, payload)
        assert status == 503 and answer["error"] == "in_progress", answer
        release.set()
        assert await first == (200, {"accepted": 1, "duplicate": False})
        assert await post(url, payload) == (200, {"accepted": 0, "duplicate": True})
