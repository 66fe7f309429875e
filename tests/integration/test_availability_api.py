"""The availability and maintenance API on a real aiohttp server on loopback."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from collector.availability.settings import AvailabilitySettings
from collector.availability.web import ENGINE_KEY, setup_availability
from tests.peers.collector_app import base_url

pytestmark = pytest.mark.integration

OPERATORS = {"token-alice": "alice"}
AUTH = {"Authorization": "Bearer token-alice"}
GROUPS = {"rack-power": {"any_of": ["pdu-a", "pdu-b"]},
          "hall-cooling": {"at_least": 3, "of": ["crac-1", "crac-2", "crac-3", "crac-4"]}}


def authenticate(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return OPERATORS.get(token) if scheme == "Bearer" else None


class Server:
    def __init__(self, url: str, app: web.Application, registry: CollectorRegistry) -> None:
        self.url, self.app, self.registry = url, app, registry

    def observe(self, target: str, status: str = "ok", health: str = "ok") -> None:
        self.app[ENGINE_KEY].observe(target, time.time(), status, health, "", 3600)

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        async with aiohttp.ClientSession() as s, s.request(method, self.url + path, **kwargs) as r:
            return r.status, (await r.json() if r.content_type == "application/json" else await r.text())


@pytest.fixture
async def server(tmp_path: Path, aiohttp_server: Any) -> AsyncIterator[Server]:
    registry = CollectorRegistry(auto_describe=False)
    app = web.Application()
    setup_availability(app, AvailabilitySettings.model_validate({"groups": GROUPS}),
                       db_path=str(tmp_path / "availability.sqlite"), authenticate=authenticate, registry=registry)
    served = await aiohttp_server(app, host="127.0.0.1")
    srv = Server(base_url(served), app, registry)
    for name in ("pdu-a", "pdu-b", "crac-1", "crac-2", "crac-3", "crac-4"):
        srv.observe(name)
    yield srv


async def test_every_service_is_listed_with_every_window(server: Server) -> None:
    status, body = await server.call("GET", "/api/v1/availability")
    assert status == 200
    assert set(body["services"]) == {"pdu-a", "pdu-b", "crac-1", "crac-2", "crac-3", "crac-4",
                                     "rack-power", "hall-cooling"}
    windows = body["services"]["pdu-a"]["windows"]
    assert list(windows) == ["1h", "1d", "7d", "30d", "365d", "month", "year"]
    assert windows["30d"]["error_budget_allowed_seconds"] == pytest.approx(466.56)
    assert windows["1h"]["availability_ratio"] == 1.0


async def test_one_service_shows_its_state_windows_and_last_transitions(server: Server) -> None:
    server.observe("pdu-a", "timeout", "unknown")
    status, body = await server.call("GET", "/api/v1/availability/pdu-a")
    assert status == 200
    assert body["state"] == "down"
    assert [t["state"] for t in body["transitions"]][:2] == ["down", "ok"]
    status, group = await server.call("GET", "/api/v1/availability/rack-power")
    assert group["state"] == "degraded" and group["rule"] == "any_of [pdu-a, pdu-b]"
    status, _ = await server.call("GET", "/api/v1/availability/nope")
    assert status == 404


async def test_maintenance_needs_an_operator(server: Server) -> None:
    body = {"services": ["pdu-a"], "reason": "breaker swap"}
    status, answer = await server.call("POST", "/api/v1/maintenance", json=body)
    assert status == 401
    status, _ = await server.call("POST", "/api/v1/maintenance", json=body,
                                  headers={"Authorization": "Bearer wrong"})
    assert status == 401


async def test_maintenance_on_a_while_b_is_down_is_refused_with_409_and_the_reason(server: Server) -> None:
    server.observe("pdu-b", "timeout", "unknown")
    status, answer = await server.call("POST", "/api/v1/maintenance", headers=AUTH,
                                       json={"services": ["pdu-a"], "reason": "breaker swap"})
    assert status == 409
    assert "force" in answer["error"]
    assert "rack-power" in answer["conflicts"][0] and "pdu-b: down" in answer["conflicts"][0]
    status, listing = await server.call("GET", "/api/v1/maintenance")
    assert listing["maintenance"] == []


async def test_forced_maintenance_is_accepted_and_recorded_as_forced_with_its_author(server: Server) -> None:
    server.observe("pdu-b", "timeout", "unknown")
    status, window = await server.call("POST", "/api/v1/maintenance", headers=AUTH,
                                       json={"services": ["pdu-a"], "reason": "emergency", "force": True})
    assert status == 201
    assert window["forced"] is True and window["author"] == "alice" and window["status"] == "active"
    assert window["conflicts"]


async def test_maintenance_can_be_listed_ended_and_a_scheduled_one_deleted(server: Server) -> None:
    status, active = await server.call("POST", "/api/v1/maintenance", headers=AUTH,
                                       json={"services": ["crac-2"], "reason": "filters"})
    assert status == 201 and active["forced"] is False
    later = time.time() + 86400
    status, scheduled = await server.call("POST", "/api/v1/maintenance", headers=AUTH,
                                          json={"services": ["pdu-b"], "reason": "firmware",
                                                "start": later, "end": later + 3600})
    assert status == 201 and scheduled["status"] == "scheduled"
    _, listing = await server.call("GET", "/api/v1/maintenance")
    assert [w["id"] for w in listing["maintenance"]] == [active["id"], scheduled["id"]]

    status, _ = await server.call("DELETE", f"/api/v1/maintenance/{active['id']}", headers=AUTH)
    assert status == 409                                  # started: it can only be ended
    status, ended = await server.call("POST", f"/api/v1/maintenance/{active['id']}/end", headers=AUTH)
    assert status == 200 and ended["status"] == "ended" and ended["ended_by"] == "alice"
    status, _ = await server.call("DELETE", f"/api/v1/maintenance/{scheduled['id']}", headers=AUTH)
    assert status == 204
    status, _ = await server.call("POST", "/api/v1/maintenance/mw-nope/end", headers=AUTH)
    assert status == 404


async def test_each_refusal_of_the_engine_answers_its_own_code_with_the_sentence_that_says_why(
        server: Server) -> None:
    status, answer = await server.call("POST", "/api/v1/maintenance", headers=AUTH,
                                       json={"services": ["pdu-a", "pdu-z"], "reason": "x"})
    assert (status, answer) == (404, {"error": "unknown service(s): pdu-z", "conflicts": []})
    status, answer = await server.call("POST", "/api/v1/maintenance/mw-nope/end", headers=AUTH)
    assert (status, answer) == (404, {"error": "no maintenance with id 'mw-nope'"})
    status, answer = await server.call("DELETE", "/api/v1/maintenance/mw-nope", headers=AUTH)
    assert (status, answer) == (404, {"error": "no maintenance with id 'mw-nope'"})
    later = time.time() + 86400
    _, scheduled = await server.call("POST", "/api/v1/maintenance", headers=AUTH,
                                     json={"services": ["pdu-b"], "reason": "firmware", "start": later})
    status, answer = await server.call("POST", f"/api/v1/maintenance/{scheduled['id']}/end", headers=AUTH)
    assert (status, answer) == (409, {"error": "this maintenance has not started; delete it instead"})
    _, active = await server.call("POST", "/api/v1/maintenance", headers=AUTH,
                                  json={"services": ["crac-1"], "reason": "filters"})
    status, answer = await server.call("DELETE", f"/api/v1/maintenance/{active['id']}", headers=AUTH)
    assert (status, answer) == (409, {"error": "this maintenance has started and shaped recorded time; "
                                               "end it instead"})
    await server.call("POST", f"/api/v1/maintenance/{active['id']}/end", headers=AUTH)
    status, answer = await server.call("POST", f"/api/v1/maintenance/{active['id']}/end", headers=AUTH)
    assert (status, answer) == (409, {"error": "this maintenance has already ended"})
    status, answer = await server.call("POST", "/api/v1/maintenance", headers=AUTH, json=["pdu-a"])
    assert (status, answer) == (400, {"error": "the body must be a JSON object", "conflicts": []})


async def test_the_json_api_and_metrics_name_every_service_s_state_with_the_same_word(server: Server) -> None:
    server.observe("crac-4", "ok", "degraded")
    status, _ = await server.call("POST", "/api/v1/maintenance", headers=AUTH,
                                  json={"services": ["pdu-a"], "reason": "controller swap"})
    assert status == 201
    server.observe("pdu-b", "timeout", "unknown")         # the group is down because pdu-a is worked on
    _, body = await server.call("GET", "/api/v1/availability")
    in_json = {name: svc["state"] for name, svc in body["services"].items()}
    families = {f.name: f for f in text_string_to_metric_families(generate_latest(server.registry).decode())}
    on_metrics = {s.labels["service"]: s.labels["state"] for s in families["tierwatch_service_state"].samples
                  if s.value == 1}
    assert in_json == on_metrics
    assert in_json["pdu-a"] == "maintenance" and in_json["rack-power"] == "maintenance"
    assert in_json["pdu-b"] == "down" and in_json["crac-4"] == "degraded" and in_json["crac-1"] == "ok"
    assert in_json["hall-cooling"] == "ok"             # crac-4's health is a warning, not lost redundancy
    assert body["services"]["hall-cooling"]["warning"].startswith("crac-4: ")
    groups = {s.labels["group"]: s.labels["state"] for s in families["tierwatch_group_state"].samples if s.value == 1}
    assert groups == {"rack-power": "down", "hall-cooling": "ok"}
    warned = {s.labels["group"]: s.value for s in families["tierwatch_group_member_warning"].samples}
    assert warned == {"rack-power": 0.0, "hall-cooling": 1.0}


async def test_an_invalid_maintenance_request_gets_a_400_that_says_what_is_wrong(server: Server) -> None:
    status, answer = await server.call("POST", "/api/v1/maintenance", headers=AUTH,
                                       json={"services": ["pdu-a"], "reson": "typo"})
    assert status == 400 and "reson" in answer["error"]
    status, answer = await server.call("POST", "/api/v1/maintenance", headers=AUTH,
                                       json={"services": ["pdu-a"], "reason": "x", "start": "2020-01-01T00:00"})
    assert status == 400 and "past" in answer["error"]


async def test_metrics_expose_states_counters_and_window_figures_and_pass_promtool(server: Server) -> None:
    server.observe("pdu-a", "timeout", "unknown")
    text = generate_latest(server.registry).decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    state = {(s.labels["service"], s.labels["state"]): s.value for s in families["tierwatch_service_state"].samples}
    assert state[("pdu-a", "down")] == 1 and state[("pdu-a", "ok")] == 0
    group = {(s.labels["group"], s.labels["state"]): s.value for s in families["tierwatch_group_state"].samples}
    assert group[("rack-power", "degraded")] == 1
    assert "tierwatch_service_up_seconds" in families                         # exposed as ..._total
    assert any(line.startswith("tierwatch_service_up_seconds_total{") for line in text.splitlines())
    budget = [s for s in families["tierwatch_service_error_budget_allowed_seconds"].samples
              if s.labels == {"service": "pdu-b", "window": "30d"}]
    assert budget[0].value == pytest.approx(466.56)

    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus) is required: `make test` installs it"
    check = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
