"""A dead or slow device never delays the others: real snmpd, a real slow UDP relay, real UDP."""

from __future__ import annotations

import asyncio
import statistics
import time

import pytest

from agent.config import AgentConfig
from agent.outbox import MemoryOutbox
from agent.scheduler import Scheduler
from agent.sources.base import PollResult
from agent.sources.factory import build_sources
from agent.profiles.loader import load_profiles
from tests.peers.processes import free_udp_port
from tests.peers.snmpd import COMMUNITY
from tests.peers.udp_relay import SlowUdpRelay

pytestmark = pytest.mark.integration

INTERVAL = 1.0


class Timed:
    """Records when each poll of the wrapped source starts (what the NOC sees as cadence)."""

    def __init__(self, source) -> None:  # noqa: ANN001
        self.source = source
        self.target, self.interval, self.timeout = source.target, source.interval, source.timeout
        self.starts: list[float] = []
        self.results: list[PollResult] = []

    async def poll(self) -> PollResult:
        self.starts.append(time.monotonic())
        result = await self.source.poll()
        self.results.append(result)
        return result

    async def close(self) -> None:
        await self.source.close()


@pytest.mark.parametrize("backend", ["fast", "pysnmp"])
async def test_a_healthy_target_keeps_its_interval_beside_a_dead_and_a_slow_one(snmpd, backend) -> None:
    relay = SlowUdpRelay(("127.0.0.1", snmpd.port), delay=4.0).start()
    dead_port = free_udp_port()  # nothing listens there
    target = {"credentials": "v2", "profiles": ["host-resources"], "interval": INTERVAL, "timeout": 2.5,
              "packet_timeout": 0.5, "retries": 1}
    config = AgentConfig.model_validate({
        "host": {"enabled": False},
        "snmp": {"backend": backend},
        "credentials": {"v2": {"version": "2c", "community": COMMUNITY}},
        "targets": [
            {**target, "name": "healthy", "address": "127.0.0.1", "port": snmpd.port},
            {**target, "name": "dead", "address": "127.0.0.1", "port": dead_port},
            {**target, "name": "slow", "address": "127.0.0.1", "port": relay.port},
        ],
    })
    sources, client = build_sources(config, load_profiles())
    healthy, dead, slow = (Timed(s) for s in sources)
    sched = Scheduler([healthy, dead, slow], MemoryOutbox(), max_concurrency=8, jitter=0)
    try:
        sched.start()
        # ten starts of the healthy target give nine gaps from its second poll on; by then the dead and
        # the slow target have each timed out more than once (2.5 s each), so they really ran beside it
        async with asyncio.timeout(40):
            while len(healthy.results) < 10 or len(dead.results) < 2 or len(slow.results) < 2:
                await asyncio.sleep(0.05)
        await sched.stop()
    finally:
        await client.close()
        relay.stop()

    assert [r.status for r in healthy.results[1:]] == ["ok"] * (len(healthy.results) - 1)
    assert dead.results and all(r.status == "timeout" for r in dead.results)
    assert slow.results and all(r.status == "timeout" for r in slow.results)
    assert relay.forwarded > 0  # the slow device was really asked
    # from the second poll on: the first one also starts the SNMP engine and detects nothing yet,
    # and on a loaded machine it may overrun its slot (the scheduler then counts a skipped slot)
    gaps = [b - a for a, b in zip(healthy.starts[1:], healthy.starts[2:])]
    assert len(gaps) >= 8
    print(f"healthy gaps: mean={statistics.mean(gaps):.4f}s min={min(gaps):.4f}s max={max(gaps):.4f}s")
    # a healthy poll held up by the dead or the slow one would wait at least its 2.5 s timeout: a gap
    # under 1.5 intervals can only come from a schedule that ignored them (the margin absorbs a busy CI)
    assert abs(statistics.mean(gaps) - INTERVAL) <= 0.1 * INTERVAL
    assert all(0.5 * INTERVAL <= g <= 1.5 * INTERVAL for g in gaps), gaps
