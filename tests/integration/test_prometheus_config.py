"""Prometheus, Alertmanager and Grafana files checked by the real tools and a real Prometheus.

promtool checks the config and the rules and runs their unit tests; amtool checks Alertmanager's
config and routing; docker-compose checks the compose file. Then one real chain: a collector fed
by a real agent (this host) and by batches for simulated devices, scraped by a real Prometheus
that evaluates the shipped rules; every Grafana panel and variable query runs against it; and a
device that goes down reaches a webhook through a real Alertmanager.

For speed the rules run as shipped except that every group is evaluated each second and
TargetDown does not wait its 3 minutes; Prometheus resends firing alerts every second.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bcrypt
import pytest
import yaml
from aiohttp import web

from tests.peers.processes import ROOT, Proc, free_tcp_port, http_post, start_agent, start_collector, wait_until
from tests.peers.prometheus import DASHBOARDS, PROM_DIR, Prometheus, dashboard_queries, panels, start_prometheus, substitute

pytestmark = pytest.mark.integration

AM_CONFIG = ROOT / "config" / "alertmanager" / "alertmanager.yml"
AGENT_TOKEN = "prometheus-test-agent-token"
DEVICES_TOKEN = "prometheus-test-devices-token"
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager") or "prometheus-alertmanager"


def run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


# ---------------------------------------------------------------- tools on the files as shipped

def test_promtool_accepts_the_prometheus_config_and_all_its_rule_files() -> None:
    result = run("promtool", "check", "config", PROM_DIR / "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 rule files found" in result.stdout


def test_promtool_accepts_every_rule_file() -> None:
    files = sorted((PROM_DIR / "rules").glob("*.yml"))
    result = run("promtool", "check", "rules", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rule_unit_tests_pass() -> None:
    tests = sorted(p.relative_to(PROM_DIR) for p in (PROM_DIR / "tests").glob("*.yml"))
    result = run("promtool", "test", "rules", *tests, cwd=PROM_DIR)
    assert result.returncode == 0, result.stdout + result.stderr


def _rules() -> list[dict[str, Any]]:
    out = []
    for path in sorted((PROM_DIR / "rules").glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            out.extend(group["rules"])
    return out


BILINGUAL = ("summary", "description", "runbook")


def test_every_alert_has_a_severity_and_a_summary_description_and_runbook_in_english_and_french() -> None:
    alerts = [r for r in _rules() if "alert" in r]
    assert len(alerts) >= 25
    for rule in alerts:
        a = rule["annotations"]
        # "cause": an alert that notifies nobody and only inhibits what it explains (UpstreamDown)
        assert rule["labels"]["severity"] in ("page", "ticket", "cause"), rule["alert"]
        assert {*BILINGUAL, *(f"{k}_fr" for k in BILINGUAL)} <= set(a), rule["alert"]
        tokens = [set(re.findall(r"\{\{.*?\}\}", a[k])) for k in ("summary", "description")]
        # the French text may write a value the French way (decimal comma, "4 min 0 s"): the same
        # value once its reReplaceAll formatting is taken off
        tokens_fr = [{re.sub(r'\s*\|\s*reReplaceAll "[^"]*" "[^"]*"', "", t) for t in re.findall(r"\{\{.*?\}\}", a[f"{k}_fr"])}
                     for k in ("summary", "description")]
        assert tokens == tokens_fr, f"{rule['alert']}: the French text shows other values than the English"
        assert a["summary"] != a["summary_fr"] and a["description"] != a["description_fr"], rule["alert"]


@pytest.mark.parametrize(("key", "book"), [("runbook", "RUNBOOKS.md"), ("runbook_fr", "RUNBOOKS.fr.md")])
def test_every_runbook_link_points_at_a_section_of_the_runbooks_in_its_language(key: str, book: str) -> None:
    sections = set(re.findall(r"^## (\w+)$", (PROM_DIR / book).read_text(), re.M))
    assert sections == set(re.findall(r"^## (\w+)$", (PROM_DIR / "RUNBOOKS.md").read_text(), re.M))
    for rule in (r for r in _rules() if "alert" in r):
        path, _, anchor = rule["annotations"][key].partition("#")
        assert (ROOT / path) == PROM_DIR / book, rule["alert"]
        assert anchor in {s.lower() for s in sections}, rule["alert"]


def test_every_alert_is_exercised_by_a_rule_unit_test() -> None:
    tested = set()
    for path in (PROM_DIR / "tests").glob("*.yml"):
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                if check.get("exp_alerts"):
                    tested.add(check["alertname"])
    assert {r["alert"] for r in _rules() if "alert" in r} - tested == set()


def test_amtool_accepts_the_alertmanager_config() -> None:
    result = run("amtool", "check-config", AM_CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("labels", "receivers"), [
    (["severity=page", "alertname=TargetDown", "site=bamako-1", "room=hall-1"], "on-call,noc-queue"),
    (["severity=ticket", "alertname=InletTemperatureHigh"], "noc-queue"),
    (["alertname=SomethingUnlabelled"], "noc-queue"),
    (["severity=cause", "alertname=UpstreamDown", "target=pdu-a01-a"], "inhibit-only"),
])
def test_pages_go_to_on_call_and_the_noc_queue_and_tickets_only_to_the_noc_queue(labels: list[str],
                                                                                  receivers: str) -> None:
    result = run("amtool", "config", "routes", "test", f"--config.file={AM_CONFIG}", *labels)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == receivers


def test_docker_compose_accepts_the_compose_file() -> None:
    if shutil.which("docker-compose") is None and not os.environ.get("TIERWATCH_REQUIRE_SHARED"):
        pytest.skip("docker-compose is not installed (CI requires it)")
    result = run("docker-compose", "-f", "docker-compose.yml", "config", "-q")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", DASHBOARDS, ids=[f"{p.parent.name}-{p.stem}" for p in DASHBOARDS])
def test_a_dashboard_uses_the_datasource_variable_and_sets_units(path: Path) -> None:
    dash = json.loads(path.read_text())
    assert dash["schemaVersion"] >= 38
    assert dash["uid"].startswith("tierwatch-")
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    ids = [p["id"] for p in panels(dash)]
    assert len(ids) == len(set(ids))
    for panel in panels(dash):
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
        assert all(t["datasource"]["uid"] == "${DS_PROMETHEUS}" for t in panel["targets"]), panel["title"]
        if panel["type"] in ("timeseries", "bargauge", "stat"):
            assert panel["fieldConfig"]["defaults"].get("unit"), f"{path.name}: {panel['title']} has no unit"


def test_the_grafana_provisioning_points_at_the_dashboards_and_the_datasource_uid() -> None:
    ds = yaml.safe_load((ROOT / "dashboards/provisioning/datasources/tierwatch.yml").read_text())
    assert ds["datasources"][0]["uid"] == "tierwatch-prometheus"
    for path in DASHBOARDS:
        dash = json.loads(path.read_text())
        ds_var = next(v for v in dash["templating"]["list"] if v["name"] == "DS_PROMETHEUS")
        assert ds_var["current"]["value"] == "tierwatch-prometheus"
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    assert "./dashboards:/var/lib/grafana/dashboards/tierwatch:ro" in mounts
    provider = yaml.safe_load((ROOT / "dashboards/provisioning/dashboards/tierwatch.yml").read_text())
    paths = {p["options"]["path"] for p in provider["providers"]}
    assert paths == {"/var/lib/grafana/dashboards/tierwatch/en", "/var/lib/grafana/dashboards/tierwatch/fr"}
    for path in paths:
        assert list((ROOT / "dashboards" / Path(path).name).glob("*.json")), path
    home = compose["services"]["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert (ROOT / "dashboards" / home.removeprefix("/var/lib/grafana/dashboards/tierwatch/")).is_file()


# ---------------------------------------------------------------- a real Prometheus on a real collector

def _place(**labels: str) -> dict[str, str]:
    return {"site": "bamako-1", "room": "hall-1", **labels}


def _devices_batch(now: float) -> dict[str, Any]:
    """One poll of a small room: two PDUs of rack a01 (feed B overloaded), a Raritan, a UPS, a CRAC."""
    readings: list[tuple[str, str, dict[str, str], float]] = []
    for pdu, feed, amps in (("pdu-a01-a", "A", 12.0), ("pdu-a01-b", "B", 30.5)):
        place = _place(row="a", rack="a01", role="pdu", feed=feed, device_class="pdu")
        for phase in ("1", "2", "3"):
            readings += [
                (pdu, "tierwatch_pdu_phase_current_amperes", {**place, "phase_index": phase, "phase": phase}, amps),
                (pdu, "tierwatch_pdu_phase_voltage_volts", {**place, "phase_index": phase, "phase": phase}, 230.0),
                (pdu, "tierwatch_pdu_phase_load_status_state",
                 {**place, "phase_index": phase, "phase": phase, "state": "overload"}, 1.0 if amps > 30 else 0.0),
                (pdu, "tierwatch_pdu_phase_load_status_state",
                 {**place, "phase_index": phase, "phase": phase, "state": "normal"}, 0.0 if amps > 30 else 1.0)]
        readings += [(pdu, "tierwatch_pdu_power_watts", {**place, "device": "1"}, amps * 3 * 230),
                     (pdu, "tierwatch_pdu_outlet_power_watts", {**place, "outlet": "1", "outlet_name": "srv-1 psu"}, 400.0),
                     (pdu, "tierwatch_pdu_outlet_control_state",
                      {**place, "outlet": "1", "outlet_name": "srv-1 psu", "state": "outletOn"}, 1.0)]
    px = _place(row="a", rack="a02", role="pdu", feed="A", device_class="pdu")
    readings += [("px-a02-a", "tierwatch_pdu_inlet_current_amperes", {**px, "pdu": "1", "inlet": "1"}, 9.0),
                 ("px-a02-a", "tierwatch_environment_temperature_celsius",
                  {**px, "pdu": "1", "sensor_id": "1", "sensor": "Inlet top"}, 24.5),
                 ("px-a02-a", "tierwatch_environment_humidity_ratio",
                  {**px, "pdu": "1", "sensor_id": "2", "sensor": "Inlet humidity"}, 0.45)]
    ups = _place(room="power-1", role="ups", device_class="ups")
    probe = {**ups, "port": "1", "probe": "1", "sensor": "Battery room"}
    readings += [("ups-a", "tierwatch_ups_output_source_state", {**ups, "state": "normal"}, 1.0),
                 ("ups-a", "tierwatch_ups_output_source_state", {**ups, "state": "battery"}, 0.0),
                 ("ups-a", "tierwatch_ups_battery_charge_ratio", ups, 1.0),
                 ("ups-a", "tierwatch_ups_battery_runtime_remaining_seconds", ups, 2700.0),
                 ("ups-a", "tierwatch_ups_output_load_ratio", {**ups, "line": "1"}, 0.41),
                 ("ups-a", "tierwatch_ups_input_voltage_volts", {**ups, "line": "1"}, 229.0),
                 ("ups-a", "tierwatch_ups_output_voltage_volts", {**ups, "line": "1"}, 230.0),
                 ("ups-a", "tierwatch_environment_temperature_celsius", probe, 23.0),
                 ("ups-a", "tierwatch_environment_humidity_ratio", probe, 0.5)]
    crac = _place(role="cooling", device_class="cooling")
    readings += [("crac-1", "tierwatch_cooling_system_state", {**crac, "state": "on"}, 1.0),
                 ("crac-1", "tierwatch_cooling_general_alarm_state", {**crac, "state": "on"}, 0.0),
                 ("crac-1", "tierwatch_cooling_capacity_ratio", crac, 0.55),
                 ("crac-1", "tierwatch_cooling_fan_capacity_ratio", crac, 0.7),
                 ("crac-1", "tierwatch_cooling_supply_air_temperature_celsius", {**crac, "sensor_index": "3"}, 18.5),
                 ("crac-1", "tierwatch_cooling_return_air_temperature_celsius", {**crac, "sensor_index": "2"}, 29.0),
                 ("crac-1", "tierwatch_cooling_humidity_ratio", {**crac, "sensor_index": "1", "sensor": "supply_air"}, 0.42)]
    targets = sorted({r[0] for r in readings})
    outcomes = [{"target": t, "status": "ok", "started_at": now - 1, "duration": 0.2, "interval": 600.0,
                 "readings": sum(r[0] == t for r in readings),
                 "health": "critical" if t == "pdu-a01-b" else "ok",
                 "reason": "pdu_phase_load_status_state=overload" if t == "pdu-a01-b" else ""} for t in targets]
    return {"version": 1, "agent": "devices", "seq": 1, "sent_at": now, "interval": 600.0, "outcomes": outcomes,
            "readings": [{"target": t, "metric": m, "labels": lbl, "value": v, "ts": now} for t, m, lbl, v in readings]}


class Stack(Prometheus):
    def __init__(self, prometheus: Prometheus, alertmanager_port: int, webhook_port: int, tmp: Path) -> None:
        super().__init__(prometheus.proc, prometheus.url)
        self.alertmanager_port = alertmanager_port
        self.webhook_port = webhook_port
        self.tmp = tmp


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("prometheus-chain")
    procs: list[Proc] = []
    try:
        port = free_tcp_port()
        collector_cfg = tmp / "collector.yaml"
        collector_cfg.write_text(yaml.safe_dump({
            "listen": {"address": "127.0.0.1", "port": port}, "state_dir": str(tmp / "state"),
            "agents": {"prom-test-agent": {"token": AGENT_TOKEN}, "devices": {"token": DEVICES_TOKEN}},
            "availability": {"groups": {"rack-a01-power": {"any_of": ["pdu-a01-a", "pdu-a01-b"]}}},
            # Prometheus scrapes with the credentials its shipped scrape config names (cost 4: fast test)
            "web": {"basic_auth_users": {"prometheus": bcrypt.hashpw(b"scrape-secret", bcrypt.gensalt(4)).decode()}},
            "log": {"level": "warning", "format": "json"}}))
        (tmp / "collector.password").write_text("scrape-secret\n")
        procs.append(start_collector(collector_cfg, tmp / "collector.log", port))
        collector = f"http://127.0.0.1:{port}"

        status, answer = http_post(collector + "/api/v1/ingest", json.dumps(_devices_batch(time.time())).encode(),
                                   {"Content-Type": "application/json", "Authorization": f"Bearer {DEVICES_TOKEN}"})
        assert status == 200 and answer["accepted"] > 0, answer

        agent_cfg = tmp / "agent.yaml"
        agent_cfg.write_text(yaml.safe_dump({
            "agent": {"id": "prom-test-agent", "interval": "1s"},
            "collector": {"urls": [collector], "token": AGENT_TOKEN},
            "host": {"name": "srv-a01-1", "labels": _place(row="a", rack="a01", role="server")},
            "log": {"level": "warning", "format": "json"}}))
        procs.append(start_agent(agent_cfg, tmp / "agent.log"))

        am_port, webhook_port = free_tcp_port(), free_tcp_port()
        prom = start_prometheus(tmp, port, tmp / "collector.password", am_port)
        procs.append(prom.proc)
        stack = Stack(prom, am_port, webhook_port, tmp)
        try:
            stack.wait_ready()
            # the readings, the agent's host and the recording rules all visible in Prometheus
            wait_until(lambda: stack.vector('tierwatch:target_up:placed{target="pdu-a01-b", room="hall-1"}')
                       and stack.vector('tierwatch_host_cpus{target="srv-a01-1"}')
                       and stack.vector('tierwatch_agent_poll_lag_seconds{target="srv-a01-1"}')
                       and stack.vector("tierwatch:pdu_phase_load:ratio"), 45, interval=0.25,
                       what="the collector's series and the recording rules in prometheus")
            # every rule group evaluated at least once since the data arrived (groups run on their own phase)
            data_seen = time.time()
            wait_until(lambda: stack.groups_evaluated_since(data_seen), 30, interval=0.25,
                       what="every rule group evaluated over the data")
        except (TimeoutError, AssertionError) as exc:
            raise AssertionError(f"{exc}\n--- prometheus log:\n{prom.proc.log()}\n--- collector log:\n{procs[0].log()}\n"
                                 f"--- agent log:\n{procs[1].log()}") from None
        yield stack
    finally:
        for proc in reversed(procs):
            proc.stop()


def test_every_dashboard_query_parses_and_runs_against_prometheus(stack: Stack) -> None:
    queries = dashboard_queries()
    assert len(queries) > 80
    failures = []
    for where, expr in queries:
        answer = stack.query(substitute(expr))
        if answer["status"] != "success" or answer.get("warnings"):
            failures.append(f"{where}: {substitute(expr)}\n    {answer.get('error') or answer.get('warnings')}")
    assert failures == []


@pytest.mark.parametrize(("what", "expr", "expected"), [
    ("the overloaded PDU counts as a device down", 'count(tierwatch:target_up:placed{site=~".*", room=~".*"} == 0)', 1.0),
    ("its phase load is 30.5 A of 32 A", 'max(tierwatch:pdu_phase_load:ratio{target="pdu-a01-b"})', 30.5 / 32),
    ("the rack's two feeds would draw 42.5 A on one", 'max(rack_phase:tierwatch_pdu_failover_load:ratio{rack="a01"})', 42.5 / 32),
    ("the Raritan inlet is a phase too", 'max(tierwatch:pdu_phase_current:amperes{target="px-a02-a"})', 9.0),
    ("the UPS probe gives a dew point", 'round(max(tierwatch:inlet_dew_point:celsius{target="ups-a"}), 0.1)', 12.0),
    ("the CRAC supply air is an inlet", 'max(tierwatch:inlet_temperature:celsius{target="crac-1"})', 18.5),
    ("the real agent's host has CPUs", 'count(tierwatch_host_cpus{target="srv-a01-1", rack="a01"})', 1.0),
    ("the real agent says how late its host poll started", 'count(tierwatch_agent_poll_lag_seconds{target="srv-a01-1"})', 1.0),
    ("and how many of its slots it skipped", 'count(tierwatch_agent_polls_skipped_total{target="srv-a01-1"})', 1.0),
])
def test_the_recording_rules_compute_what_the_dashboards_show(stack: Stack, what: str, expr: str,
                                                              expected: float) -> None:
    result = stack.vector(expr)
    assert result and float(result[0]["value"][1]) == pytest.approx(expected, rel=1e-3), (what, result)


async def test_a_device_down_reaches_the_on_call_webhook_through_alertmanager(stack: Stack,
                                                                            aiohttp_server: Any) -> None:
    received: list[tuple[str, dict[str, Any]]] = []
    arrived = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        received.append((request.path, await request.json()))
        arrived.set()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/alerts/{receiver}", hook)
    webhook = await aiohttp_server(app, host="127.0.0.1", port=stack.webhook_port)

    config = yaml.safe_load(AM_CONFIG.read_text())
    for receiver in config["receivers"]:
        for hook_cfg in receiver.get("webhook_configs", ()):
            path = urllib.parse.urlsplit(hook_cfg["url"]).path
            hook_cfg["url"] = f"http://127.0.0.1:{stack.webhook_port}{path}"
    config["route"]["group_wait"] = "0s"
    for route in config["route"]["routes"]:
        route["group_wait"] = "0s"
    am_dir = stack.tmp / "alertmanager"
    am_dir.mkdir()
    (am_dir / "alertmanager.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    am = Proc([ALERTMANAGER, f"--config.file={am_dir / 'alertmanager.yml'}", f"--storage.path={am_dir / 'data'}",
               f"--web.listen-address=127.0.0.1:{stack.alertmanager_port}", "--cluster.listen-address=",
               "--log.level=warn"], am_dir / "alertmanager.log")
    try:
        def on_call() -> list[dict[str, Any]]:
            return [a for path, body in received if path == "/alerts/on-call" for a in body["alerts"]
                    if a["labels"].get("alertname") == "TargetDown"]

        deadline = time.monotonic() + 40
        while not on_call() and time.monotonic() < deadline:
            arrived.clear()
            try:
                await asyncio.wait_for(arrived.wait(), timeout=max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break
        alerts = on_call()
        assert alerts, f"no TargetDown page arrived; got {received}\n--- alertmanager log:\n{am.log()}"
        labels = alerts[0]["labels"]
        assert (labels["target"], labels["severity"], labels["room"], labels["rack"], labels["feed"]) == \
            ("pdu-a01-b", "page", "hall-1", "a01", "B")
        assert alerts[0]["annotations"]["summary"] == "pdu-a01-b is down (hall-1 a01)"
        assert alerts[0]["status"] == "firing"
    finally:
        am.stop()
        await webhook.close()
