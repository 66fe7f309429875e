"""The demo device recordings are valid snmprec that snmpsim can walk."""

from pathlib import Path

import pytest

from agent.snmp.fake import FakeSnmpClient, oid_key

DEVICES = Path(__file__).resolve().parents[3] / "config" / "demo" / "devices"
FILES = sorted(DEVICES.glob("*.snmprec"))
SYSTEM = ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.5.0"]


def test_the_demo_has_a_ups_two_pdus_and_a_cooling_unit():
    assert {p.stem for p in FILES} >= {"ups-a", "pdu-a", "pdu-b", "crac-1"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_recording_is_sorted_by_oid_without_leading_dots_or_duplicates(path):
    oids = [line.split("|", 1)[0] for line in path.read_text().splitlines() if line.strip()]
    assert not [o for o in oids if o.startswith(".")]
    assert oids == sorted(oids, key=oid_key)
    assert len(set(oids)) == len(oids)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
async def test_each_recording_answers_the_system_group(path):
    fake = FakeSnmpClient.from_snmprec(path)
    got = await fake.get(None, SYSTEM)
    assert list(got) == SYSTEM


@pytest.mark.parametrize(
    ("device", "sys_object_id", "subtree", "rows"),
    [
        ("ups-a", "1.3.6.1.4.1.8072.3.2.10", "1.3.6.1.2.1.33.1.4.4.1.2", 3),  # upsOutputVoltage
        ("pdu-a", "1.3.6.1.4.1.318.1.3.4.6", "1.3.6.1.4.1.318.1.1.26.6.3.1.5", 3),  # rPDU2PhaseStatusCurrent
        ("pdu-b", "1.3.6.1.4.1.318.1.3.4.6", "1.3.6.1.4.1.318.1.1.26.9.4.3.1.3", 8),  # rPDU2OutletMeteredStatusName
        ("crac-1", "1.3.6.1.4.1.476.1.42", "1.3.6.1.4.1.476.1.42.3.4.1.3.3.1.3", 2),  # lgpEnvTemperatureMeasurementDegC
    ],
)
async def test_each_device_carries_its_vendor_identity_and_key_table(device, sys_object_id, subtree, rows):
    fake = FakeSnmpClient.from_snmprec(DEVICES / f"{device}.snmprec")
    assert (await fake.get(None, ["1.3.6.1.2.1.1.2.0"]))["1.3.6.1.2.1.1.2.0"].value == sys_object_id
    assert len(await fake.walk(None, subtree)) == rows
