"""Readings survive a collector outage in the agent's spool and are applied once, in order, afterwards."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from tests.peers.collector_app import RunningCollector
from tests.peers.ingest import TOKENS, body, post
from tests.peers.delivery_audit import applied_count, audit, out_of_order, produced_keys
from tests.peers.processes import free_tcp_port, stable_tcp_port, start_agent, start_collector, wait_until
from tests.peers.scaleout import collector_config

pytestmark = pytest.mark.integration

TOKEN = "outage-test-token-0123456789"
INTERVAL = 0.5


def test_every_reading_spooled_while_the_collector_was_down_is_applied_in_order_when_it_returns(
        tmp_path: Path) -> None:
    port = free_tcp_port()
    ledger = tmp_path / "state" / "ledger.sqlite"
    spool = tmp_path / "agent.spool"
    (tmp_path / "collector.yaml").write_text(
        f"listen: {{address: 127.0.0.1, port: {port}}}\nagents:\n  edge-1: {{token: {TOKEN}}}\n"
        f"state_dir: {tmp_path / 'state'}\ningest: {{journal_applied: true}}\nlog: {{format: json}}\n")
    (tmp_path / "agent.yaml").write_text(
        f"agent: {{id: edge-1, interval: {INTERVAL}}}\n"
        f"collector: {{urls: ['http://127.0.0.1:{port}'], token: {TOKEN}, backoff_initial: 0.2s, backoff_max: 1s}}\n"
        f"host: {{name: edge-1-host}}\nspool: {{path: {spool}, journal_produced: true}}\nlog: {{format: json}}\n")
    collector = start_collector(tmp_path / "collector.yaml", tmp_path / "collector.log", port)
    agent = start_agent(tmp_path / "agent.yaml", tmp_path / "agent.log")
    try:
        wait_until(lambda: ledger.exists() and applied_count(ledger, "edge-1") > 0, 20, what="first batch applied")
        collector.stop()
        down_from = time.time()
        time.sleep(8 * INTERVAL)
        down_to = time.time()
        spooled = sum(produced_keys(spool, "edge-1")[0].values()) - applied_count(ledger, "edge-1")
        assert spooled > 0
        collector = start_collector(tmp_path / "collector.yaml", tmp_path / "collector.log", port)
        wait_until(lambda: sum(produced_keys(spool, "edge-1")[0].values()) - applied_count(ledger, "edge-1") < 400,
                   20, what="the spool to drain")
    finally:
        agent.stop()
        collector.stop()

    result = audit({"edge-1": spool}, ledger)
    assert (result.lost, result.duplicated, result.dropped, result.unsent) == (0, 0, 0, 0), result
    assert out_of_order(ledger, "edge-1") == []
    with sqlite3.connect(ledger) as db:
        polls_in_outage = db.execute("SELECT COUNT(*) FROM journal WHERE kind='outcome' AND ts BETWEEN ? AND ?",
                                     (down_from, down_to)).fetchone()[0]
    assert polls_in_outage >= 6  # about 8 intervals of the host's polls, none missing


async def test_a_replay_after_a_collector_restart_is_acknowledged_as_duplicate_and_not_applied(
        running_collector: RunningCollector) -> None:
    payload = json.dumps(body(seq=77)).encode()
    agents = {name: {"token": tok} for name, tok in TOKENS.items()}
    async with running_collector(agents=agents) as (url, _):
        assert await post(url, payload) == (200, {"accepted": 1, "duplicate": False})
    async with running_collector(agents=agents) as (url, app):
        assert await post(url, payload) == (200, {"accepted": 0, "duplicate": True})
        from collector.app import STORE_KEY

        assert app[STORE_KEY].live_series == 0  # nothing applied by the replay
        assert (await post(url, json.dumps(body(seq=78)).encode()))[1]["duplicate"] is False


def test_a_fan_out_agent_killed_and_restarted_gives_the_late_collector_everything_and_the_other_no_replays(
        tmp_path: Path) -> None:
    """Real processes: the agent fans out to `a` (up) and `b` (not started yet), is SIGKILLed, and
    starts again once `b` is up. `b` must get every spooled batch, and `a` must not be sent again
    what it had acknowledged: at most the one batch whose acknowledgement the kill may have cut."""
    ports = {r: stable_tcp_port() for r in ("a", "b")}
    configs = {r: collector_config(tmp_path, r, p, {"edge-ha": TOKEN}, ingest={"journal_applied": True})
               for r, p in ports.items()}
    ledgers = {r: tmp_path / f"state-{r}" / "ledger.sqlite" for r in ports}
    spool = tmp_path / "agent.spool"
    urls = [f"http://127.0.0.1:{p}" for p in ports.values()]
    (tmp_path / "agent.yaml").write_text(
        f"agent: {{id: edge-ha, interval: {INTERVAL}}}\n"
        f"collector: {{urls: {urls}, token: {TOKEN}, fan_out: true, backoff_initial: 0.2s, backoff_max: 0.5s}}\n"
        f"host: {{name: edge-ha-host}}\nspool: {{path: {spool}, journal_produced: true}}\nlog: {{format: json}}\n")
    collectors = {"a": start_collector(configs["a"], tmp_path / "collector-a.log", ports["a"], "collector a")}
    agent = start_agent(tmp_path / "agent.yaml", tmp_path / "agent.log")
    try:
        wait_until(lambda: ledgers["a"].exists() and applied_count(ledgers["a"], "edge-ha") > 400, 30,
                   what="a few batches applied by a")
        agent.kill()
        collectors["b"] = start_collector(configs["b"], tmp_path / "collector-b.log", ports["b"], "collector b")
        owed = applied_count(ledgers["a"], "edge-ha")
        agent = start_agent(tmp_path / "agent.yaml", tmp_path / "agent.log")
        wait_until(lambda: ledgers["b"].exists() and applied_count(ledgers["b"], "edge-ha") >= owed, 30,
                   what="b to receive what it missed")
    finally:
        agent.stop()
        for proc in collectors.values():
            proc.stop()
    for ledger in ledgers.values():
        result = audit({"edge-ha": spool}, ledger)
        assert (result.lost, result.duplicated) == (0, 0), result
    replays = (tmp_path / "collector-a.log").read_text().count('"event": "batch_duplicate"')
    assert replays <= 1
