"""The demo hall's physics: values move together from one model, and scenarios act as a NOC expects."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierwatch_demo.mibs import hall_devices
from tierwatch_demo.mibs.power import load_state
from tierwatch_demo.model import HallModel
from tierwatch_demo.scenarios import SCENARIOS, ScenarioBook, ScenarioError
from tierwatch_demo.spec import load_hall

HALL = Path(__file__).resolve().parents[3] / "config" / "demo" / "hall.yaml"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def hall() -> tuple[HallModel, ScenarioBook, Clock]:
    clock = Clock()
    model = HallModel(load_hall(HALL), clock=clock)
    return model, ScenarioBook(model), clock


def run(model: HallModel, clock: Clock, seconds: float) -> None:
    clock.now += seconds / model.scale
    model.sync()


def test_the_bundled_hall_has_2n_power_n_plus_1_cooling_and_a_probe_per_rack(hall):
    model, _, _ = hall
    devices = hall_devices(model)
    roles = [d.role for d in devices.values()]
    assert len(model.spec.racks) >= 10
    assert roles.count("pdu") == 2 * len(model.spec.racks) >= 20
    assert roles.count("probe") == len(model.spec.racks)
    assert roles.count("ups") == 2 and roles.count("cooling") >= 4 and roles.count("host") >= 2
    assert model.spec.cooling.at_least == len(model.spec.cooling.units) - 1
    assert {d.labels["feed"] for d in devices.values() if d.role == "pdu"} == {"A", "B"}


def test_energy_counters_grow_by_the_power_drawn(hall):
    model, _, clock = hall
    pdu = model.pdus["pdu-a01-a"]
    before = pdu.energy_joules
    watts = []
    for _ in range(60):
        run(model, clock, 10)
        watts.append(pdu.watts)
    assert pdu.energy_joules - before == pytest.approx(sum(watts) * 10, rel=0.01)
    assert max(watts) > min(watts)                 # the servers' load moves


def test_ups_output_is_the_sum_of_its_feeds_pdus(hall):
    model, _, clock = hall
    run(model, clock, 300)
    for feed, ups in (("A", "ups-a"), ("B", "ups-b")):
        pdus = sum(p.watts for p in model.pdus.values() if p.feed == feed)
        assert model.ups[ups].output_watts == pytest.approx(pdus * 1.02)
    assert sum(model.rack_watts.values()) == pytest.approx(sum(p.watts for p in model.pdus.values()))


def test_losing_feed_a_puts_ups_a_on_battery_until_the_generator_takes_over(hall):
    model, book, clock = hall
    book.start("feed-a-lost")
    run(model, clock, 10)
    ups = model.ups["ups-a"]
    assert ups.source == "battery" and ups.charge < 1.0
    assert model.ups["ups-b"].source == "normal"
    assert all(p.powered for p in model.pdus.values())      # nothing goes dark
    run(model, clock, model.spec.generator.start_delay)
    assert model.generator_running and ups.source == "normal"
    book.restore()
    run(model, clock, 10)
    assert not model.generator_running and not model.faults.utility_lost


def test_a_ups_on_battery_loses_runtime_and_its_feed_goes_dark_when_empty(hall):
    model, book, clock = hall
    book.start("ups-on-battery")
    spec = model.spec.ups_of("B")
    ups = model.ups[spec.name]
    run(model, clock, 5)
    first = ups.runtime_seconds(spec.runtime_at_full_load)
    run(model, clock, 120)
    assert ups.source == "battery"
    assert first - 180 < ups.runtime_seconds(spec.runtime_at_full_load) < first - 60   # the load moves too
    run(model, clock, first + 60)
    assert ups.source == "none"
    dark = [p for p in model.pdus.values() if not p.powered]
    assert dark and all(p.feed == "B" for p in dark)
    for rack in model.spec.racks:                # the A side now carries every rack alone
        assert model.pdus[f"pdu-{rack.name}-a"].watts == pytest.approx(model.rack_watts[rack.name])
    assert not model.answers(dark[0].name)


def test_a_crac_failure_warms_its_zone_over_minutes_not_at_once(hall):
    model, book, clock = hall
    run(model, clock, 600)
    active = book.start("crac-failure")
    zone = model.units[active.target].zone
    racks = [r.name for r in model.spec.racks if r.zone == zone]
    others = [r.name for r in model.spec.racks if r.zone != zone]
    before = {r: model.inlet[r] for r in model.inlet}
    run(model, clock, 20)
    early = max(model.inlet[r] - before[r] for r in racks)
    run(model, clock, 600)
    late = min(model.inlet[r] - before[r] for r in racks)
    assert 0 < early < 1.5 < late                 # a first-order rise, several degrees in ten minutes
    assert max(abs(model.inlet[r] - before[r]) for r in others) < 1.5
    assert not model.units[active.target].running
    book.restore()
    run(model, clock, 900)
    assert max(model.inlet[r] - before[r] for r in racks) < 1.5


def test_a_phase_overload_shows_in_that_pdus_load_state(hall):
    model, book, clock = hall
    active = book.start("phase-overload")
    run(model, clock, 10)
    pdu = model.pdus[active.target]
    device, phases = load_state(pdu)
    assert phases[1] == 4 and device == 4         # overload
    assert pdu.phase_amperes(1) > pdu.phase_rated_amperes
    book.restore()
    run(model, clock, 10)
    assert load_state(pdu)[0] == 2


def test_a_silent_pdu_does_not_answer_and_restore_brings_it_back(hall):
    model, book, _ = hall
    active = book.start("pdu-silent")
    assert not model.answers(active.target)
    assert [a.name for a in book.restore()] == ["pdu-silent"]
    assert model.answers(active.target) and not book.active


def test_every_scenario_starts_on_its_default_target_and_restore_clears_every_fault(hall):
    model, book, _ = hall
    for name in SCENARIOS:
        book.start(name)
    assert len(book.active) == len(SCENARIOS)
    book.restore()
    faults = model.faults
    assert not (faults.silent or faults.extra_phase_watts or faults.failed_units or faults.utility_lost
                or faults.rectifier_fault or faults.silent_agents)


def test_unknown_scenarios_and_targets_are_refused_with_what_is_known(hall):
    _, book, _ = hall
    with pytest.raises(ScenarioError, match="known: pdu-silent"):
        book.start("meteor-strike")
    with pytest.raises(ScenarioError, match="not a cooling of this hall; known: crac-1"):
        book.start("crac-failure", "crac-9")
