"""PDU families without a shared recording, read from small recordings of our own.

Each `tests/data/<family>.snmprec` is written from the vendor's MIB (made-up values, one or two
rows per table) for a device we have no walk of; the agent detects the profile itself and polls
it through the SNMP client seam (an in-memory fake serving the file), so these tests check the
profile's OIDs, index labels, scaling, states and health rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import SnmpTarget
from agent.profiles.loader import load_profiles
from agent.snmp.fake import FakeSnmpClient
from agent.snmp.types import Endpoint
from agent.sources.base import OK, PollResult
from agent.sources.snmp import SnmpSource

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def profiles():
    return load_profiles()


async def poll(profiles, recording: str) -> PollResult:
    client = FakeSnmpClient.from_snmprec(DATA / f"{recording}.snmprec")
    target = SnmpTarget(name=recording, address="192.0.2.9", credentials="c", profiles=["auto"])
    result = await SnmpSource(target, Endpoint("192.0.2.9", community="public"), profiles, client).poll()
    assert result.status == OK, result.reason
    return result


def values(result: PollResult, metric: str, **where: str) -> dict[tuple[tuple[str, str], ...], float]:
    """labels (without device_class and the ones in `where`) → value, for the readings of one metric."""
    out = {}
    for r in result.readings:
        labels = dict(r.labels)
        if r.metric != "tierwatch_" + metric or any(labels.get(k) != v for k, v in where.items()):
            continue
        key = tuple(sorted((k, v) for k, v in labels.items() if k != "device_class" and k not in where))
        out[key] = round(r.value, 9)
    return out


def present(result: PollResult, metric: str) -> dict[tuple[tuple[str, str], ...], str]:
    """labels (without state) → the state whose series is 1."""
    return {tuple(sorted((k, v) for k, v in dict(r.labels).items() if k not in ("state", "device_class"))):
            dict(r.labels)["state"] for r in result.readings if r.metric == "tierwatch_" + metric and r.value == 1}


async def test_a_sentry3_cdu_reads_towers_feeds_outlets_and_probes_in_base_units(profiles):
    result = await poll(profiles, "sentry3-cdu")
    assert result.profiles == ["sentry3"]
    assert values(result, "pdu_power_watts") == {(("pdu", "1"),): 2210}
    assert values(result, "pdu_energy_joules_total") == {(("pdu", "1"),): 15230 * 3.6e6}
    assert values(result, "pdu_load_ratio") == {(("pdu", "1"),): 0.412}
    feed = (("inlet", "1"), ("pdu", "1"))
    assert values(result, "pdu_inlet_current_amperes") == {feed: 10.32}
    assert values(result, "pdu_inlet_rated_current_amperes") == {feed: 24}
    assert values(result, "pdu_inlet_current_threshold_amperes") == {(*feed[:1], ("level", "upper_warning"),
                                                                      *feed[1:]): 10}
    assert values(result, "pdu_inlet_voltage_volts") == {feed: 230.1}
    assert values(result, "pdu_inlet_energy_joules_total") == {feed: 15230.1 * 3.6e6}
    assert values(result, "pdu_inlet_power_factor_ratio") == {feed: 0.93}
    web = (("outlet", "1.1"), ("outlet_name", "web-01"), ("pdu", "1"))
    assert values(result, "pdu_outlet_current_amperes") == {web: 4.12}  # db-01 reads -1: not measured
    assert values(result, "pdu_outlet_energy_joules_total")[web] == 55210 * 3600
    assert values(result, "pdu_outlet_rated_current_amperes")[web] == 10
    assert present(result, "pdu_outlet_control_state") == {web: "on", (("outlet", "1.2"), ("outlet_name", "db-01"),
                                                                       ("pdu", "1")): "off"}
    assert values(result, "pdu_branch_rated_current_amperes") == {(("branch", "1.1"), ("pdu", "1")): 20}


async def test_sentry3_temperatures_follow_the_probe_scale_and_water_is_a_state(profiles):
    result = await poll(profiles, "sentry3-cdu")
    probe = (("sensor", "Rack_Inlet"), ("sensor_id", "1.1"))
    assert values(result, "environment_temperature_celsius") == {probe: 25.5}  # 77.9 °F
    assert values(result, "environment_temperature_threshold_celsius", level="upper_warning") == {probe: 35}
    assert values(result, "environment_humidity_ratio") == {probe: 0.41}
    states = present(result, "environment_sensor_status_state")
    assert states[(("sensor", "Floor_Water"), ("sensor_id", "1"), ("sensor_type", "water"))] == "alarm"
    assert states[(("sensor", "Rear_Door"), ("sensor_id", "1.1"), ("sensor_type", "contact"))] == "normal"


async def test_a_blown_branch_fuse_makes_a_sentry3_cdu_critical(profiles):
    result = await poll(profiles, "sentry3-cdu")
    assert result.health == "critical"
    assert "pdu_branch_status_state=onFuse" in result.reason  # branchStatus 9: fuse error
    assert "environment_sensor_status_state=alarm" in result.reason


async def test_a_vertiv_geist_pdu_is_found_by_its_pdu_table_and_reads_phases_lines_and_outlets(profiles):
    result = await poll(profiles, "vertiv-geist-pdu")
    assert result.profiles == ["vertiv-geist-pdu"]
    assert values(result, "pdu_power_watts") == {(("pdu", "1"),): 3120}
    assert values(result, "pdu_energy_joules_total") == {(("pdu", "1"),): 4321000 * 3600}
    phase2 = (("inlet", "1"), ("pdu", "1"), ("phase", "2"))
    assert values(result, "pdu_phase_voltage_volts")[phase2] == 230.1
    assert values(result, "pdu_phase_current_amperes")[phase2] == 4.7
    assert values(result, "pdu_phase_power_factor_ratio")[phase2] == 0.94
    assert values(result, "pdu_line_current_amperes")[(("inlet", "1"), ("line", "3"), ("pdu", "1"))] == 4.4
    assert values(result, "pdu_breaker_current_amperes") == {(("breaker", "1"), ("pdu", "1")): 4.55,
                                                            (("breaker", "2"), ("pdu", "1")): 4.7}
    # the user label names an outlet; without one, the factory name does
    fw, two = (("outlet", "1"), ("outlet_name", "fw-01"), ("pdu", "1")), (("outlet", "2"), ("outlet_name", "Outlet 2"),
                                                                          ("pdu", "1"))
    assert values(result, "pdu_outlet_current_amperes") == {fw: 1.23, two: 0}
    assert present(result, "pdu_outlet_power_state") == {fw: "on", two: "off"}
    assert present(result, "pdu_outlet_relay_failure_state") == {fw: "false", two: "true"}


async def test_vertiv_geist_probes_read_in_fahrenheit_are_exported_in_celsius_and_unavailable_ones_not_at_all(profiles):
    result = await poll(profiles, "vertiv-geist-pdu")
    assert values(result, "environment_temperature_celsius") == {
        (("sensor", "Cold aisle"), ("sensor_id", "1")): 24.0, (("sensor", "Row end"), ("sensor_id", "1")): 25.0}
    assert values(result, "environment_dew_point_celsius") == {(("sensor", "Row end"), ("sensor_id", "1")): 12.222222222}
    assert values(result, "environment_humidity_ratio") == {(("sensor", "Row end"), ("sensor_id", "1")): 0.45}
    assert result.health == "degraded" and result.reason == "pdu_outlet_relay_failure_state=true"


async def test_an_apc_isx_modular_pdu_reads_its_panel_phases_breaker_poles_cables_and_subfeeds(profiles):
    result = await poll(profiles, "apc-isx-pdu")
    assert result.profiles == ["apc-isx-pdu"]
    assert values(result, "pdu_power_watts") == {(("pdu", "1"),): 41200}
    assert values(result, "pdu_rated_current_amperes") == {(("pdu", "1"),): 125}
    assert values(result, "pdu_frequency_hertz") == {(("pdu", "1"),): 50}
    phase3 = (("inlet", "1"), ("pdu", "1"), ("phase", "3"))
    assert values(result, "pdu_phase_voltage_volts")[phase3] == 229.8
    assert values(result, "pdu_phase_line_voltage_volts")[phase3] == 399.0
    assert values(result, "pdu_phase_current_amperes")[phase3] == 64.0
    assert values(result, "pdu_phase_load_ratio")[phase3] == 0.512
    assert values(result, "pdu_phase_power_watts")[phase3] == 13800
    pole = (("breaker", "1.2"), ("pdu", "1"))
    assert values(result, "pdu_breaker_rated_current_amperes")[pole] == 32
    assert values(result, "pdu_breaker_current_amperes")[pole] == 11.8
    assert present(result, "pdu_breaker_position_state")[(("breaker", "2.1"), ("pdu", "1"))] == "open"
    cable = (("outlet", "1.1"), ("outlet_name", "Rack A07 feed A"), ("pdu", "1"))
    assert values(result, "pdu_outlet_power_watts")[cable] == 2700
    assert values(result, "pdu_outlet_current_threshold_amperes", level="upper_critical")[cable] == 28
    assert values(result, "pdu_subfeed_current_amperes")[(("pdu", "1"), ("phase", "3"), ("subfeed", "1"))] == 13.1
    assert values(result, "pdu_subfeed_rated_current_amperes") == {(("pdu", "1"), ("subfeed", "1")): 60}


async def test_an_isx_breaker_alarm_for_an_open_pole_makes_the_panel_critical_and_every_bit_is_named(profiles):
    result = await poll(profiles, "apc-isx-pdu")
    assert present(result, "pdu_phase_current_alarm_state") == {(("inlet", "1"), ("pdu", "1"), ("phase", "3")):
                                                                "highCurrent"}
    assert result.health == "critical"
    assert result.reason.split("; ") == ["pdu_breaker_alarm_state=breakerOpen", "pdu_module_status_state=warning",
                                         "pdu_phase_current_alarm_state=highCurrent", "pdu_outlet_status_state=critical"]


async def test_raritan_overcurrent_protectors_poles_ratings_and_thresholds_are_read(profiles):
    result = await poll(profiles, "raritan-px3-ocp")
    assert result.profiles == ["raritan-pdu2"]
    inlet = (("inlet", "1"), ("pdu", "1"))
    assert values(result, "pdu_inlet_rated_current_amperes") == {inlet: 32}  # text "32A"
    assert values(result, "pdu_inlet_rated_voltage_volts") == {}  # "220-240V" is a range, not a number
    assert values(result, "pdu_inlet_current_threshold_amperes") == {
        (*inlet[:1], ("level", lvl), *inlet[1:]): v
        for lvl, v in [("lower_critical", 0), ("lower_warning", 0), ("upper_critical", 25.6), ("upper_warning", 20.8)]}
    assert values(result, "pdu_inlet_voltage_threshold_volts", level="lower_critical") == {inlet: 190}
    assert values(result, "pdu_phase_current_amperes") == {(*inlet, ("phase", str(p))): a
                                                          for p, a in [(1, 7.12), (2, 6.98), (3, 7.24)]}
    assert values(result, "pdu_phase_voltage_volts")[(*inlet, ("phase", "3"))] == 232
    c1, c2 = (("breaker", "1"), ("pdu", "1")), (("breaker", "2"), ("pdu", "1"))
    assert values(result, "pdu_breaker_rated_current_amperes") == {c1: 20, c2: 20}  # text "20 A"
    assert values(result, "pdu_breaker_current_amperes") == {c1: 9.1, c2: 0}
    assert values(result, "pdu_breaker_current_threshold_amperes", level="upper_warning") == {c1: 16, c2: 16}
    assert present(result, "pdu_breaker_trip_state") == {c1: "closed", c2: "open"}
    esx = (("outlet", "1"), ("outlet_name", "esx-07"), ("pdu", "1"))
    assert values(result, "pdu_outlet_rated_current_amperes") == {esx: 10}
    assert values(result, "pdu_outlet_current_threshold_amperes", level="upper_critical") == {esx: 10}
    assert present(result, "pdu_outlet_power_state") == {esx: "on"}


async def test_a_tripped_raritan_protector_is_critical_and_an_inlet_over_its_warning_degrades(profiles):
    result = await poll(profiles, "raritan-px3-ocp")
    assert result.health == "critical"
    assert result.reason == "pdu_breaker_trip_state=open; pdu_inlet_sensor_state=aboveUpperWarning"


async def test_an_apc_rpdu2_chain_labels_every_row_by_its_pdu_and_number_not_its_running_index(profiles):
    result = await poll(profiles, "apc-rpdu2-chain")
    assert result.profiles == ["apc-rpdu"]
    assert values(result, "pdu_power_watts") == {(("pdu", "1"),): 2120, (("pdu", "2"),): 4240}
    assert values(result, "pdu_rated_current_per_phase_amperes") == {(("pdu", "1"),): 16, (("pdu", "2"),): 16}
    assert values(result, "pdu_rated_power_watts")[(("pdu", "2"),)] == 7400
    assert values(result, "pdu_power_threshold_watts", level="upper_critical") == {(("pdu", "1"),): 6000,
                                                                                  (("pdu", "2"),): 6000}
    phase = {p: (("inlet", "1"), ("pdu", p), ("phase", "1")) for p in ("1", "2")}
    assert values(result, "pdu_phase_current_amperes") == {phase["1"]: 9.2, phase["2"]: 18.5}
    assert values(result, "pdu_phase_current_threshold_amperes", level="upper_warning")[phase["2"]] == 13
    assert values(result, "pdu_bank_current_amperes") == {(("bank", "1"), ("pdu", "2")): 10.1,
                                                         (("bank", "2"), ("pdu", "2")): 8.4}
    assert values(result, "pdu_bank_rated_current_amperes")[(("bank", "2"), ("pdu", "2"))] == 16
    san = (("outlet", "1"), ("outlet_name", "san-a"), ("pdu", "1"))
    assert values(result, "pdu_outlet_current_amperes")[san] == 1.4
    assert values(result, "pdu_outlet_energy_joules_total")[san] == 123.4 * 3.6e6
    assert values(result, "pdu_outlet_rated_power_watts")[san] == 2300
    assert present(result, "pdu_outlet_power_state") == {san: "on", (("outlet", "2"), ("outlet_name", "spare"),
                                                                     ("pdu", "1")): "off"}
    assert values(result, "environment_temperature_celsius") == {(("sensor", "Inlet probe"), ("sensor_id", "1")): 23.6}
    assert result.health == "degraded" and result.reason == "pdu_load_status_state=nearOverload"


async def test_an_apc_masterswitch_vm_reads_its_load_rating_and_outlets_and_an_overload_degrades_it(profiles):
    result = await poll(profiles, "apc-masterswitch-vm")
    assert result.profiles == ["apc-rpdu"]
    assert values(result, "pdu_load_ratio") == {(("pdu", "1"),): 1.04}
    assert values(result, "pdu_rated_current_amperes") == {(("pdu", "1"),): 15}
    assert present(result, "pdu_outlet_power_state") == {
        (("outlet", "1"), ("outlet_name", "router"), ("pdu", "1")): "on",
        (("outlet", "2"), ("outlet_name", "old-nas"), ("pdu", "1")): "off"}
    assert (result.health, result.reason) == ("degraded", "pdu_overload_state=overload")
