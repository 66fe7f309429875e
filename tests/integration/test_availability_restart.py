"""The real collector killed with SIGKILL mid-run and started again: no second lost or invented."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.peers.processes import free_tcp_port, http_get, http_post, start_collector

pytestmark = pytest.mark.integration

TOKEN = "restart-test-token-0123456789"
AGENT = "row-a-01"
TARGET = "ups-a"
INTERVAL = 1.0          # staleness = 3 × interval with the collector's default ttl_factor
HEARTBEAT = 1.0         # the availability default


class Feeder:
    """Posts one ok outcome of TARGET per call, as an agent would."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seq = 0

    def post(self) -> float:
        self.seq += 1
        now = time.time()
        body = {"version": 1, "agent": AGENT, "seq": self.seq, "sent_at": now, "interval": INTERVAL,
                "metrics": {}, "readings": [],
                "outcomes": [{"target": TARGET, "status": "ok", "started_at": now - 0.05, "duration": 0.05,
                              "interval": INTERVAL, "readings": 0, "health": "ok", "reason": ""}]}
        status, answer = http_post(self.url + "/api/v1/ingest", json.dumps(body).encode(),
                                   {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
        assert status == 200, answer
        return now

    def run(self, seconds: float) -> float:
        """Post every 0.2 s for ``seconds``; return the time of the last outcome."""
        last = self.post()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            time.sleep(0.2)
            last = self.post()
        return last


def availability(url: str) -> dict[str, Any]:
    status, body, _ = http_get(url + f"/api/v1/availability/{TARGET}")
    assert status == 200, body
    return json.loads(body)


def test_a_collector_killed_mid_run_counts_its_absence_as_unknown_and_loses_no_second(tmp_path: Path) -> None:
    port = free_tcp_port()
    url = f"http://127.0.0.1:{port}"
    config = tmp_path / "collector.yaml"
    config.write_text(f"listen: {{address: 127.0.0.1, port: {port}}}\nagents:\n  {AGENT}: {{token: {TOKEN}}}\n"
                      f"state_dir: {tmp_path / 'state'}\nlog: {{format: json}}\n")
    collector = start_collector(config, tmp_path / "collector-1.log", port)
    try:
        feeder = Feeder(url)
        first = feeder.post()
        last_before = feeder.run(2.5)
        killed_at = time.time()
        assert collector.kill() == -9
    finally:
        collector.stop()

    time.sleep(2.0)                                                # the collector stays away 2 s
    started_at = time.time()
    collector = start_collector(config, tmp_path / "collector-2.log", port)
    try:
        resumed_at = feeder.post()
        feeder.run(1.0)
        report = availability(url)
    finally:
        collector.stop()

    transitions = list(reversed(report["transitions"]))          # oldest first
    states = [(t["state"], t["reason"]) for t in transitions]
    assert states == [("ok", "ok"), ("unknown", "collector stopped"), ("ok", "ok")], states
    up_since, unknown_since, back_at = (t["at"] for t in transitions)

    # the first outcome opened the history; the gap starts at the last heartbeat before the kill
    assert up_since == pytest.approx(first, abs=0.01)
    assert last_before - HEARTBEAT - 0.5 <= unknown_since <= killed_at
    # the collector was away from the kill until it started again: all of it is unknown, none up
    assert unknown_since <= killed_at and back_at >= started_at
    assert back_at == pytest.approx(resumed_at, abs=0.01)

    window = report["windows"]["1h"]
    tracked = window["end"] - up_since
    counted = (window["up_seconds"] + window["down_seconds"] + window["unknown_seconds"]
               + window["maintenance_seconds"])
    assert counted == pytest.approx(tracked, abs=0.002)          # no second lost, none invented
    assert window["unknown_seconds"] == pytest.approx(back_at - unknown_since, abs=0.002)
    assert window["down_seconds"] == 0
    assert window["up_seconds"] == pytest.approx((unknown_since - up_since) + (window["end"] - back_at), abs=0.002)
