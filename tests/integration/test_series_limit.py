"""A collector at series.max_live answers which readings it refused and why, and counts them."""

from __future__ import annotations

import json

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families as parse_text

from tests.peers.collector_app import RunningCollector
from tests.peers.ingest import TOKENS, body, post

pytestmark = pytest.mark.integration


def outlets(seq: int, count: int, value: float) -> bytes:
    b = body(seq=seq)
    reading = b["readings"][0]
    b["readings"] = [{**reading, "metric": "tierwatch_pdu_outlet_power_watts", "labels": {"outlet": str(k)},
                      "value": value} for k in range(count)]
    b["metrics"] = {"tierwatch_pdu_outlet_power_watts": {"type": "gauge", "help": "Outlet power."}}
    return json.dumps(b).encode()


async def test_readings_beyond_max_live_are_refused_by_name_counted_and_live_series_keep_updating(
        running_collector: RunningCollector) -> None:
    agents = {name: {"token": tok} for name, tok in TOKENS.items()}
    async with running_collector(agents=agents, series={"max_live": 3}) as (url, _):
        status, answer = await post(url, outlets(1, 5, 10.0))
        assert status == 200 and answer == {"accepted": 3, "duplicate": False, "refused": {"series_limit": 2}}
        status, answer = await post(url, outlets(2, 3, 20.0))            # the same three series: all taken
        assert status == 200 and answer == {"accepted": 3, "duplicate": False}
        async with aiohttp.ClientSession() as s, s.get(url + "/metrics") as r:
            families = {f.name: f for f in parse_text(await r.text())}
    readings = {(x.labels["result"], x.labels["reason"]): x.value
                for x in families["tierwatch_collector_readings"].samples if x.name.endswith("_total")}
    assert readings[("rejected", "series_limit")] == 2 and readings[("accepted", "")] == 6
    assert families["tierwatch_collector_live_series"].samples[0].value == 3
    assert families["tierwatch_collector_live_series_limit"].samples[0].value == 3
    assert {(x.labels["outlet"], x.value) for x in families["tierwatch_pdu_outlet_power_watts"].samples} == \
        {("0", 20.0), ("1", 20.0), ("2", 20.0)}
