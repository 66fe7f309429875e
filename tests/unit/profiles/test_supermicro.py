"""Supermicro servers: the BMC's power supplies (ATEN-IPMI-MIB) and SuperDoctor's health table
(SUPERMICRO-HEALTH-MIB), each on a small recording of our own written from the MIB
(tests/data/supermicro-*.snmprec). Both hosts answer with net-snmp's generic sysObjectID, so
the profiles are found by probing."""

from __future__ import annotations

import pytest

from tests.unit.profiles.recorded import poll, present, recording, values

PSU_STATUS = "1.3.6.1.4.1.21317.1.14.2.1.2"


async def test_a_supermicro_bmc_is_detected_by_probing_and_shows_the_supply_that_lost_its_feed():
    result = await poll(recording("supermicro-bmc"))
    assert result.status == "ok" and "supermicro-bmc" in result.profiles and "supermicro-superdoctor" not in result.profiles
    assert present(result, "server_power_supply_state", "supply") == {("1",): "good", ("2",): "fail"}
    assert (result.health, result.reason) == ("degraded", "server_power_supply_state=fail")


async def test_the_bmc_reads_each_supplys_power_voltage_current_temperatures_and_fans_in_base_units():
    result = await poll(recording("supermicro-bmc", **{f"{PSU_STATUS}.2": 1}))
    assert result.health == "ok"
    assert values(result, "server_power_supply_input_voltage_volts", "supply") == {("1",): 229.5, ("2",): 0.0}
    assert values(result, "server_power_supply_input_current_amperes", "supply")[("1",)] == pytest.approx(1.31)
    assert values(result, "server_power_supply_input_watts", "supply")[("1",)] == 296
    assert values(result, "server_power_supply_output_watts", "supply")[("1",)] == 275
    assert values(result, "server_power_supply_temperature_celsius", "supply", "sensor")[("1", "2")] == 38
    assert values(result, "server_power_supply_fan_speed_rpm", "supply", "fan")[("1", "1")] == 6144
    assert present(result, "server_power_state") == {(): "on"}
    assert present(result, "server_fan_mode_state") == {(): "optimal"}


async def test_a_bmc_whose_host_is_powered_off_counts_as_down():
    result = await poll(recording("supermicro-bmc", **{"1.3.6.1.4.1.21317.1.4.0": 0, f"{PSU_STATUS}.2": 1}))
    assert (result.health, result.reason) == ("critical", "server_power_state=off")


async def test_superdoctor_items_become_fan_voltage_and_temperature_metrics_by_their_type():
    result = await poll(recording("supermicro-superdoctor"))
    assert result.status == "ok" and "supermicro-superdoctor" in result.profiles and "supermicro-bmc" not in result.profiles
    assert values(result, "server_fan_speed_rpm", "sensor") == {("FAN1",): 5400, ("FAN2",): 5325}
    assert values(result, "server_voltage_volts", "sensor") == {("12V",): pytest.approx(12.096),
                                                                ("Vcpu1",): pytest.approx(1.823)}
    assert values(result, "server_temperature_celsius", "sensor") == {("CPU Temperature",): 86,
                                                                      ("System Temperature",): 29}
    assert values(result, "server_temperature_threshold_celsius", "sensor", "level")[
        ("CPU Temperature", "upper_critical")] == 85
    assert present(result, "server_temperature_state", "sensor")[("CPU Temperature",)] == "warning"


async def test_superdoctor_warning_makes_the_server_degraded_and_critical_makes_it_down():
    result = await poll(recording("supermicro-superdoctor"))
    assert result.health == "degraded"
    assert result.reason == "server_health_state=warning; server_temperature_state=warning"
    down = await poll(recording("supermicro-superdoctor", **{"1.3.6.1.4.1.10876.2.2.0": 2}))
    assert down.health == "critical"
