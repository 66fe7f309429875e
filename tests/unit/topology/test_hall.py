"""The hall as a model, on a topology of two UPS, two feeds, ten racks and four CRACs
(tests/data/topology-hall.yaml): failover load, N-1 headroom, dual cord, impact."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.availability.engine import AvailabilityEngine
from collector.availability.restore import open_engine
from collector.config import CollectorConfig, read_collector_config
from collector.topology.evaluate import dual_cord, failover, headroom
from collector.topology.graph import Hall
from collector.topology.impact import hit_groups, impact, maintenance_conflicts, out_nodes, root_causes
from tests.peers.topology_hall import HALL_FILE, RACKS

T0 = 1_750_000_000.0


class Readings:
    """Latest readings and up/down states, as the collector's store and engine would give them."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], list[tuple[dict[str, str], float]]] = {}
        self.down: set[str] = set()

    def set(self, metric: str, target: str, value: float, **labels: str) -> None:
        rows = self.values.setdefault((metric, target), [])
        rows[:] = [r for r in rows if r[0] != labels] + [(labels, value)]

    def series(self, metric: str, target: str) -> list[tuple[dict[str, str], float]]:
        return self.values.get((metric, target), [])

    def is_up(self, target: str) -> bool | None:
        return target not in self.down


def config() -> CollectorConfig:
    return read_collector_config(HALL_FILE).valid()


@pytest.fixture
def hall() -> Hall:
    hall = config().hall()
    assert hall is not None
    return hall


def loaded(amps: float = 5.0, watts: float = 3000.0) -> Readings:
    view = Readings()
    for rack in RACKS:
        for side in "ab":
            for phase in "123":
                view.set("tierwatch_pdu_phase_current_amperes", f"pdu-{rack}-{side}", amps, inlet="1", phase=phase)
            view.set("tierwatch_pdu_power_watts", f"pdu-{rack}-{side}", watts, pdu="1")
    view.set("tierwatch_ups_output_power_watts", "ups-a", 30_000.0, line="1")
    view.set("tierwatch_ups_output_power_watts", "ups-b", 30_000.0, line="1")
    return view


def test_every_node_knows_its_feed_ups_rack_and_room(hall: Hall) -> None:
    a = hall.nodes["pdu-r03-a"].labels
    assert a == {"feed": "A", "ups": "ups-a", "panel": "panel-a", "rack": "r03", "room": "hall-1", "row": "a"}
    assert hall.nodes["pdu-r10-a"].labels["feed"] == "B" and hall.nodes["pdu-r10-a"].labels["ups"] == "ups-b"
    assert hall.nodes["srv-r01"].labels["ups"] == "ups-a,ups-b"
    assert set(hall.downstream("ups-a")) == {"panel-a", *(f"pdu-{r}-a" for r in RACKS[:9]), "srv-r01", "srv-r02"}


def test_the_hall_implies_rack_power_ups_and_room_cooling_groups() -> None:
    groups = config().effective_availability().groups
    assert groups["rack-r01-power"].any_of == ["pdu-r01-a", "pdu-r01-b"]
    assert groups["ups-2n"].need == 1 and groups["ups-2n"].members == ("ups-a", "ups-b")
    assert groups["hall-1-cooling"].need == 3 and len(groups["hall-1-cooling"].members) == 4


def test_feed_a_near_its_rating_puts_feed_b_s_failover_above_1_before_anything_fails(hall: Hall) -> None:
    view = loaded()
    view.set("tierwatch_pdu_phase_current_amperes", "pdu-r03-a", 14.5, inlet="1", phase="2")
    found = {(f.rack, f.phase, f.feed): f for f in failover(hall, view)}
    on_b = found[("r03", "2", "B")]
    assert on_b.ratio == pytest.approx((14.5 + 5.0) / 16) and on_b.ratio > 1
    assert on_b.pdus == ("pdu-r03-b",) and on_b.rating_source == "config"
    assert found[("r03", "1", "B")].ratio == pytest.approx(10 / 16)
    assert not [k for k in found if k[0] == "r10"]          # one feed only: nothing to fail over to
    assert out_nodes(hall, view) == frozenset()             # nothing has failed


def test_the_rating_the_pdu_reports_wins_over_the_configured_one(hall: Hall) -> None:
    view = loaded()
    view.set("tierwatch_pdu_phase_rated_current_amperes", "pdu-r01-b", 32.0, inlet="1", phase="1")
    f = {(f.rack, f.phase, f.feed): f for f in failover(hall, view)}[("r01", "1", "B")]
    assert (f.rating, f.rating_source, f.ratio) == (32.0, "device", pytest.approx(10 / 32))


def test_losing_the_largest_crac_leaves_less_than_the_load_so_the_ratio_reaches_1(hall: Hall) -> None:
    calm = {h.system: h for h in headroom(hall, loaded())}
    assert calm["hall-1"].ratio == pytest.approx(60_000 / 90_000) and calm["hall-1"].load_source == "pdu_power"
    hot = {h.system: h for h in headroom(hall, loaded(watts=4800.0))}["hall-1"]
    assert hot.load == 96_000 and hot.after_loss == 90_000 and hot.ratio >= 1 and not hot.short
    ups = {h.system: h for h in headroom(hall, loaded())}["ups-2n"]
    assert (ups.scope, ups.load_source, ups.ratio) == ("ups", "ups_output_power", pytest.approx(0.6))


def test_a_crac_that_is_down_no_longer_counts_as_capacity(hall: Hall) -> None:
    view = loaded()
    view.down.add("crac-4")
    h = {h.system: h for h in headroom(hall, view)}["hall-1"]
    assert h.units_up == ("crac-1", "crac-2", "crac-3") and h.ratio == pytest.approx(1.0)


def test_a_server_with_one_failed_supply_or_both_on_one_feed_is_not_dual_corded(hall: Hall) -> None:
    view = loaded()
    for server in ("srv-r01", "srv-r02", "srv-r10"):
        for supply in ("PSU1", "PSU2"):
            view.set("tierwatch_server_power_supply_state", server, 1.0, supply=supply, state="ok")
            view.set("tierwatch_server_power_supply_state", server, 0.0, supply=supply, state="failed")
    view.set("tierwatch_server_power_supply_state", "srv-r02", 0.0, supply="PSU2", state="ok")
    view.set("tierwatch_server_power_supply_state", "srv-r02", 1.0, supply="PSU2", state="failed")
    found = {d.server: d for d in dual_cord(hall, view)}
    assert found["srv-r01"].compliant
    assert found["srv-r02"].problems == ("PSU2: failed",)
    assert found["srv-r10"].problems == ("PSU1 and PSU2 both on feed B", "every supply on one feed")


def engine_for(hall: Hall, view: Readings) -> AvailabilityEngine:
    eng = AvailabilityEngine(config().effective_availability(), clock=lambda: T0)
    open_engine(eng, now=T0)
    for node in hall.nodes.values():
        if node.kind != "source":
            status = "timeout" if node.target in view.down else "ok"
            eng.observe(node.target, T0, status, "ok" if status == "ok" else "unknown", "", 3600)
    return eng


def test_the_impact_of_ups_a_is_exactly_its_racks_losing_redundancy_and_nothing_down(hall: Hall) -> None:
    view = loaded()
    eng = engine_for(hall, view)
    answer = impact(hall, view, eng.graph, eng.current, ["ups-a"])
    racks = sorted(g for g in answer.lose_redundancy if g.startswith("rack-"))
    assert racks == [f"rack-{r}-power" for r in RACKS[:9]]
    assert "ups-2n" in answer.lose_redundancy
    assert answer.down == [] and answer.capacity == []


def test_the_impact_names_the_surviving_path_a_failure_would_overload(hall: Hall) -> None:
    view = loaded()
    view.set("tierwatch_pdu_phase_current_amperes", "pdu-r03-a", 14.5, inlet="1", phase="2")
    eng = engine_for(hall, view)
    answer = impact(hall, view, eng.graph, eng.current, ["panel-a"])
    assert [(c["check"], c["scope"], c["path"], c["phase"]) for c in answer.capacity] == [
        ("breaker", "r03", "pdu-r03-b", "2")]
    both = impact(hall, view, eng.graph, eng.current, ["ups-a", "ups-b"])
    assert set(both.down) >= {"srv-r01", "rack-r01-power", "ups-2n"}
    conflicts = maintenance_conflicts(hall, view, ["pdu-r03-a"])
    assert len(conflicts) == 1 and "surviving path pdu-r03-b (feed B)" in conflicts[0].reason


def test_a_ups_that_is_down_is_the_root_cause_of_everything_below_it(hall: Hall) -> None:
    view = loaded()
    view.down.update({"ups-a", "panel-a", "pdu-r01-a"})
    eng = engine_for(hall, view)
    out = out_nodes(hall, view)
    causes = root_causes(hall, out)
    assert "ups-a" not in causes and causes["pdu-r01-a"] == "ups-a" and causes["panel-a"] == "ups-a"
    groups = hit_groups(hall, eng.graph, out)
    assert groups["rack-r01-power"] == "ups-a" and groups["ups-2n"] == "ups-a"
    assert "rack-r10-power" not in groups


def test_every_topology_problem_is_reported_at_once_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "collector.yaml"
    bad.write_text(
        "topology:\n"
        "  ups:\n"
        "    ups-a: {fed_by: [ats-x]}\n"
        "  panels:\n"
        "    panel-a: {fed_by: [panel-b]}\n"
        "    panel-b: {fed_by: [panel-a]}\n"
        "  pdus:\n"
        "    pdu-1: {fed_by: [panel-a], rack: r99}\n"
        "    ups-a: {fed_by: [panel-a], rack: r01}\n"
        "  racks: {r01: {room: hall-1}}\n"
        "  servers:\n"
        "    srv-1: {rack: r01, supplies: {PSU1: pdu-1, PSU2: pdu-9}}\n")
    problems = [p.render() for p in read_collector_config(bad).problems]
    where = str(bad)
    assert f"{where}:3:22: topology.ups.ups-a.fed_by[0]: unknown upstream node 'ats-x'; it must be one of the " \
        "sources or ups" in problems
    assert any(p.startswith(f"{where}:9:5: topology.pdus.ups-a: 'ups-a' is already a node of ups") for p in problems)
    assert any(p.startswith(f"{where}:8:") and "unknown rack 'r99'" in p for p in problems)
    assert any(p.startswith(f"{where}:12:") and "unknown PDU 'pdu-9'" in p for p in problems)
    assert any(p.startswith(f"{where}:12:") and "feeds rack 'r99', not the server's rack 'r01'" in p for p in problems)
    assert f"{where}:5:23: topology.panels.panel-a.fed_by: fed_by forms a cycle: panel-a → panel-b → panel-a" \
        in problems
    assert len(problems) == 6
