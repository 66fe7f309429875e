"""Root-cause suppression on a real Alertmanager with the shipped config: a UPS that is down
pages once; the PDU and rack alerts below it are inhibited by the UpstreamDown alerts the
collector's topology raises."""

from __future__ import annotations

import asyncio
import json
import shutil
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from tests.peers.processes import ROOT, Proc, free_tcp_port, http_get, http_post, wait_until

pytestmark = pytest.mark.integration

AM_CONFIG = ROOT / "config" / "alertmanager" / "alertmanager.yml"
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager") or "prometheus-alertmanager"

PAGE = {"severity": "page", "site": "bamako-1", "room": "hall-1"}
ALERTS = [
    {"alertname": "TargetDown", "target": "ups-a", "ups": "ups-a", "feed": "A", **PAGE},
    {"alertname": "TargetDown", "target": "pdu-r01-a", "ups": "ups-a", "feed": "A", "rack": "r01", **PAGE},
    {"alertname": "PduPhaseLoadCritical", "target": "pdu-r02-a", "phase": "1", "rack": "r02", **PAGE},
    {"alertname": "RedundancyLost", "group": "rack-r01-power", "state": "degraded", **PAGE},
    {"alertname": "RedundancyLost", "group": "ups-2n", "state": "degraded", **PAGE},
    {"alertname": "UpstreamDown", "severity": "cause", "target": "pdu-r01-a", "cause": "ups-a"},
    {"alertname": "UpstreamDown", "severity": "cause", "target": "pdu-r02-a", "cause": "ups-a"},
    {"alertname": "UpstreamDown", "severity": "cause", "group": "rack-r01-power", "cause": "ups-a"},
    {"alertname": "UpstreamDown", "severity": "cause", "group": "ups-2n", "cause": "ups-a"},
]


def alertmanager_config(tmp: Path, webhook_port: int) -> Path:
    """The shipped config with its webhooks on the test's port and no waiting before the first send."""
    config = yaml.safe_load(AM_CONFIG.read_text())
    for receiver in config["receivers"]:
        for hook in receiver.get("webhook_configs", ()):
            hook["url"] = f"http://127.0.0.1:{webhook_port}{urllib.parse.urlsplit(hook['url']).path}"
    config["route"]["group_wait"] = "1s"
    for route in config["route"]["routes"]:
        route["group_wait"] = "1s"
    path = tmp / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


async def test_a_ups_going_down_pages_once_and_the_pdu_and_rack_alerts_below_it_are_inhibited(
        tmp_path: Path, aiohttp_server: Any) -> None:
    received: list[tuple[str, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.path, await request.json()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/alerts/{receiver}", hook)
    webhook = await aiohttp_server(app, host="127.0.0.1", port=free_tcp_port())
    port = free_tcp_port()
    url = f"http://127.0.0.1:{port}"
    am = Proc([ALERTMANAGER, f"--config.file={alertmanager_config(tmp_path, webhook.port)}",
               f"--storage.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
               "--cluster.listen-address=", "--log.level=warn"], tmp_path / "alertmanager.log")
    try:
        await asyncio.to_thread(wait_until, lambda: http_get(url + "/-/ready")[0] == 200, 20, 0.1,
                                "alertmanager ready")
        body = json.dumps([{"labels": labels, "annotations": {"summary": labels["alertname"]}}
                           for labels in ALERTS]).encode()
        status, *_ = await asyncio.to_thread(http_post, url + "/api/v2/alerts", body,
                                             {"Content-Type": "application/json"})
        assert status == 200

        def states() -> dict[tuple[str, str], str]:
            alerts = json.loads(http_get(url + "/api/v2/alerts")[1])
            return {(a["labels"]["alertname"], a["labels"].get("target") or a["labels"].get("group")):
                    a["status"]["state"] for a in alerts}

        def settled() -> dict[tuple[str, str], str] | None:
            found = states()
            return found if len(found) == len(ALERTS) and "unprocessed" not in found.values() else None

        found = await asyncio.to_thread(wait_until, settled, 20, 0.2, "every alert processed")
        assert found[("TargetDown", "ups-a")] == "active"
        assert found[("TargetDown", "pdu-r01-a")] == "suppressed"
        assert found[("PduPhaseLoadCritical", "pdu-r02-a")] == "suppressed"
        assert found[("RedundancyLost", "rack-r01-power")] == "suppressed"
        assert found[("RedundancyLost", "ups-2n")] == "suppressed"

        def pages() -> list[dict[str, Any]]:
            return [a for path, b in received if path == "/alerts/on-call" for a in b["alerts"]]

        await asyncio.to_thread(wait_until, pages, 20, 0.2, "the page for ups-a")
        await asyncio.to_thread(wait_until, lambda: any(p == "/alerts/noc" for p, _ in received), 20, 0.2,
                                "the NOC's copy")
        assert [(a["labels"]["alertname"], a["labels"]["target"]) for a in pages()] == [("TargetDown", "ups-a")]
        noted = [a["labels"]["alertname"] for p, b in received if p == "/alerts/noc" for a in b["alerts"]]
        assert "UpstreamDown" not in noted and noted == ["TargetDown"]
    finally:
        am.stop()
        await webhook.close()
