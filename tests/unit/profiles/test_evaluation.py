"""From varbinds to readings: scaling, digits, enums, nodata, lookups, detection, health."""

from __future__ import annotations

import pytest

from agent.profiles.detect import detect
from agent.profiles.evaluate import SnmpData, evaluate, judge_health
from agent.profiles.model import Profile
from agent.snmp import types as t
from agent.snmp.types import Varbind

PDU = Profile.model_validate({
    "name": "pdu", "description": "test PDU", "labels": {"device_class": "pdu"},
    "detect": {"sys_object_id": ["1.3.6.1.4.1.9"]},
    "scalars": [
        {"name": "ups_output_source_state", "oid": "1.9.1.0", "help": "source", "enum": {"3": "normal", "5": "battery"}},
        {"name": "ups_battery_current_amperes", "oid": "1.9.2.0", "help": "current", "scale": 0.1, "nodata": [-1]},
        {"name": "ups_battery_runtime_remaining_seconds", "oid": "1.9.3.0", "help": "runtime",
         "convert": "minutes_to_seconds"},
        {"name": "ups_load_ratio", "oid": "1.9.4.0", "help": "load", "convert": "percent_to_ratio"},
        {"name": "temp_celsius", "oid": "1.9.5.0", "help": "temp", "convert": "fahrenheit_to_celsius"},
        {"name": "host_load_average", "oid": "1.9.6.0", "help": "load as text"},
    ],
    "tables": [{
        "name": "sensorTable",
        "index": [{"label": "pdu"}, {"label": "outlet"}, {"label": "kind", "map": {"1": "current", "5": "power"}}],
        "lookups": [{"label": "outlet_name", "oid": "1.9.20.1.2", "index": [0, 1]}],
        "metrics": [
            {"name": "pdu_outlet_current_amperes", "oid": "1.9.10.1.4", "where": {"kind": "current"}, "help": "current",
             "digits": {"oid": "1.9.11.1.7", "default": 3}},
            {"name": "pdu_outlet_power_watts", "oid": "1.9.10.1.4", "where": {"kind": "power"}, "help": "power"},
        ],
    }],
    "health": {"critical": [{"metric": "ups_output_source_state", "states": ["battery"]}],
               "degraded": [{"metric": "ups_load_ratio", "above": 0.8}]},
})


def vb(oid: str, value, kind: str = t.INTEGER) -> Varbind:
    return Varbind(oid, kind, value)


def data(**overrides) -> SnmpData:
    scalars = {
        "1.9.1.0": vb("1.9.1.0", 3), "1.9.2.0": vb("1.9.2.0", -1), "1.9.3.0": vb("1.9.3.0", 135),
        "1.9.4.0": vb("1.9.4.0", 35), "1.9.5.0": vb("1.9.5.0", 68), "1.9.6.0": vb("1.9.6.0", b"0.42", t.OCTET_STRING),
    }
    scalars.update(overrides)
    d = SnmpData(scalars=scalars)
    d.add_column("1.9.10.1.4", [vb("1.9.10.1.4.1.1.1", 680, t.GAUGE32), vb("1.9.10.1.4.1.1.5", 138, t.GAUGE32),
                                vb("1.9.10.1.4.1.2.1", 1234, t.GAUGE32)])
    d.add_column("1.9.11.1.7", [vb("1.9.11.1.7.1.2.1", 2, t.GAUGE32)])  # outlet 1 has no digits: default 3
    d.add_column("1.9.20.1.2", [vb("1.9.20.1.2.1.1", b"web-01", t.OCTET_STRING)])
    return d


def series(samples, metric):
    return {s.labels: (s.value, s.oid) for s in samples if s.metric == "tierwatch_" + metric}


def test_an_enum_becomes_one_series_per_state_with_the_present_one_at_1():
    got = series(evaluate(PDU, data()), "ups_output_source_state")
    assert got == {(("device_class", "pdu"), ("state", "normal")): (1.0, "1.9.1.0"),
                   (("device_class", "pdu"), ("state", "battery")): (0.0, "1.9.1.0")}


def test_a_nodata_value_is_not_exported_and_a_real_one_is_scaled():
    assert series(evaluate(PDU, data()), "ups_battery_current_amperes") == {}
    got = series(evaluate(PDU, data(**{"1.9.2.0": vb("1.9.2.0", 42)})), "ups_battery_current_amperes")
    assert list(got.values()) == [(4.2, "1.9.2.0")]


@pytest.mark.parametrize(("metric", "value"), [
    ("ups_battery_runtime_remaining_seconds", 8100.0),
    ("ups_load_ratio", 0.35),
    ("temp_celsius", 20.0),
    ("host_load_average", 0.42),
])
def test_units_are_normalised_to_base_units(metric, value):
    [(got, _)] = series(evaluate(PDU, data()), metric).values()
    assert got == pytest.approx(value)


def test_decimal_digits_come_from_another_column_or_the_default_and_both_oids_are_named():
    got = series(evaluate(PDU, data()), "pdu_outlet_current_amperes")
    assert got[(("device_class", "pdu"), ("outlet", "1"), ("outlet_name", "web-01"), ("pdu", "1"))] == (
        0.68, "1.9.10.1.4.1.1.1")
    assert got[(("device_class", "pdu"), ("outlet", "2"), ("pdu", "1"))] == (
        12.34, ("1.9.10.1.4.1.2.1", "1.9.11.1.7.1.2.1"))


def test_where_splits_a_generic_sensor_table_into_named_metrics_and_drops_the_constant_label():
    got = series(evaluate(PDU, data()), "pdu_outlet_power_watts")
    assert got == {(("device_class", "pdu"), ("outlet", "1"), ("outlet_name", "web-01"), ("pdu", "1")):
                   (138.0, "1.9.10.1.4.1.1.5")}


def test_health_is_critical_when_a_critical_state_is_present_and_names_it():
    assert judge_health([PDU], {"pdu": evaluate(PDU, data())}) == ("ok", "")
    bad = evaluate(PDU, data(**{"1.9.1.0": vb("1.9.1.0", 5), "1.9.4.0": vb("1.9.4.0", 95)}))
    health, reason = judge_health([PDU], {"pdu": bad})
    assert health == "critical"
    assert reason == "ups_output_source_state=battery; ups_load_ratio=0.95 above 0.8"


def _profile(name: str, prefixes=(), exists=()) -> Profile:
    return Profile.model_validate({"name": name, "description": "detect test",
                                   "detect": {"sys_object_id": list(prefixes), "exists": list(exists)},
                                   "scalars": [{"name": "x", "oid": "1.2.3.0", "help": "x x"}]})


def test_the_longest_sys_object_id_prefix_wins_and_probed_standard_mibs_are_added():
    generic = _profile("vendor", ["1.3.6.1.4.1.318"])
    specific = _profile("vendor-pdu", ["1.3.6.1.4.1.318.1.3.4"])
    ups_mib = _profile("ups-mib", exists=["1.3.6.1.2.1.33.1.2.1.0"])
    pool = [generic, specific, ups_mib]
    assert [p.name for p in detect(pool, "1.3.6.1.4.1.318.1.3.4.6", set())] == ["vendor-pdu"]
    assert [p.name for p in detect(pool, "1.3.6.1.4.1.318.1.3.27", set())] == ["vendor"]
    assert [p.name for p in detect(pool, "1.3.6.1.4.1.3181", {"1.3.6.1.2.1.33.1.2.1.0"})] == ["ups-mib"]
    assert detect(pool, "1.3.6.1.4.1.8072.3.2.10", set()) == []


SELF_DESCRIBING = Profile.model_validate({
    "name": "self-describing", "description": "a table whose rows carry their own unit, scale and states",
    "tables": [
        {"name": "analogTable", "index": [{"label": "unit"}, {"label": "row"}],
         "lookups": [{"label": "units", "oid": "1.8.1.4"}],
         "metrics": [
             {"name": "t_celsius", "oid": "1.8.1.3", "divide_by": "1.8.1.5", "where": {"units": "C"}, "help": "temp"},
             {"name": "p_pascals", "oid": "1.8.1.3", "divide_by": "1.8.1.5", "where": {"units": "bar"},
              "convert": "bar_to_pascals", "help": "pressure"},
         ]},
        {"name": "discreteTable", "index": [{"label": "unit"}, {"label": "row"}],
         "metrics": [{"name": "d_state", "oid": "1.8.2.4", "enum_from": {"oid": "1.8.2.5"}, "help": "discrete"}]},
    ],
})


def _self_describing() -> SnmpData:
    d = SnmpData()
    d.add_column("1.8.1.3", [vb("1.8.1.3.1.1", 194), vb("1.8.1.3.1.2", 118), vb("1.8.1.3.1.3", 50)])
    d.add_column("1.8.1.4", [vb(f"1.8.1.4.1.{i}", u, t.OCTET_STRING) for i, u in ((1, b"C"), (2, b"bar"), (3, b"C"))])
    d.add_column("1.8.1.5", [vb("1.8.1.5.1.1", 10), vb("1.8.1.5.1.2", 10), vb("1.8.1.5.1.3", 0)])
    d.add_column("1.8.2.4", [vb("1.8.2.4.1.1", 1), vb("1.8.2.4.1.2", 3), vb("1.8.2.4.1.3", 0)])
    d.add_column("1.8.2.5", [vb("1.8.2.5.1.1", b"Open(0),Closed(1)", t.OCTET_STRING),
                             vb("1.8.2.5.1.2", b"Primary (0), Secondary(1)", t.OCTET_STRING),
                             vb("1.8.2.5.1.3", b"no states listed", t.OCTET_STRING)])
    d.add_column("1.8.2.4", [vb("1.8.2.4.2.1", 4)])
    d.add_column("1.8.2.5", [vb("1.8.2.5.2.1", b"Under(0),Okay(1),NA(3),NA(4)", t.OCTET_STRING)])
    return d


def test_divide_by_takes_each_rows_divisor_from_another_column_and_a_zero_divisor_yields_nothing():
    samples = evaluate(SELF_DESCRIBING, _self_describing())
    assert series(samples, "t_celsius") == {(("row", "1"), ("unit", "1")): (19.4, ("1.8.1.3.1.1", "1.8.1.5.1.1"))}
    [(pascals, _)] = series(samples, "p_pascals").values()
    assert pascals == pytest.approx(1.18e6)


def test_enum_from_reads_each_rows_states_from_its_listing_and_a_row_without_one_yields_nothing():
    got = series(evaluate(SELF_DESCRIBING, _self_describing()), "d_state")
    assert {labels: value for labels, (value, _) in got.items()} == {
        (("row", "1"), ("state", "Open"), ("unit", "1")): 0.0,
        (("row", "1"), ("state", "Closed"), ("unit", "1")): 1.0,
        (("row", "2"), ("state", "Primary"), ("unit", "1")): 0.0,   # 3 is not listed: every state 0
        (("row", "2"), ("state", "Secondary"), ("unit", "1")): 0.0,
        (("row", "1"), ("state", "Under"), ("unit", "2")): 0.0,   # two values named NA: one series
        (("row", "1"), ("state", "Okay"), ("unit", "2")): 0.0,
        (("row", "1"), ("state", "NA"), ("unit", "2")): 1.0,
    }


@pytest.mark.parametrize(("metric", "problem"), [
    ({"name": "x_state", "oid": "1.1", "help": "x x", "enum": {"1": "a"}, "enum_from": {"oid": "1.2"}}, "not both"),
    ({"name": "x_value", "oid": "1.1", "help": "x x", "enum_from": {"oid": "1.2"}}, "_state"),
    ({"name": "x_state", "oid": "1.1", "help": "x x", "enum_from": {"oid": "1.2"}, "divide_by": "1.3"}, "divide_by"),
    ({"name": "x_bars", "oid": "1.1", "help": "x x", "convert": "bar_to_pascals"}, "_pascals"),
])
def test_incoherent_enum_from_divide_by_and_conversions_are_refused(metric, problem):
    with pytest.raises(ValueError, match=problem):
        Profile.model_validate({"name": "bad", "description": "bad one", "scalars": [metric]})


def test_consecutive_index_parts_that_share_a_label_make_one_label_joined_with_a_dot():
    probes = Profile.model_validate({
        "name": "probes", "description": "test probes",
        "tables": [{"name": "probeTable", "index": [{"label": "sensor_id"}, {"label": "sensor_id"}],
                    "lookups": [{"label": "sensor", "oid": "1.9.30.1.3"}],
                    "metrics": [{"name": "environment_temperature_celsius", "oid": "1.9.30.1.6", "help": "temp"}]}],
    })
    d = SnmpData(scalars={})
    d.add_column("1.9.30.1.6", [vb("1.9.30.1.6.1.1", 21), vb("1.9.30.1.6.2.1", 24)])
    d.add_column("1.9.30.1.3", [vb("1.9.30.1.3.2.1", b"rack 2 top", t.OCTET_STRING)])
    got = series(evaluate(probes, d), "environment_temperature_celsius")
    assert got == {(("sensor_id", "1.1"),): (21.0, "1.9.30.1.6.1.1"),
                   (("sensor", "rack 2 top"), ("sensor_id", "2.1")): (24.0, "1.9.30.1.6.2.1")}



def test_scale_by_multiplies_by_a_positive_factor_divides_by_a_negative_one_and_skips_zero():
    profile = Profile.model_validate({
        "name": "signed", "description": "signed scale column", "tables": [{
            "name": "varTable", "index": [{"label": "var"}],
            "metrics": [{"name": "v_watts", "oid": "1.7.11", "scale_by": "1.7.7", "help": "value"}]}]})
    d = SnmpData()
    d.add_column("1.7.11", [vb("1.7.11.1", 235), vb("1.7.11.2", 12), vb("1.7.11.3", 5), vb("1.7.11.4", 9)])
    d.add_column("1.7.7", [vb("1.7.7.1", -10), vb("1.7.7.2", 100), vb("1.7.7.3", 0)])
    got = {labels: value for labels, (value, _) in series(evaluate(profile, d), "v_watts").items()}
    assert got == {(("var", "1"),): 23.5, (("var", "2"),): 1200.0}  # 3: factor 0, 4: no factor
