"""The fast path end to end: a UPS polled every 60 s sends upsTrapOnBattery (net-snmp's
snmptrap), the agent polls it at once and the real collector on loopback places the change at
the trap's receive time, not at the next poll 60 s later."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import aiohttp
import pytest

from agent.config import AgentConfig
from agent.runtime import run_agent
from tests.peers.processes import free_udp_port
from tests.peers.snmpsim import RESPONDER, SnmpsimPeer

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("snmptrap") is None, reason="Debian package snmp is not installed"),
              pytest.mark.skipif(not RESPONDER.exists(), reason="snmpsim is not installed (scripts/setup.sh)")]

DATA = Path(__file__).resolve().parents[1] / "data" / "traps"  # our own recording; upsOutputSource writable
TOKEN = "trap-fast-path-token-0123456789"
UPS_OUTPUT_SOURCE = "1.3.6.1.2.1.33.1.4.1.0"  # UPS-MIB::upsOutputSource.0 (3 normal, 5 battery)
UPS_TRAP_ON_BATTERY = "1.3.6.1.2.1.33.2.1"  # UPS-MIB::upsTrapOnBattery
UPS_SECONDS_ON_BATTERY = "1.3.6.1.2.1.33.1.2.2.0"  # UPS-MIB::upsSecondsOnBattery.0


@pytest.fixture(scope="module")
def ups_peer():
    peer = SnmpsimPeer(data_dir=DATA, ready_community="ups-trap").start(ready_timeout=30)
    try:
        yield peer
    finally:
        peer.stop()


async def net_snmp(*argv: str) -> None:
    env = dict(os.environ, MIBS="")
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT, env=env)
    out, _ = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, out.decode(errors="replace")


async def service(session: aiohttp.ClientSession, url: str, name: str) -> dict | None:
    async with session.get(f"{url}/api/v1/availability/{name}") as resp:
        return await resp.json() if resp.status == 200 else None


async def wait_state(session: aiohttp.ClientSession, url: str, name: str, state: str, within: float) -> dict:
    """The service once its state is `state`; fails after `within` seconds."""
    async with asyncio.timeout(within):
        while True:
            got = await service(session, url, name)
            if got is not None and got["state"] == state:
                return got
            await asyncio.sleep(0.02)


async def test_ups_on_battery_trap_changes_the_collectors_state_within_two_seconds_at_the_traps_time(
        ups_peer, running_collector, tmp_path):
    """On battery the load is still carried, so the ups-mib profile's health rule calls
    upsOutputSource = battery *degraded* (not down: the load is powered, it has lost its
    protection). The degraded time must start at the trap's receive time: the target's next
    scheduled poll is 60 s away, so a state change in two seconds can only come from the trap."""
    trap_port = free_udp_port()
    async with running_collector(agents={"edge": {"token": TOKEN}}) as (url, _app):
        config = AgentConfig.model_validate({
            "agent": {"id": "edge", "interval": 60},
            "host": {"enabled": False},
            "collector": {"urls": [url], "token": TOKEN},
            "credentials": {"ups": {"version": "2c", "community": "ups-trap"}},
            "targets": [{"name": "ups-1", "address": "127.0.0.1", "port": ups_peer.port, "credentials": "ups",
                         "profiles": ["ups-mib"], "interval": 60}],
            "scheduler": {"jitter": 0},
            "spool": {"path": str(tmp_path / "spool"), "fsync": "never"},
            "traps": {"listen": f"127.0.0.1:{trap_port}"},
        })
        stop = asyncio.Event()
        agent = asyncio.create_task(run_agent(config, stop=stop, drain_seconds=1))
        try:
            async with aiohttp.ClientSession() as session:
                first = await wait_state(session, url, "ups-1", "ok", within=30)  # the first scheduled poll
                await net_snmp("snmpset", "-v2c", "-c", "ups-trap", f"127.0.0.1:{ups_peer.port}",
                               UPS_OUTPUT_SOURCE, "i", "5")
                sent = time.time()
                await net_snmp("snmptrap", "-v2c", "-c", "ups-trap", f"127.0.0.1:{trap_port}", "",
                               UPS_TRAP_ON_BATTERY, UPS_SECONDS_ON_BATTERY, "i", "1")
                got = await wait_state(session, url, "ups-1", "degraded", within=2)
                changed = time.time()
        finally:
            stop.set()
            await agent
    degraded = [t for t in got["transitions"] if t["state"] == "degraded"]
    assert len(degraded) == 1
    at = degraded[0]["at"]
    assert sent <= at <= changed, (sent, at, changed)  # at the trap's receive time, before the collector knew
    assert at < first["since"] + 60  # long before the next scheduled poll
    assert "trap upsTrapOnBattery" in degraded[0]["reason"]
