"""A switch speaking ENTITY-SENSOR-MIB, served by snmpsim, is detected and read through the real client.

snmpsim serves a copy of `tests/data/entity-sensor-switch.snmprec` (community = its file name);
the agent's SnmpSource detects the profile itself (`profiles: [auto]`): the switch's
sysObjectID is claimed by no profile, so only the GETNEXT probe of entPhySensorType finds it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.config import SnmpTarget
from agent.profiles.loader import load_profiles
from agent.snmp.client import SnmpClient
from agent.snmp.errors import SnmpError
from agent.snmp.types import Endpoint
from agent.sources.snmp import SnmpSource
from tests.peers.snmpsim import RESPONDER, SnmpsimPeer
from tierwatch_common.vocabulary import OK

pytestmark = pytest.mark.integration

RECORDING = Path(__file__).resolve().parents[1] / "data" / "entity-sensor-switch.snmprec"
COMMUNITY = RECORDING.stem
SENSOR_TYPE = "1.3.6.1.2.1.99.1.1.1.1"  # entPhySensorType


@dataclass
class RecordingPeer(SnmpsimPeer):
    """snmpsim over a folder holding only this recording; ready when it answers sysObjectID.0."""

    async def _answers(self) -> bool:
        client = SnmpClient()
        try:
            return bool(await client.get(self.endpoint(COMMUNITY, timeout=0.5, retries=0), ["1.3.6.1.2.1.1.2.0"]))
        except SnmpError:
            return False
        finally:
            await client.close()


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    if not RESPONDER.exists():
        pytest.skip(f"snmpsim is not installed at {RESPONDER}; run: bash scripts/setup.sh --with-debs")
    folder = tmp_path_factory.mktemp("entity-sensor-data")
    shutil.copy(RECORDING, folder / RECORDING.name)
    running = RecordingPeer(data_dir=folder).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
async def client():
    c = SnmpClient()
    yield c
    await c.close()


def v1(peer: SnmpsimPeer) -> Endpoint:
    return Endpoint(peer.host, peer.port, "1", community=COMMUNITY, timeout=3.0, retries=1)


@pytest.mark.parametrize("version", ["2c", "1"])
async def test_the_switch_is_detected_by_probing_and_its_sensors_read_in_base_units(peer, client, version):
    ep = peer.endpoint(COMMUNITY, timeout=3.0) if version == "2c" else v1(peer)
    target = SnmpTarget(name="sw-r12-a", address=peer.host, port=peer.port, credentials="rec", profiles=["auto"],
                        timeout=30, labels={"rack": "r12"})
    result = await SnmpSource(target, ep, load_profiles(), client).poll()
    assert result.status == OK, result.reason
    assert (result.profiles, result.sys_object_id) == (["entity-sensor"], "1.3.6.1.4.1.9.1.2134")
    values = {(r.metric.removeprefix("tierwatch_"), dict(r.labels).get("sensor"), dict(r.labels).get("state")):
              r.value for r in result.readings}
    expected = {
        ("sensor_voltage_volts", "PSU 1 Input Voltage"): 230.4,
        ("sensor_voltage_volts", "PSU 1 Output Voltage"): 12.05,
        ("sensor_current_amperes", "PSU 1 Output Current"): 15.75,
        ("sensor_current_amperes", "PSU 2 output current sensor"): 2.5,
        ("sensor_power_watts", "PSU 1 Input Power"): 187.0,
        ("sensor_power_watts", "PSU 2 Input Power"): 1234.0,
        ("sensor_frequency_hertz", "Mains Frequency"): 50.02,
        ("sensor_temperature_celsius", "Inlet Temperature"): 23.5,
        ("sensor_temperature_celsius", "CPU Temperature"): 48.5,
        ("sensor_humidity_ratio", "Inlet Humidity"): 0.412,
        ("sensor_fan_speed_rpm", "Fan 1"): 8400.0,
        ("sensor_fan_speed_rpm", "Fan 2"): 7900.0,
    }
    got = {(m, s): v for (m, s, state), v in values.items() if m != "sensor_oper_status_state"}
    assert got == pytest.approx(expected, rel=1e-12)
    assert values[("sensor_oper_status_state", "PSU 2 Input Voltage", "unavailable")] == 1.0
    assert (result.health, result.reason) == ("ok", "")
    kinds = {dict(r.labels)["kind"] for r in result.readings if r.metric == "tierwatch_sensor_voltage_volts"}
    assert kinds == {"ac", "dc"}
    assert all(dict(r.labels).get("rack") == "r12" for r in result.readings)


@pytest.mark.parametrize("version", ["2c", "1"])
async def test_getnext_answers_the_first_instance_of_a_column_and_nothing_past_the_end_of_the_mib(
        peer, client, version):
    ep = peer.endpoint(COMMUNITY, timeout=3.0) if version == "2c" else v1(peer)
    last = RECORDING.read_text().splitlines()[-1].split("|")[0]
    got = await client.get_next(ep, [SENSOR_TYPE, last])
    assert list(got) == [SENSOR_TYPE]
    assert (got[SENSOR_TYPE].oid, got[SENSOR_TYPE].value) == (SENSOR_TYPE + ".1001", 3)
