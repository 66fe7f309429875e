"""An agent whose clock is far behind the collector's: offset measured, exported, warned; no flapping.

Pins the defect "clock skew flaps state": an agent more than the staleness behind used to make its
targets flip unknown -> up at every poll.
"""

from __future__ import annotations

import asyncio
import json
import re
import time

import aiohttp
import pytest

from tests.peers.collector_app import RunningCollector
from tests.peers.ingest import TOKENS, body, post

pytestmark = pytest.mark.integration

BEHIND = 120.0       # the agent's clock, seconds behind the collector's
INTERVAL = 0.2       # staleness 3 x 0.2 s: far less than the skew


async def metric(url: str, pattern: str) -> float:
    async with aiohttp.ClientSession() as s, s.get(url + "/metrics") as r:
        text = await r.text()
    found = re.search(pattern + r" (\S+)$", text, re.M)
    assert found is not None, pattern
    return float(found.group(1))


async def test_a_target_polled_by_an_agent_minutes_behind_stays_up_and_the_offset_is_exported(
        running_collector: RunningCollector) -> None:
    agents = {name: {"token": tok} for name, tok in TOKENS.items()}
    async with running_collector(agents=agents, availability={"heartbeat_interval": 0.05}) as (url, _):
        for seq in range(1, 9):
            agent_now = time.time() - BEHIND
            outcome = {"target": "pdu-a", "status": "ok", "started_at": agent_now - 0.01, "duration": 0.01,
                       "interval": INTERVAL, "readings": 0, "health": "ok"}
            status, _ = await post(url, json.dumps(body(seq=seq, sent_at=agent_now, interval=INTERVAL,
                                                        outcomes=[outcome], readings=[])).encode())
            assert status == 200
            await asyncio.sleep(INTERVAL)        # the agent's poll interval
        unknown = await metric(url, r'tierwatch_service_unknown_seconds_total\{service="pdu-a"\}')
        state = await metric(url, r'tierwatch_service_state\{service="pdu-a",state="ok"\}')
        assert unknown == 0 and state == 1
        offset = await metric(url, r'tierwatch_collector_agent_clock_offset_seconds\{agent="row-a-01"\}')
        assert BEHIND - 1 < offset < BEHIND + 1
