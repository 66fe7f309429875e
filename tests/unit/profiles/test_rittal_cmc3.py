"""Rittal CMC III: the self-describing variable table (RITTAL-CMC-III-MIB) read by each row's type,
unit and signed scale, on a recording of our own written from the MIB (tests/data/rittal-cmc3.snmprec):
a processing unit with a temperature/humidity sensor, an LCP reporting in degree F, rpm, l/min,
W and kWh, and an I/O module that went missing from the bus."""

from __future__ import annotations

import pytest

from tests.unit.profiles.recorded import poll, present, recording, values

UNIT_STATUS = "1.3.6.1.4.1.2606.7.2.1.0"
DEV_STATUS = "1.3.6.1.4.1.2606.7.4.1.2.1.6"
QUALITY = "1.3.6.1.4.1.2606.7.4.2.2.1.14"


async def test_value_rows_become_metrics_by_their_unit_scaled_by_their_signed_scale():
    result = await poll(recording("rittal-cmc3"))
    assert result.status == "ok" and result.profiles == ["rittal-cmc3"]
    temps = values(result, "cooling_temperature_celsius", "unit", "sensor")
    assert temps == {("1", "Temperature.Value"): 29.5, ("2", "Temperature.Value"): 23.5,
                     ("3", "Server-In.Temperature.Value"): pytest.approx(24.0)}  # 75.2 °F
    assert values(result, "cooling_level_ratio", "unit", "sensor") == {("2", "Humidity.Value"): 0.41}
    assert values(result, "cooling_fan_speed_rpm", "sensor") == {("Fan1.Speed.Value",): 1450}
    assert values(result, "cooling_flow_cubic_meters_per_second", "sensor")[("Water-Flow.Value",)] == (
        pytest.approx(42.5 / 60000))
    assert values(result, "cooling_power_watts", "sensor") == {("Cooling-Capacity.Value",): 3500}  # 35 × +100
    assert values(result, "cooling_energy_joules_total", "sensor")[("Energy.Value",)] == pytest.approx(12345.6 * 3.6e6)


async def test_threshold_rows_become_levels_and_description_rows_are_not_read():
    result = await poll(recording("rittal-cmc3"))
    assert values(result, "cooling_temperature_threshold_celsius", "unit", "level") == {
        ("2", "upper_critical"): 35.0, ("2", "upper_warning"): 30.0,
        ("2", "lower_warning"): 15.0, ("2", "lower_critical"): 10.0}
    assert not any("Unit.Description" in dict(r.labels).get("sensor", "") for r in result.readings)


async def test_a_warning_quality_or_a_lost_device_degrades_and_a_failed_unit_is_down():
    result = await poll(recording("rittal-cmc3"))
    assert present(result, "cooling_status_state", "sensor") == {("Temperature.Status",): "ok",
                                                                ("Humidity.Status",): "warning"}
    assert present(result, "cooling_device_state", "device")[("CMCIII-IO3",)] == "lost"
    assert (result.health, result.reason) == ("degraded", "cooling_status_state=warning; cooling_device_state=lost")
    fine = await poll(recording("rittal-cmc3", **{f"{QUALITY}.2.8": 2, f"{DEV_STATUS}.4": 2}))
    assert fine.health == "ok"
    down = await poll(recording("rittal-cmc3", **{UNIT_STATUS: 2}))
    assert down.health == "critical" and down.reason.startswith("cooling_controller_state=failed")
