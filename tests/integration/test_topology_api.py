"""The hall's topology in a real collector on loopback: readings ingested over HTTP, then the
failover, N-1 and dual-cord series on /metrics, the impact API and the maintenance check."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.peers.collector_app import RunningCollector
from tests.peers.ingest import TOKENS, post
from tests.peers.topology_hall import HALL_FILE, RACKS

pytestmark = pytest.mark.integration

OPERATOR = {"Authorization": "Bearer operator-token-for-tests"}


def batch(seq: int, r03_phase2: float) -> dict[str, Any]:
    now = time.time()
    outcomes, readings = [], []

    def read(target: str, metric: str, value: float, **labels: str) -> None:
        readings.append({"target": target, "metric": metric, "labels": labels, "value": value, "ts": now})

    hall = yaml.safe_load(HALL_FILE.read_text())["topology"]
    for name in [*hall["ups"], *hall["panels"], *hall["pdus"], *hall["servers"], *hall["cooling"]]:
        outcomes.append({"target": name, "status": "ok", "started_at": now - 1, "duration": 0.1,
                         "interval": 15.0, "readings": 1, "health": "ok"})
    for rack in RACKS:
        for side in "ab":
            pdu = f"pdu-{rack}-{side}"
            for phase in "123":
                amps = r03_phase2 if (pdu, phase) == ("pdu-r03-a", "2") else 5.0
                read(pdu, "tierwatch_pdu_phase_current_amperes", amps, inlet="1", phase=phase)
            read(pdu, "tierwatch_pdu_power_watts", 3000.0, pdu="1")
    read("pdu-r01-b", "tierwatch_pdu_phase_rated_current_amperes", 20.0, inlet="1", phase="1")
    for ups in ("ups-a", "ups-b"):
        read(ups, "tierwatch_ups_output_power_watts", 30_000.0, line="1")
    for supply, state in (("PSU1", "ok"), ("PSU2", "failed")):
        for word in ("ok", "failed"):
            read("srv-r02", "tierwatch_server_power_supply_state", 1.0 if word == state else 0.0,
                 supply=supply, state=word)
    return {"version": 1, "agent": "row-a-01", "seq": seq, "sent_at": now, "interval": 15.0,
            "outcomes": outcomes, "readings": readings}


@pytest.fixture
async def collector(running_collector: RunningCollector) -> AsyncIterator[str]:
    topology = yaml.safe_load(HALL_FILE.read_text())["topology"]
    async with running_collector(agents={"row-a-01": {"token": TOKENS["row-a-01"]}}, topology=topology,
                                 operators={"noc": {"token": "operator-token-for-tests"}}) as (url, _):
        status, answer = await post(url, json.dumps(batch(1, r03_phase2=14.5)).encode())
        assert status == 200, answer
        yield url


async def get(url: str, path: str, **kw: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as s, s.request("GET" if "json" not in kw else "POST", url + path, **kw) as r:
        return r.status, (await r.json() if r.content_type == "application/json" else await r.text())


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    families = {f.name: f for f in text_string_to_metric_families(text)}
    return {tuple(sorted(s.labels.items())): s.value for s in families[name].samples}


async def test_metrics_carry_failover_headroom_and_dual_cord_from_the_live_readings(collector: str) -> None:
    _, text = await get(collector, "/metrics")
    fo = samples(text, "tierwatch_rack_failover_load_ratio")
    key = (("feed", "B"), ("phase", "2"), ("rack", "r03"), ("rating_source", "config"))
    assert fo[key] == pytest.approx(19.5 / 16)
    assert fo[(("feed", "B"), ("phase", "1"), ("rack", "r01"), ("rating_source", "device"))] == pytest.approx(0.5)
    hr = samples(text, "tierwatch_capacity_after_loss_load_ratio")
    assert hr[(("load_source", "pdu_power"), ("scope", "cooling"), ("system", "hall-1"))] == pytest.approx(60 / 90)
    assert hr[(("load_source", "ups_output_power"), ("scope", "ups"), ("system", "ups-2n"))] == pytest.approx(0.6)
    dc = {dict(k)["server"]: (v, dict(k)["reason"]) for k, v in samples(text, "tierwatch_server_dual_cord_compliant").items()}
    assert dc["srv-r01"] == (1.0, "") and dc["srv-r02"] == (0.0, "PSU2: failed")
    assert dc["srv-r10"][0] == 0.0 and "both on feed B" in dc["srv-r10"][1]
    current = samples(text, "tierwatch_pdu_phase_current_amperes")
    line = next(dict(k) for k in current if dict(k)["target"] == "pdu-r03-a" and dict(k)["phase"] == "2")
    assert {k: line[k] for k in ("feed", "ups", "panel", "rack", "row", "room")} == {
        "feed": "A", "ups": "ups-a", "panel": "panel-a", "rack": "r03", "row": "a", "room": "hall-1"}
    ups = next(dict(k) for k in samples(text, "tierwatch_ups_output_power_watts") if dict(k)["target"] == "ups-a")
    assert ups["target"] == ups["ups"] == "ups-a" and ups["feed"] == "A" and "rack" not in ups
    # the collector's own per-target series carry the same place, so a rack's targets filter without a join
    up = {dict(k)["target"]: dict(k) for k in samples(text, "tierwatch_target_up")}
    assert {k: up["pdu-r03-a"][k] for k in ("agent", "feed", "ups", "panel", "rack", "row", "room")} == {
        "agent": "row-a-01", "feed": "A", "ups": "ups-a", "panel": "panel-a", "rack": "r03", "row": "a",
        "room": "hall-1"}
    status_labels = next(dict(k) for k in samples(text, "tierwatch_target_poll_status")
                         if dict(k)["target"] == "pdu-r03-a" and dict(k)["status"] == "ok")
    assert status_labels["rack"] == "r03"
    rated = {dict(k)["target"]: v for k, v in samples(text, "tierwatch_topology_pdu_rated_current_amperes").items()}
    assert rated["pdu-r03-a"] == 16.0
    info = samples(text, "tierwatch_topology_node_info")
    pdu = next(dict(k) for k in info if dict(k)["node"] == "pdu-r03-a")
    assert (pdu["feed"], pdu["ups"], pdu["rack"], pdu["room"], pdu["pdu"]) == ("A", "ups-a", "r03", "hall-1", "pdu-r03-a")


async def test_the_impact_of_ups_a_is_its_racks_losing_redundancy_nothing_down_one_breaker_over(
        collector: str) -> None:
    status, answer = await get(collector, "/api/v1/impact?fail=ups-a")
    assert status == 200
    assert sorted(g for g in answer["lose_redundancy"] if g.startswith("rack-")) == [
        f"rack-{r}-power" for r in RACKS[:9]]
    assert answer["down"] == []
    assert [(c["check"], c["path"]) for c in answer["capacity"]] == [("breaker", "pdu-r03-b")]
    status, answer = await get(collector, "/api/v1/impact?fail=ups-z")
    assert status == 400 and answer["unknown"] == ["ups-z"]
    status, page = await get(collector, "/?lang=en")
    assert status == 200 and "r03 L2" in page and "srv-r02" in page and "PSU2: failed" in page
    status, cords = await get(collector, "/api/v1/dual-cord")
    assert {s["server"] for s in cords["servers"] if not s["compliant"]} == {"srv-r02", "srv-r10"}


async def test_maintenance_that_would_overload_the_surviving_path_is_refused_naming_it(collector: str) -> None:
    status, answer = await get(collector, "/api/v1/maintenance", headers=OPERATOR,
                               json={"services": ["pdu-r03-a"], "reason": "swap the PDU"})
    assert status == 409
    assert len(answer["conflicts"]) == 1 and "surviving path pdu-r03-b (feed B)" in answer["conflicts"][0]
    status, answer = await get(collector, "/api/v1/maintenance", headers=OPERATOR,
                               json={"services": ["pdu-r04-a"], "reason": "swap the PDU"})
    assert status == 201, answer
