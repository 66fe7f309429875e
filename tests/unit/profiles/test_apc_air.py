"""APC's older cooling MIB branches (PowerNet-MIB airIRRC for InRow RC, airFM for NetworkAIR FM),
each on a recording of our own written from the MIB (tests/data/apc-air-*.snmprec): the metric
objects are read (not their US twins), scaled as their DESCRIPTIONs say, and "does not apply"
values are skipped."""

from __future__ import annotations

import pytest

from tests.unit.profiles.recorded import poll, present, recording, values

LEAK = "1.3.6.1.4.1.318.1.1.13.3.2.2.2.27.0"
FM_STATUS = "1.3.6.1.4.1.318.1.1.13.1.4.1.2.0"
FM_ALARM_SEVERITY = "1.3.6.1.4.1.318.1.1.13.1.6.4.1.2.1"


async def test_an_inrow_rc_reads_air_and_fluid_temperatures_flows_output_and_fan_speed_in_base_units():
    result = await poll(recording("apc-air-irrc"))
    assert result.status == "ok" and result.profiles == ["apc-air-irrc"]
    assert values(result, "cooling_supply_air_temperature_celsius", "unit") == {("1",): 21.6}
    assert values(result, "cooling_return_air_temperature_celsius", "unit") == {("1",): 33.8}
    assert values(result, "cooling_temperature_celsius", "unit", "sensor") == {
        ("1", "rack_inlet"): 23.1, ("group", "max_rack_inlet"): 24.4}
    assert values(result, "cooling_power_watts", "unit", "sensor") == {
        ("1", "cool_output"): 14200.0, ("1", "cool_demand"): 15000.0, ("group", "cool_output"): 44100.0}
    assert values(result, "cooling_airflow_cubic_meters_per_second", "unit") == {
        ("1",): pytest.approx(0.84012), ("group",): pytest.approx(2.51)}
    assert values(result, "cooling_water_flow_cubic_meters_per_second", "unit") == {("1",): pytest.approx(0.00071)}
    assert values(result, "cooling_water_inlet_temperature_celsius", "unit") == {("1",): 12.1}
    assert values(result, "cooling_fan_speed_ratio", "fan") == {("average",): pytest.approx(0.655)}
    assert values(result, "cooling_operating_seconds_total", "sensor")[("Fan1",)] == 21350 * 3600
    assert values(result, "cooling_temperature_threshold_celsius", "sensor", "level") == {
        ("rack_inlet", "upper_critical"): 27.0}
    assert present(result, "cooling_system_state", "unit") == {("1",): "on"}
    assert result.health == "ok"


async def test_a_leak_under_an_inrow_rc_counts_as_down():
    result = await poll(recording("apc-air-irrc", **{LEAK: 2}))
    assert (result.health, result.reason) == ("critical", "cooling_leak_state=leak")


async def test_a_networkair_fm_reads_system_and_module_air_skipping_what_does_not_apply():
    result = await poll(recording("apc-air-fm"))
    assert result.status == "ok" and result.profiles == ["apc-air-fm"]
    assert values(result, "cooling_return_air_temperature_celsius", "unit") == {("system",): 24.1, ("1",): 24.3,
                                                                              ("2",): 23.9}
    assert values(result, "cooling_supply_air_temperature_celsius", "unit") == {("1",): 14.2, ("2",): 14.8}
    assert values(result, "cooling_humidity_ratio", "unit", "sensor")[("system", "control")] == 0.45
    assert values(result, "cooling_humidity_ratio", "unit", "sensor")[("1", "supply_air")] == pytest.approx(0.611)
    assert values(result, "cooling_water_inlet_temperature_celsius", "circuit") == {("coil",): 9}
    temps = values(result, "cooling_temperature_celsius", "sensor")
    assert "hot_water" not in {k[0] for k in temps} and temps[("maximum_remote",)] == 25.1
    assert values(result, "cooling_pressure_pascals", "unit", "sensor") == {
        ("1", "filter_differential"): 88, ("2", "filter_differential"): 93, ("1", "coil_differential"): 120}
    assert values(result, "cooling_level_ratio", "sensor") == {("coil_cooling_demand",): 0.58, ("coil_output",): 0.55}


async def test_an_fm_alarm_condition_degrades_and_a_failed_system_is_down():
    result = await poll(recording("apc-air-fm"))
    assert present(result, "cooling_active_alarm_state", "alarm") == {("Main module air filter clogged",): "warningMinor"}
    assert (result.health, result.reason) == ("degraded", "cooling_active_alarm_state=warningMinor")
    assert (await poll(recording("apc-air-fm", **{FM_ALARM_SEVERITY: 1}))).health == "ok"
    down = await poll(recording("apc-air-fm", **{FM_STATUS: 7}))
    assert down.health == "critical" and down.reason.startswith("cooling_system_state=failed")
