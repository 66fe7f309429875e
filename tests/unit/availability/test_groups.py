"""Redundancy groups: state from members, nesting, maintenance that would break redundancy."""

from __future__ import annotations

import pytest

from collector.availability.engine import AvailabilityEngine
from collector.availability.errors import RedundancyWouldBeLost
from collector.availability.restore import open_engine
from collector.availability.settings import AvailabilitySettings
from collector.availability.vocabulary import DEGRADED, DOWN, OK, UNKNOWN

GROUPS = {
    "rack-power": {"any_of": ["pdu-a", "pdu-b"]},
    "hall-cooling": {"at_least": 3, "of": ["crac-1", "crac-2", "crac-3", "crac-4"]},
    "hall": {"all_of": ["rack-power", "hall-cooling"]},
}
T0 = 1_750_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(clock: Clock) -> AvailabilityEngine:
    eng = AvailabilityEngine(AvailabilitySettings.model_validate({"groups": GROUPS}), clock=clock)
    open_engine(eng, now=T0)
    for name in ("pdu-a", "pdu-b", "crac-1", "crac-2", "crac-3", "crac-4"):
        up(eng, name)
    return eng


def up(engine: AvailabilityEngine, name: str) -> None:
    engine.observe(name, engine.now(), "ok", "ok", "", 3600)


def down(engine: AvailabilityEngine, name: str) -> None:
    engine.observe(name, engine.now(), "timeout", "unknown", "no answer", 3600)


def state(engine: AvailabilityEngine, name: str) -> int:
    return engine.services[name].state


def test_any_of_with_every_member_up_is_ok(engine: AvailabilityEngine) -> None:
    assert state(engine, "rack-power") == OK
    assert state(engine, "hall") == OK


def test_any_of_with_one_member_down_is_degraded_but_up(engine: AvailabilityEngine) -> None:
    down(engine, "pdu-a")
    assert state(engine, "rack-power") == DEGRADED
    assert engine.services["rack-power"].is_up


def test_any_of_with_both_members_down_is_down(engine: AvailabilityEngine) -> None:
    down(engine, "pdu-a")
    down(engine, "pdu-b")
    assert state(engine, "rack-power") == DOWN


def test_at_least_three_of_four_with_one_down_is_degraded(engine: AvailabilityEngine) -> None:
    down(engine, "crac-2")
    assert state(engine, "hall-cooling") == DEGRADED


def test_at_least_three_of_four_with_two_down_is_down(engine: AvailabilityEngine) -> None:
    down(engine, "crac-2")
    down(engine, "crac-4")
    assert state(engine, "hall-cooling") == DOWN


def test_a_group_of_groups_is_degraded_when_a_member_group_is_degraded(engine: AvailabilityEngine) -> None:
    down(engine, "pdu-b")
    assert state(engine, "hall") == DEGRADED


def test_a_group_of_groups_is_down_when_a_member_group_is_down_and_recovers_with_it(
        engine: AvailabilityEngine) -> None:
    down(engine, "crac-1")
    down(engine, "crac-3")
    assert state(engine, "hall") == DOWN
    up(engine, "crac-3")
    assert state(engine, "hall") == DEGRADED
    up(engine, "crac-1")
    assert state(engine, "hall") == OK


def test_a_member_never_heard_of_makes_the_group_unknown_not_down(clock: Clock) -> None:
    eng = AvailabilityEngine(AvailabilitySettings.model_validate({"groups": GROUPS}), clock=clock)
    open_engine(eng, now=T0)
    down(eng, "pdu-a")
    assert state(eng, "rack-power") == UNKNOWN


def test_maintenance_on_a_while_b_is_down_is_refused_with_the_reason(engine: AvailabilityEngine) -> None:
    down(engine, "pdu-b")
    with pytest.raises(RedundancyWouldBeLost) as refused:
        engine.declare_maintenance(("pdu-a",), T0, None, "swap breaker", "alice")
    assert refused.value.groups == ("rack-power", "hall")
    reason = refused.value.reasons[0]
    assert "rack-power" in reason and "pdu-a: maintenance" in reason and "pdu-b: down" in reason
    assert "group 'hall'" in refused.value.reasons[1]
    assert engine.maintenance == {}


def test_maintenance_on_one_pdu_while_the_other_is_up_is_accepted_and_degrades_the_group(
        engine: AvailabilityEngine) -> None:
    window = engine.declare_maintenance(("pdu-a",), T0, None, "swap breaker", "alice")
    assert not window.forced
    assert state(engine, "rack-power") == DEGRADED
    assert engine.services["pdu-a"].maint


def test_maintenance_on_two_of_four_cracs_is_refused_but_one_is_fine(engine: AvailabilityEngine) -> None:
    engine.declare_maintenance(("crac-1",), T0, None, "filters", "bob")
    with pytest.raises(RedundancyWouldBeLost) as refused:
        engine.declare_maintenance(("crac-2",), T0, None, "filters", "bob")
    assert refused.value.groups[0] == "hall-cooling" and "hall-cooling" in refused.value.reasons[0]


def test_a_scheduled_window_overlapping_another_counts_against_redundancy(
        engine: AvailabilityEngine, clock: Clock) -> None:
    engine.declare_maintenance(("pdu-a",), T0 + 3600, T0 + 7200, "breaker", "alice")
    with pytest.raises(RedundancyWouldBeLost):
        engine.declare_maintenance(("pdu-b",), T0 + 5000, T0 + 9000, "breaker", "alice")
    engine.declare_maintenance(("pdu-b",), T0 + 7200, T0 + 9000, "breaker", "alice")


def test_forced_maintenance_is_recorded_as_forced_and_the_downtime_it_causes_is_planned(
        engine: AvailabilityEngine) -> None:
    down(engine, "pdu-b")
    window = engine.declare_maintenance(("pdu-a",), T0, None, "emergency", "alice", force=True)
    assert window.forced and "rack-power" in window.conflicts[0]
    assert state(engine, "rack-power") == DOWN
    assert engine.services["rack-power"].maint      # without the work, pdu-a would carry the load


def test_a_group_down_only_because_of_maintenance_counts_that_time_as_planned(
        engine: AvailabilityEngine, clock: Clock) -> None:
    engine.declare_maintenance(("pdu-a", "pdu-b"), T0, T0 + 600, "both feeds", "alice", force=True)
    clock.now = T0 + 1000
    snap = engine.compute()
    i = [s.name for s in snap.services].index("rack-power")
    fig = snap.figures(i, 0)
    assert fig.planned_down == pytest.approx(600)
    assert fig.down == 0
    assert fig.up == pytest.approx(400)


def warn(engine: AvailabilityEngine, name: str, reason: str) -> None:
    engine.observe(name, engine.now(), "ok", "degraded", reason, 3600)


def test_a_member_with_a_health_warning_is_still_up_so_the_group_keeps_full_redundancy_and_warns(
        engine: AvailabilityEngine, clock: Clock) -> None:
    warn(engine, "pdu-b", "phase L1 nearOverload")
    rack = engine.services["rack-power"]
    assert rack.state == OK and rack.reason == ""
    assert rack.warning == "pdu-b: phase L1 nearOverload"
    assert state(engine, "hall") == OK and "rack-power: pdu-b: phase L1 nearOverload" in engine.services["hall"].warning
    clock.now = T0 + 600
    snap = engine.compute()
    i = [s.name for s in snap.services].index("rack-power")
    assert snap.figures(i, 0).redundancy == 1.0
    up(engine, "pdu-b")
    assert rack.warning == "" and engine.services["hall"].warning == ""


def test_a_group_s_reason_follows_every_member_change_even_when_its_state_does_not(
        engine: AvailabilityEngine) -> None:
    down(engine, "crac-2")
    cooling = engine.services["hall-cooling"]
    assert cooling.state == DEGRADED and cooling.reason == "crac-2: down"
    down(engine, "crac-3")
    up(engine, "crac-2")              # still degraded (crac-3 is down), but no longer because of crac-2
    assert cooling.state == DEGRADED and cooling.reason == "crac-3: down"
    warn(engine, "crac-1", "filter clogged")
    warn(engine, "crac-1", "high return air")
    assert cooling.reason == "crac-3: down" and cooling.warning == "crac-1: high return air"


def test_a_member_group_that_lost_redundancy_is_lost_redundancy_of_its_parent_too(
        engine: AvailabilityEngine) -> None:
    down(engine, "crac-4")
    warn(engine, "pdu-a", "nearOverload")
    assert state(engine, "hall") == DEGRADED and engine.services["hall"].reason == "hall-cooling: degraded"
