"""ENTITY-SENSOR-MIB: detection by a populated column, SI scale and precision, nodata, health.

The recording `tests/data/entity-sensor-switch.snmprec` is a switch whose sysObjectID no profile
claims; its sensors use several scales and precisions and one of them is unavailable.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from agent.config import SnmpTarget
from agent.profiles.detect import detect, populated, probe_subtrees
from agent.profiles.evaluate import SnmpData, evaluate, plan
from agent.profiles.loader import load_profile_file, load_profiles
from agent.profiles.model import Profile
from agent.snmp import client as seam
from agent.snmp import types as t
from agent.snmp.fake import FakeSnmpClient
from agent.snmp.types import Endpoint, Varbind
from agent.sources.snmp import SnmpSource
from tierwatch_common.configfile import ConfigError

RECORDING = Path(__file__).resolve().parents[2] / "data" / "entity-sensor-switch.snmprec"
EP = Endpoint("192.0.2.7", community="public")
SENSOR = "1.3.6.1.2.1.99.1.1.1"
TYPE, SCALE, PRECISION, VALUE, STATUS = (f"{SENSOR}.{n}" for n in range(1, 6))


@pytest.fixture(scope="module")
def profiles():
    return load_profiles()


def switch(**changes: int) -> FakeSnmpClient:
    """The recorded switch, with some instance OIDs answering other integers."""
    oids = FakeSnmpClient.from_snmprec(RECORDING).oids
    for oid, value in changes.items():
        oids[oid] = Varbind(oid, t.INTEGER, value)
    return FakeSnmpClient(oids)


async def poll(profiles, client: FakeSnmpClient):
    target = SnmpTarget(name="sw-r12-a", address="192.0.2.7", credentials="c", profiles=["auto"],
                        labels={"rack": "r12"})
    source = SnmpSource(target, EP, profiles, client)
    return source, await source.poll()


def readings(result, metric: str) -> dict[str, tuple[float, dict[str, str]]]:
    """sensor name → (value, labels without target labels) for one metric."""
    out = {}
    for r in result.readings:
        if r.metric == "tierwatch_" + metric:
            labels = {k: v for k, v in r.labels if k != "rack"}
            out[labels["sensor"] + (f"/{labels['state']}" if "state" in labels else "")] = (r.value, labels)
    return out


async def test_a_switch_with_an_unclaimed_sys_object_id_is_detected_by_its_populated_sensor_column(profiles):
    client = switch()
    source, result = await poll(profiles, client)
    assert (result.status, result.profiles, result.sys_object_id) == ("ok", ["entity-sensor"],
                                                                     "1.3.6.1.4.1.9.1.2134")
    assert any(kind == "get_next" and TYPE in oids for kind, oids in client.calls)  # one GETNEXT for all probes
    calls = len(client.calls)
    await source.poll()
    assert all(kind != "get_next" for kind, _ in client.calls[calls:]), "no probing once detected"


@pytest.mark.parametrize(("metric", "sensor", "value", "extra"), [
    ("sensor_voltage_volts", "PSU 1 Input Voltage", 230.4, {"kind": "ac"}),       # units, precision 1
    ("sensor_voltage_volts", "PSU 1 Output Voltage", 12.05, {"kind": "dc"}),      # milli, precision 0
    ("sensor_current_amperes", "PSU 1 Output Current", 15.75, {}),                # units, precision 2
    ("sensor_current_amperes", "PSU 2 output current sensor", 2.5, {}),           # micro; named by descr
    ("sensor_power_watts", "PSU 1 Input Power", 187.0, {}),                      # units, precision 0
    ("sensor_power_watts", "PSU 2 Input Power", 1234.0, {}),                      # kilo, precision 3
    ("sensor_frequency_hertz", "Mains Frequency", 50.02, {}),
    ("sensor_temperature_celsius", "Inlet Temperature", 23.5, {}),
    ("sensor_temperature_celsius", "CPU Temperature", 48.5, {}),                  # milli
    ("sensor_humidity_ratio", "Inlet Humidity", 0.412, {}),                       # percentRH → ratio
    ("sensor_fan_speed_rpm", "Fan 1", 8400.0, {}),
    ("sensor_fan_speed_rpm", "Fan 2", 7900.0, {}),                                # precision -2: no shift
])
async def test_each_sensor_type_becomes_its_metric_in_base_units_after_scale_and_precision(
        profiles, metric, sensor, value, extra):
    _, result = await poll(profiles, switch())
    got, labels = readings(result, metric)[sensor]
    assert got == pytest.approx(value, rel=1e-12)
    assert {k: v for k, v in labels.items() if k not in ("sensor", "sensor_id")} == extra
    assert labels["sensor_id"].isdigit()


async def test_every_reading_names_the_value_scale_and_precision_oids_it_came_from(profiles):
    _, result = await poll(profiles, switch())
    [oids] = [oid for r, oid in zip(result.readings, result.oids)
              if r.metric == "tierwatch_sensor_power_watts" and ("sensor_id", "1005") in r.labels]
    assert sorted(oids) == sorted([f"{VALUE}.1005", f"{PRECISION}.1005", f"{SCALE}.1005"])


async def test_an_unavailable_sensor_exports_no_value_but_its_state_and_a_truthvalue_only_its_state(profiles):
    _, result = await poll(profiles, switch())
    assert "PSU 2 Input Voltage" not in readings(result, "sensor_voltage_volts")
    states = readings(result, "sensor_oper_status_state")
    assert states["PSU 2 Input Voltage/unavailable"][0] == 1.0
    assert states["PSU 2 Input Voltage/ok"][0] == 0.0
    assert states["Fan Tray Present/ok"][0] == 1.0
    assert not any(r.metric.startswith("tierwatch_sensor_") and ("sensor_id", "1014") in r.labels
                   and r.metric != "tierwatch_sensor_oper_status_state" for r in result.readings)
    assert (result.health, result.reason) == ("ok", "")


async def test_a_nonoperational_sensor_makes_the_device_degraded_and_its_value_is_not_exported(profiles):
    _, result = await poll(profiles, switch(**{f"{STATUS}.1007": 3}))
    assert "Inlet Temperature" not in readings(result, "sensor_temperature_celsius")
    assert "CPU Temperature" in readings(result, "sensor_temperature_celsius")
    assert (result.health, result.reason) == ("degraded", "sensor_oper_status_state=nonoperational")


async def test_a_scale_outside_the_mib_enumeration_yields_no_reading_rather_than_a_guess(profiles):
    _, result = await poll(profiles, switch(**{f"{SCALE}.1004": 99}))
    assert "PSU 1 Input Power" not in readings(result, "sensor_power_watts")
    assert "PSU 2 Input Power" in readings(result, "sensor_power_watts")


async def test_a_device_without_the_sensor_table_is_not_given_the_profile(profiles):
    oids = {o: vb for o, vb in FakeSnmpClient.from_snmprec(RECORDING).oids.items() if not o.startswith(TYPE + ".")}
    client = FakeSnmpClient(oids)  # GETNEXT of entPhySensorType now lands on entPhySensorScale
    _, result = await poll(profiles, client)
    assert result.profiles == []
    assert any(kind == "get_next" and TYPE in oids for kind, oids in client.calls)  # one GETNEXT for all probes


# -- detection by a populated subtree ---------------------------------------------------------

def test_a_subtree_is_populated_only_when_the_next_object_lies_below_it():
    root = "1.3.6.1.2.1.99.1.1.1.1"
    answers = {
        root: Varbind(root + ".1001", t.INTEGER, 8),
        "1.3.6.1.2.1.99.1.1.1.9": Varbind("1.3.6.1.2.1.99.1.1.1.10.1", t.INTEGER, 1),  # a sibling: 9 is empty
        "1.3.6.1.2.1.99.1.1.1.1.2": Varbind("1.3.6.1.2.1.99.1.1.1.1.20.1", t.INTEGER, 1),  # 1.20 is not under 1.2
    }
    roots = [root, "1.3.6.1.2.1.99.1.1.1.9", "1.3.6.1.2.1.99.1.1.1.1.2", "1.3.6.1.2.1.200"]  # last: end of MIB
    assert populated(roots, answers) == {root}


def test_a_profile_probing_a_subtree_is_chosen_only_when_all_its_probes_hold():
    both = Profile.model_validate({
        "name": "both", "description": "probe test", "scalars": [{"name": "x", "oid": "1.2.3.0", "help": "x x"}],
        "detect": {"exists": ["1.9.1.0"], "exists_under": ["1.9.2"]}})
    assert probe_subtrees([both, both]) == ["1.9.2"]
    assert detect([both], None, {"1.9.1.0"}, {"1.9.2"}) == [both]
    assert detect([both], None, {"1.9.1.0"}, set()) == []
    assert detect([both], None, set(), {"1.9.2"}) == []


async def test_the_fake_client_answers_getnext_by_the_requested_oid_and_nothing_past_the_end():
    fake = FakeSnmpClient.from_snmprec("1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.9\n1.3.6.1.2.1.99.1.1.1.1.7|2|8\n")
    got = await fake.get_next(None, ["1.3.6.1.2.1.99.1.1.1.1", "1.3.6.1.2.1.1", "1.3.6.1.2.1.99.1.1.1.1.7"])
    assert {k: v.oid for k, v in got.items()} == {"1.3.6.1.2.1.99.1.1.1.1": "1.3.6.1.2.1.99.1.1.1.1.7",
                                                  "1.3.6.1.2.1.1": "1.3.6.1.2.1.1.2.0"}


async def test_the_client_getnext_keys_answers_by_the_requested_oid_and_drops_a_v1_end_of_mib(monkeypatch):
    sent: list[list[str]] = []

    async def fake_next(engine, auth, target, context, *asked, **opts):
        sent.append(list(asked))
        if "1.3.6.1.9" in asked:  # SNMPv1 says noSuchName for the OID with nothing after it
            return None, rfc1902.Integer32(2), rfc1902.Integer32(asked.index("1.3.6.1.9") + 1), ()
        return None, rfc1902.Integer32(0), rfc1902.Integer32(0), [
            (rfc1902.ObjectName(a + ".5"), rfc1902.Integer32(i)) for i, a in enumerate(asked)]

    rfc1902 = seam.rfc1902
    monkeypatch.setattr(seam, "next_cmd", fake_next)
    monkeypatch.setattr(seam, "ObjectType", lambda identity: identity)
    monkeypatch.setattr(seam, "ObjectIdentity", str)
    client = seam.SnmpClient()
    try:
        got = await client.get_next(Endpoint("192.0.2.1", 161, "1", community="public"),
                                    ["1.3.6.1.2", "1.3.6.1.9", ".1.3.6.1.4"])
    finally:
        await client.close()
    assert {k: (v.oid, v.value) for k, v in got.items()} == {"1.3.6.1.2": ("1.3.6.1.2.5", 0),
                                                            "1.3.6.1.4": ("1.3.6.1.4.5", 1)}
    assert sent == [["1.3.6.1.2", "1.3.6.1.9", "1.3.6.1.4"], ["1.3.6.1.2", "1.3.6.1.4"]]


# -- scale_exponent in the schema and the engine ---------------------------------------------

def _exp_profile(**metric) -> Profile:
    return Profile.model_validate({
        "name": "exp", "description": "scale test",
        "scalars": [{"name": "s_watts", "oid": "1.8.1.0", "help": "scalar", **metric}],
        "tables": [{"name": "t", "index": [{"label": "row"}],
                    "metrics": [{"name": "t_volts", "oid": "1.8.2.1.4", "help": "column", **metric}]}],
    })


def _values(profile: Profile, data: SnmpData, metric: str) -> dict:
    return {dict(s.labels).get("row"): s.value for s in evaluate(profile, data) if s.metric == "tierwatch_" + metric}


def test_scale_exponent_multiplies_by_ten_to_the_mapped_power_and_combines_with_digits():
    p = _exp_profile(scale_exponent={"oid": "1.8.9.0", "map": {8: -3, 10: 3}}, digits={"oid": "1.8.8.0"})
    d = SnmpData(scalars={"1.8.1.0": Varbind("1.8.1.0", t.INTEGER, 1234),
                          "1.8.9.0": Varbind("1.8.9.0", t.INTEGER, 10),
                          "1.8.8.0": Varbind("1.8.8.0", t.INTEGER, 2)})
    [s] = [s for s in evaluate(p, d) if s.metric == "tierwatch_s_watts"]
    assert (s.value, s.oid) == (12340.0, ("1.8.1.0", "1.8.8.0", "1.8.9.0"))


def test_a_table_scale_exponent_is_read_per_row_and_its_default_used_when_unanswered():
    p = _exp_profile(scale_exponent={"oid": "1.8.2.1.2", "map": {8: -3, 9: 0}, "default": -3})
    d = SnmpData()
    d.add_column("1.8.2.1.4", [Varbind(f"1.8.2.1.4.{i}", t.INTEGER, 5000) for i in (1, 2, 3)])
    d.add_column("1.8.2.1.2", [Varbind("1.8.2.1.2.1", t.INTEGER, 9), Varbind("1.8.2.1.2.2", t.INTEGER, 8)])
    assert _values(p, d, "t_volts") == {"1": 5000.0, "2": 5.0, "3": 5.0}
    assert "1.8.2.1.2" in plan([p])[1]


def test_without_a_map_the_answer_is_the_exponent_and_a_wild_power_yields_nothing():
    p = _exp_profile(scale_exponent={"oid": "1.8.9.0"})
    base = {"1.8.1.0": Varbind("1.8.1.0", t.INTEGER, 7)}
    d = SnmpData(scalars={**base, "1.8.9.0": Varbind("1.8.9.0", t.INTEGER, -2)})
    assert _values(p, d, "s_watts") == {None: 0.07}
    d = SnmpData(scalars={**base, "1.8.9.0": Varbind("1.8.9.0", t.INTEGER, 2**31 - 1)})
    assert _values(p, d, "s_watts") == {}


@pytest.mark.parametrize(("metric", "message"), [
    ({"enum": {"1": "ok"}, "scale_exponent": {"oid": "1.8.9.0"}}, "enum metric takes no"),
    ({"scale_exponent": {"oid": "1.8.9.0", "map": {8: -300}}}, "less than or equal to 60|greater than or equal"),
    ({"scale_exponent": {"map": {8: -3}}}, "Field required"),
])
def test_scale_exponent_mistakes_are_refused(metric, message):
    with pytest.raises(ValidationError, match=message):
        Profile.model_validate({"name": "bad", "description": "bad one", "scalars": [
            {"name": "x_state" if "enum" in metric else "x", "oid": "1.8.1.0", "help": "x x", **metric}]})


def test_scale_exponent_index_is_checked_like_digits_index(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        "name: p\ndescription: index test\n"
        "scalars:\n  - {name: a, oid: 1.8.1.0, help: a a, scale_exponent: {oid: 1.8.9.0, index: [0]}}\n"
        "tables:\n  - name: t\n    index: [{label: row}]\n    metrics:\n"
        "      - {name: b, oid: 1.8.2.1.4, help: b b, scale_exponent: {oid: 1.8.2.1.2, index: [3]}}\n")
    with pytest.raises(ConfigError) as err:
        load_profile_file(path)
    text = str(err.value)
    assert "scalars[0].scale_exponent.index: scale_exponent.index is for table metrics only" in text
    assert "tables[0].metrics[0].scale_exponent.index: index part 3 does not exist" in text


def test_a_detect_section_needs_a_prefix_or_a_probe():
    with pytest.raises(ValidationError, match="exists_under"):
        Profile.model_validate({"name": "p", "description": "no detect", "detect": {},
                                "scalars": [{"name": "x", "oid": "1.2.3.0", "help": "x x"}]})
