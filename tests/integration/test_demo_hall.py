"""The demo hall as a NOC sees it: `tierwatch-demo up` on a small, time-scaled hall, every scenario
triggered through the CLI, and the collector's states, groups and availability checked."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.peers.processes import ROOT, Proc, free_tcp_port, http_get, http_post, wait_until
from tierwatch_demo.derive import groups, operator_token
from tierwatch_demo.mibs import hall_devices
from tierwatch_demo.model import HallModel
from tierwatch_demo.spec import load_hall

pytestmark = pytest.mark.integration

HALL = ROOT / "tests" / "data" / "demo-hall-small.yaml"
DEMO = [sys.executable, "-m", "tierwatch_demo.cli"]
SAMPLE = re.compile(r'^(?P<name>[a-z_]+)\{(?P<labels>[^}]*)\} (?P<value>\S+)$')


class Demo:
    def __init__(self, proc: Proc, url: str, workdir: Path) -> None:
        self.proc, self.url, self.workdir = proc, url, workdir

    def services(self) -> dict[str, dict]:
        return json.loads(http_get(self.url + "/api/v1/availability")[1])["services"]

    def states(self) -> dict[str, str]:
        return {name: s["state"] for name, s in self.services().items()}

    def samples(self, metric: str, key: str = "target", **labels: str) -> dict[str, float]:
        """{value of label `key`: sample value} of `metric` whose labels include `labels`."""
        out = {}
        for line in http_get(self.url + "/metrics")[1].decode().splitlines():
            m = SAMPLE.match(line)
            if not m or m["name"] != metric:
                continue
            have = dict(re.findall(r'(\w+)="([^"]*)"', m["labels"]))
            if all(have.get(k) == v for k, v in labels.items()):
                out[have.get(key, "")] = float(m["value"])
        return out

    def cli(self, *args: str) -> str:
        done = subprocess.run([*DEMO, *args, "--workdir", str(self.workdir)], capture_output=True, text=True,
                              timeout=30, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def wait(self, check, what: str, timeout: float = 40.0):  # noqa: ANN001, ANN201
        try:
            return wait_until(check, timeout, interval=0.5, what=what)
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\nstates: {self.states()}") from None

    def all_well(self) -> bool:
        return all(s in ("up", "ok") for s in self.states().values())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    workdir = tmp_path_factory.mktemp("demo-hall")
    port = free_tcp_port()
    proc = Proc([*DEMO, "up", "--hall", str(HALL), "--workdir", str(workdir), "--port", str(port),
                 "--no-summary"], workdir / "up.log")
    d = Demo(proc, f"http://127.0.0.1:{port}", workdir)
    try:
        # every device and group of the hall, not merely many: agents spread their first polls over
        # an interval, so a count could be reached before the last device has reported
        spec = load_hall(HALL)
        expected = {*hall_devices(HallModel(spec)), *groups(spec)}
        d.wait(lambda: expected <= set(d.services()) and d.all_well(), "every service of the small hall up",
               timeout=50)
        yield d
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{proc.log()[-3000:]}") from None
    finally:
        code = proc.stop(signal.SIGINT, timeout=20)
        assert code == 0, proc.log()[-3000:]


def test_the_hall_comes_up_with_its_pdus_ups_cooling_probes_host_and_groups(demo: Demo):
    states = demo.states()
    assert sum(1 for n in states if n.startswith("pdu-")) == 8
    assert {"ups-a", "ups-b", "crac-1", "crac-4", "probe-a01", "probe-b01", "srv-a01", "ups-2n",
            "hall-t-cooling", "hall-t-power", "hall-t", "rack-a01-power", "rack-b01-power"} <= set(states)
    groups = {k for k, v in demo.services().items() if v["kind"] == "group"}
    assert demo.samples("tierwatch_group_state", key="group", state="ok") == {g: 1.0 for g in groups}
    ratios = demo.samples("tierwatch_service_availability_ratio", key="service", window="30d")
    assert groups <= set(ratios)
    energy = demo.samples("tierwatch_pdu_energy_joules_total")
    demo.wait(lambda: any(v > energy[t] for t, v in demo.samples("tierwatch_pdu_energy_joules_total").items()),
              "energy counters growing")


def test_one_pdu_of_a_pair_down_leaves_rack_power_degraded_not_down(demo: Demo):
    out = demo.cli("scenario", "pdu-silent")
    pdu = out.split()[-1]
    rack = f"rack-{pdu.split('-')[1]}-power"
    demo.wait(lambda: demo.states()[pdu] == "down", f"{pdu} down")
    states = demo.states()
    assert states[rack] == "degraded" and states["hall-t"] == "degraded"
    assert "timeout" in demo.services()[pdu]["reason"].lower()
    demo.cli("restore")
    demo.wait(demo.all_well, "everything back after restore")


def test_a_phase_overload_takes_that_pdu_down_and_its_rack_stays_powered(demo: Demo):
    pdu = demo.cli("scenario", "phase-overload").split()[-1]
    rack = f"rack-{pdu.split('-')[1]}-power"
    demo.wait(lambda: demo.states()[pdu] == "down", f"{pdu} down on overload")
    assert "overload" in demo.services()[pdu]["reason"]
    assert demo.states()[rack] == "degraded"
    current = demo.samples("tierwatch_pdu_phase_current_amperes", target=pdu, phase="2")
    assert current and list(current.values())[0] > 16.0
    demo.cli("restore")
    demo.wait(demo.all_well, "everything back after restore")


def test_a_crac_failure_degrades_cooling_and_its_zone_warms(demo: Demo):
    unit = demo.cli("scenario", "crac-failure").split()[-1]
    demo.wait(lambda: demo.states()[unit] == "down", f"{unit} down")
    assert demo.states()["hall-t-cooling"] == "degraded"

    def west() -> float:
        temps = demo.samples("tierwatch_environment_temperature_celsius")
        return sum(v for t, v in temps.items() if t.startswith("probe-a")) / 3

    first = west()
    demo.wait(lambda: west() > first + 1.0, "inlet temperatures in the failed unit's zone rising")
    assert not [n for n, s in demo.states().items() if s == "down" and n != unit]
    demo.cli("restore")
    demo.wait(demo.all_well, "everything back after restore")


def test_losing_feed_a_puts_ups_a_on_battery_and_nothing_goes_down(demo: Demo):
    demo.cli("scenario", "feed-a-lost")
    demo.wait(lambda: demo.states()["ups-a"] == "degraded", "UPS A on battery")
    assert "battery" in demo.services()["ups-a"]["reason"]
    states = demo.states()
    assert not [n for n, s in states.items() if s == "down"], states
    # on battery, UPS A still carries its load: a warning on the 2N group, not lost redundancy
    assert states["ups-2n"] == "ok" and states["ups-b"] in ("up", "ok")
    assert demo.services()["ups-2n"]["warning"].startswith("ups-a: ")
    demo.wait(lambda: demo.states()["ups-a"] in ("up", "ok"), "the generator taking over from the battery")
    demo.cli("restore")
    demo.wait(demo.all_well, "everything back after restore")


def test_a_ups_on_battery_shows_its_runtime_falling(demo: Demo):
    demo.cli("scenario", "ups-on-battery")
    demo.wait(lambda: demo.states()["ups-b"] == "degraded", "UPS B on battery")
    first = demo.samples("tierwatch_ups_battery_runtime_remaining_seconds", target="ups-b")["ups-b"]
    demo.wait(lambda: demo.samples("tierwatch_ups_battery_runtime_remaining_seconds", target="ups-b")["ups-b"] < first,
              "UPS B's runtime falling")
    status = json.loads(demo.cli("status", "--json"))
    assert [a["scenario"] for a in status["active"]] == ["ups-on-battery"]
    assert status["ups"]["ups-b"]["source"] == "battery"
    demo.cli("restore")
    demo.wait(demo.all_well, "everything back after restore")


def test_a_silent_agent_leaves_its_targets_unknown_not_down(demo: Demo):
    agent = demo.cli("scenario", "agent-silent").split()[-1]
    assert agent == "hall-t-facility"
    facility = ("crac-1", "crac-4", "probe-a01", "probe-b01", "srv-a01")
    demo.wait(lambda: {demo.states()[n] for n in facility} == {"unknown"}, "the facility agent's targets unknown")
    states = demo.states()
    assert not [n for n, s in states.items() if s == "down"], states
    assert states["rack-a01-power"] == "ok" and states["ups-a"] in ("up", "ok")   # the power agent still reports
    demo.cli("restore")
    demo.wait(demo.all_well, "everything back after restore")
    assert "no scenario active" in demo.cli("status")


def test_maintenance_on_ups_a_is_accepted_and_then_on_ups_b_refused_naming_the_group(demo: Demo):
    auth = {"Authorization": f"Bearer {operator_token()}", "Content-Type": "application/json"}
    status, body = http_post(demo.url + "/api/v1/maintenance",
                             json.dumps({"services": ["ups-a"], "reason": "battery string replacement"}).encode(), auth)
    assert status in (200, 201), body
    try:
        status, refused = http_post(demo.url + "/api/v1/maintenance",
                                    json.dumps({"services": ["ups-b"], "reason": "filter change"}).encode(), auth)
        assert status == 409, refused
        assert "ups-2n" in json.dumps(refused)
        assert demo.states()["ups-a"] == "maintenance"
    finally:
        window = body.get("id") or body.get("window", {}).get("id")
        assert http_post(demo.url + f"/api/v1/maintenance/{window}/end", b"{}", auth)[0] == 200


def test_a_pdu_near_overload_is_a_warning_on_its_rack_not_lost_redundancy(demo: Demo):
    pdu = demo.cli("scenario", "phase-near-overload").split()[-1]
    rack = f"rack-{pdu.split('-')[1]}-power"
    lost_before = demo.services()[rack]["windows"]["1h"]["degraded_seconds"]   # earlier scenarios' share
    demo.wait(lambda: demo.states()[pdu] == "degraded", f"{pdu} reporting nearOverload")
    since = demo.services()[pdu]["since"]
    demo.wait(lambda: demo.services()[pdu]["windows"]["1h"]["up_seconds"] > 0 and
              demo.services()[rack]["windows"]["1h"]["end"] > since + 3, "a few seconds of nearOverload")
    group = demo.services()[rack]
    assert group["state"] == "ok" and group["warning"].startswith(f"{pdu}: ")
    assert "nearOverload" in group["warning"] and group["reason"] == ""
    # not a second of lost redundancy while the PDU warns: the group's full-redundancy time only grows
    assert group["windows"]["1h"]["degraded_seconds"] == lost_before
    # RedundancyLost is `tierwatch_group_state{state="degraded"} == 1`: nothing for this rack
    assert demo.samples("tierwatch_group_state", key="state", group=rack) == {
        "ok": 1.0, "degraded": 0.0, "down": 0.0, "unknown": 0.0}
    assert demo.samples("tierwatch_group_member_warning", key="group", group=rack) == {rack: 1.0}
    # with feed B's phase L2 at 90 % of its breaker, feed A alone could not carry the rack
    failover = demo.samples("tierwatch_rack_failover_load_ratio", key="feed", rack=pdu.split("-")[1], phase="2")
    assert failover["A"] > 1.0
    demo.cli("restore")
    demo.wait(demo.all_well, "everything back after restore")


def test_the_impact_of_ups_a_is_every_rack_losing_redundancy_and_nothing_down(demo: Demo):
    status, body, _ = http_get(demo.url + "/api/v1/impact?fail=ups-a")
    answer = json.loads(body)
    assert status == 200 and answer["down"] == []
    assert sorted(g for g in answer["lose_redundancy"] if g.startswith("rack-")) == [
        "rack-a01-power", "rack-a02-power", "rack-a03-power", "rack-b01-power"]
