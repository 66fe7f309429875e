"""UPS and environment profiles without a shared recording, proven on small recordings of our own.

Each `tests/data/<name>.snmprec` was written from the vendor's MIB (the values are invented, the
OIDs, types and scaling are the MIB's). The agent's SnmpSource detects the profiles itself and
polls through the fake client built from the file, so detection, the tables' `where` picks, the
unit conversions and the health rule are all exercised.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import SnmpTarget
from agent.profiles.loader import load_profiles
from agent.snmp import types as t
from agent.snmp.fake import FakeSnmpClient
from agent.snmp.types import Endpoint, Varbind
from agent.sources.snmp import SnmpSource

DATA = Path(__file__).resolve().parents[2] / "data"
EP = Endpoint("192.0.2.20", community="public")


@pytest.fixture(scope="module")
def profiles():
    return load_profiles()


async def poll(profiles, recording: str, **changes: int):
    oids = FakeSnmpClient.from_snmprec(DATA / f"{recording}.snmprec").oids
    for oid, value in changes.items():
        oids[oid] = Varbind(oid, t.INTEGER, value)
    target = SnmpTarget(name="dev-1", address="192.0.2.20", credentials="c", profiles=["auto"], labels={"rack": "r07"})
    return await SnmpSource(target, EP, profiles, FakeSnmpClient(oids)).poll()


def value(result, metric: str, **labels: str) -> float:
    """The one reading of `metric` whose labels include `labels`."""
    found = [r.value for r in result.readings if r.metric == "tierwatch_" + metric
             and labels.items() <= dict(r.labels).items()]
    assert len(found) == 1, f"{metric} {labels}: {found}"
    return found[0]


def present(result, metric: str, **labels: str) -> str:
    """The present state of an enum metric."""
    on = [dict(r.labels)["state"] for r in result.readings if r.metric == "tierwatch_" + metric
          and labels.items() <= dict(r.labels).items() and r.value == 1]
    assert len(on) == 1, f"{metric} {labels}: {on}"
    return on[0]


LIEBERT_OUT_SOURCE = "1.3.6.1.4.1.476.1.42.3.5.3.55.0"   # lgpPwrStateUpsOutputSource.0
LIEBERT_TEST = "1.3.6.1.4.1.476.1.42.3.5.1.8.0"          # lgpPwrBatteryTestResult.0


async def test_a_liebert_gxt_is_told_from_other_liebert_units_by_probing_its_power_mib(profiles):
    result = await poll(profiles, "liebert-gxt-ups")
    assert result.status == "ok" and "liebert-ups" in result.profiles
    assert value(result, "ups_battery_charge_ratio") == 1.0
    assert value(result, "ups_battery_runtime_remaining_seconds") == 21 * 60
    assert present(result, "ups_output_source_state") == "normal"
    assert present(result, "ups_self_test_result_state") == "passed"
    assert value(result, "ups_input_voltage_volts", line="1") == 231
    assert value(result, "ups_output_voltage_volts", line="1") == 230
    assert value(result, "ups_bypass_voltage_volts", line="1") == 232
    assert value(result, "ups_output_load_ratio", line="1") == pytest.approx(0.47)
    assert value(result, "ups_output_total_load_ratio") == pytest.approx(0.551)
    assert value(result, "ups_output_frequency_hertz") == 50
    assert value(result, "ups_battery_voltage_volts") == 82
    line_labels = {k for r in result.readings if r.metric == "tierwatch_ups_input_voltage_volts" for k, _ in r.labels}
    assert line_labels == {"device_class", "line", "rack"}, "the measurement-point index is not exported"
    assert result.health == "ok"


@pytest.mark.parametrize(("changes", "health", "reason"), [
    ({LIEBERT_OUT_SOURCE: 5}, "degraded", "ups_output_source_state=battery"),
    ({LIEBERT_OUT_SOURCE: 2}, "critical", "ups_output_source_state=none"),
    ({LIEBERT_TEST: 3}, "degraded", "ups_self_test_result_state=failed"),
])
async def test_a_liebert_ups_on_battery_without_output_or_failing_its_test_is_not_healthy(
        profiles, changes, health, reason):
    result = await poll(profiles, "liebert-gxt-ups", **changes)
    assert result.health == health and reason in result.reason


MGE_ON_BATTERY = "1.3.6.1.4.1.705.1.7.3.0"   # upsmgOutputOnBattery.0
MGE_REPLACE = "1.3.6.1.4.1.705.1.5.11.0"     # upsmgBatteryReplacement.0


async def test_an_mge_ups_reads_its_three_phases_flags_tests_and_environment_sensor(profiles):
    result = await poll(profiles, "mge-ups")
    assert result.status == "ok" and "mge-ups" in result.profiles
    assert value(result, "ups_battery_runtime_remaining_seconds") == 2880
    assert value(result, "ups_battery_charge_ratio") == pytest.approx(0.98)
    assert value(result, "ups_battery_voltage_volts") == pytest.approx(218.4)
    assert [value(result, "ups_input_voltage_volts", line=n) for n in "123"] == pytest.approx([230.1, 229.7, 231.0])
    assert value(result, "ups_input_current_amperes", line="2") == pytest.approx(9.1)
    assert value(result, "ups_output_load_ratio", line="3") == pytest.approx(0.44)
    assert value(result, "ups_output_frequency_hertz") == pytest.approx(50.0)  # phase 1, without a line label
    assert value(result, "environment_temperature_celsius", sensor_id="1") == pytest.approx(23.6)
    assert value(result, "environment_humidity_ratio", sensor_id="1") == pytest.approx(0.415)
    assert present(result, "environment_contact_state", sensor="input 1") == "closed"
    assert present(result, "environment_contact_state", sensor="input 2") == "open"
    assert present(result, "ups_battery_replace_state") == "noBatteryNeedsReplacing"
    assert present(result, "ups_self_test_result_state") == "success"
    assert present(result, "ups_battery_test_result_state") == "ssuccess"
    assert result.health == "ok"


@pytest.mark.parametrize(("changes", "reason"), [
    ({MGE_ON_BATTERY: 1}, "ups_output_on_battery_state=yes"),
    ({MGE_REPLACE: 1}, "ups_battery_replace_state=batteryNeedsReplacing"),
])
async def test_an_mge_ups_on_battery_or_wanting_a_new_battery_is_degraded(profiles, changes, reason):
    result = await poll(profiles, "mge-ups", **changes)
    assert result.health == "degraded" and reason in result.reason


SOCOMEC_SOURCE = "1.3.6.1.4.1.4555.1.1.1.1.4.1.0"   # upsOutputSource.0 (SOCOMECUPS-MIB)


async def test_a_socomec_ups_reads_its_lines_and_names_its_active_alarm(profiles):
    result = await poll(profiles, "socomec-ups")
    assert result.status == "ok" and "socomec-ups" in result.profiles and "ups-mib" not in result.profiles
    assert value(result, "ups_battery_runtime_remaining_seconds") == 34 * 60
    assert value(result, "ups_battery_voltage_volts") == pytest.approx(432.0)
    assert value(result, "ups_input_frequency_hertz", line="1") == pytest.approx(49.9)
    assert value(result, "ups_output_current_amperes", line="3") == pytest.approx(21.0)
    assert value(result, "ups_output_apparent_power_volt_amperes", line="1") == 5000
    assert value(result, "ups_bypass_voltage_volts", line="2") == pytest.approx(230.1)
    assert present(result, "ups_output_status_state") == "onInverter"
    assert present(result, "ups_output_source_state") == "normal"
    assert value(result, "ups_alarm_raised_uptime_seconds", alarm="batteryBad", alarm_id="1") == 1200
    assert (result.health, result.reason) == ("degraded", "ups_alarms_present=1 above 0")


@pytest.mark.parametrize(("raw", "source", "health"), [(5, "bypass", "degraded"), (8, "none", "critical")])
async def test_a_socomec_ups_on_bypass_is_degraded_and_one_switched_off_is_down(profiles, raw, source, health):
    result = await poll(profiles, "socomec-ups", **{SOCOMEC_SOURCE: raw})
    assert present(result, "ups_output_source_state") == source
    assert result.health == health and f"ups_output_source_state={source}" in result.reason


EMS_ALARM_HOT = "1.3.6.1.4.1.318.1.1.10.3.13.1.1.11.2"   # emsProbeStatusProbeAlarmStatus.2
IEM_CONTACT = "1.3.6.1.4.1.318.1.1.10.2.3.4.1.3.1"       # iemStatusContactStatus.1


async def test_an_apc_emu_converts_its_system_wide_fahrenheit_and_skips_probes_it_cannot_reach(profiles):
    result = await poll(profiles, "apc-emu")
    assert result.status == "ok" and "apc-emu" in result.profiles
    temps = {dict(r.labels)["sensor"]: r.value for r in result.readings
             if r.metric == "tierwatch_environment_temperature_celsius"}
    assert temps == pytest.approx({"Row 3 cold aisle": 22.222, "Row 3 hot aisle": 37.222, "UPS room": 23.0}, abs=1e-3)
    assert value(result, "environment_humidity_ratio", sensor="Row 3 cold aisle") == pytest.approx(0.45)
    assert not [r for r in result.readings if r.metric == "tierwatch_environment_humidity_ratio"
                and dict(r.labels)["sensor"] == "UPS room"], "uio humidity -1 means no humidity sensor"
    assert present(result, "environment_sensor_comm_state", sensor="Spare port") == "commsNeverDiscovered"
    assert present(result, "environment_contact_state", sensor="Leak under CRAC 2") == "contactClosedEMS"
    assert present(result, "environment_contact_normal_state", sensor="Leak under CRAC 2") == "normallyOpenEMS"
    assert present(result, "environment_contact_state", sensor="Smoke detector") == "uioInputOpen"
    hot = {dict(r.labels)["state"]: r.value for r in result.readings
           if r.metric == "tierwatch_environment_probe_alarm_state" and dict(r.labels)["sensor"] == "Row 3 hot aisle"}
    assert hot["highTemperature"] == 1 and sum(hot.values()) == 1
    assert (result.health, result.reason) == ("degraded", "environment_probe_alarm_state=highTemperature")


async def test_an_apc_emu_probe_beyond_its_maximum_makes_the_room_critical(profiles):
    result = await poll(profiles, "apc-emu", **{EMS_ALARM_HOT: 0b11})   # max and high temperature bits
    assert result.health == "critical" and "environment_probe_alarm_state=maxTemperature" in result.reason


async def test_a_ups_card_with_an_integrated_monitor_gets_both_profiles(profiles):
    result = await poll(profiles, "apc-ups-iem")
    assert {"apc-ups", "apc-iem"} <= set(result.profiles)
    assert value(result, "environment_temperature_celsius", sensor="Battery cabinet") == 26
    assert value(result, "environment_humidity_ratio", sensor="Battery cabinet") == pytest.approx(0.48)
    assert not [r for r in result.readings if r.metric == "tierwatch_environment_temperature_celsius"
                and dict(r.labels)["sensor"] == "Unplugged"]
    assert present(result, "environment_contact_state", sensor="Cabinet door") == "noFault"
    assert result.health == "ok"
    faulted = await poll(profiles, "apc-ups-iem", **{IEM_CONTACT: 2})
    assert faulted.health == "degraded" and "environment_contact_state=fault" in faulted.reason


async def test_a_netbotz_v2_appliance_reads_its_tenths_and_names_sensors_by_their_id_strings(profiles):
    result = await poll(profiles, "netbotz-v2")
    assert result.status == "ok" and result.profiles == ["netbotz-v2"]
    assert value(result, "environment_temperature_celsius", sensor_id="nbHawk_TEMP") == pytest.approx(24.3)
    assert value(result, "environment_humidity_ratio", sensor="Rack 5 top") == pytest.approx(0.412)
    assert value(result, "environment_dew_point_celsius") == pytest.approx(10.4)
    assert value(result, "environment_air_flow_meters_per_second") == pytest.approx(2.0)
    assert present(result, "environment_door_state", sensor="Rack 5 rear door") == "open"
    assert present(result, "environment_sensor_error_state", sensor_type="door") == "error"
    assert (result.health, result.reason) == ("degraded", "environment_sensor_error_state=error")
