"""Bit-field states (an integer bit-field or SNMP BITS) and a lookup of one fixed instance."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent.profiles.evaluate import SnmpData, evaluate, judge_health, set_bits
from agent.profiles.model import Metric, Profile
from agent.snmp import types as t
from agent.snmp.types import Varbind

STATUS_BITS = {"0": "normalOperation", "1": "startUp", "3": "normalWithWarning", "4": "normalWithAlarm"}

PROFILE = Profile.model_validate({
    "name": "bits", "description": "bits test",
    "scalars": [
        {"name": "pdu_system_status_state", "oid": "1.9.1.0", "help": "bit-field", "bits": STATUS_BITS},
        {"name": "pdu_capabilities_state", "oid": "1.9.2.0", "help": "SNMP BITS",
         "bits": {"0": "dc", "1": "phase3", "2": "wye", "3": "delta"}},
    ],
    "tables": [{
        "name": "tempTable",
        "index": [{"label": "sensor"}],
        "lookups": [{"label": "scale", "oid": "1.9.5", "instance": "0", "map": {"0": "celsius", "1": "fahrenheit"}}],
        "metrics": [
            {"name": "t_celsius", "oid": "1.9.6.1.1", "where": {"scale": "celsius"}, "help": "in C", "scale": 0.1},
            {"name": "t_celsius", "oid": "1.9.6.1.1", "where": {"scale": "fahrenheit"}, "help": "in F",
             "scale": 0.1, "convert": "fahrenheit_to_celsius"},
        ],
    }],
    "health": {"critical": [{"metric": "pdu_system_status_state", "states": ["normalWithAlarm"]}],
               "degraded": [{"metric": "pdu_system_status_state", "states": ["normalWithWarning"]}]},
})


def snmp(status: int, scale: int) -> SnmpData:
    d = SnmpData(scalars={"1.9.1.0": Varbind("1.9.1.0", t.INTEGER, status),
                          "1.9.2.0": Varbind("1.9.2.0", t.OCTET_STRING, bytes([0b0110_0000]))})
    d.add_column("1.9.5", [Varbind("1.9.5.0", t.INTEGER, scale)])
    d.add_column("1.9.6.1.1", [Varbind("1.9.6.1.1.1", t.INTEGER, 770)])
    return d


def present(samples, metric: str) -> set[str]:
    return {dict(s.labels)["state"] for s in samples if s.metric == "tierwatch_" + metric and s.value == 1}


def test_an_integer_bit_field_sets_one_series_per_bit_counting_from_the_least_significant():
    samples = evaluate(PROFILE, snmp(status=8 | 16, scale=0))
    assert present(samples, "pdu_system_status_state") == {"normalWithWarning", "normalWithAlarm"}
    assert len([s for s in samples if s.metric == "tierwatch_pdu_system_status_state"]) == 4


def test_snmp_bits_count_from_the_most_significant_bit_of_the_first_octet():
    assert present(evaluate(PROFILE, snmp(1, 0)), "pdu_capabilities_state") == {"phase3", "wye"}
    assert set_bits(Varbind("x", t.OCTET_STRING, b"\x80\x01")) == {0, 15}
    assert set_bits(Varbind("x", t.INTEGER, -1)) is None


def test_health_states_apply_to_bits_and_name_every_set_bit():
    assert judge_health([PROFILE], {"bits": evaluate(PROFILE, snmp(1, 0))}) == ("ok", "")
    health, reason = judge_health([PROFILE], {"bits": evaluate(PROFILE, snmp(8 | 16, 0))})
    assert health == "critical"
    assert reason == "pdu_system_status_state=normalWithAlarm; pdu_system_status_state=normalWithWarning"


@pytest.mark.parametrize(("scale", "celsius"), [(0, 77.0), (1, 25.0)])
def test_a_fixed_instance_lookup_qualifies_every_row_of_a_table(scale, celsius):
    got = [s for s in evaluate(PROFILE, snmp(1, scale)) if s.metric == "tierwatch_t_celsius"]
    assert [(dict(s.labels), round(s.value, 9)) for s in got] == [({"sensor": "1"}, celsius)]


def test_bits_and_enum_together_or_bits_with_scaling_are_refused():
    with pytest.raises(ValidationError, match="not both"):
        Metric.model_validate({"name": "x_state", "oid": "1.2", "help": "xxx", "enum": {"1": "a"}, "bits": {"0": "b"}})
    with pytest.raises(ValidationError, match="bits metric"):
        Metric.model_validate({"name": "x_state", "oid": "1.2", "help": "xxx", "bits": {"0": "b"}, "scale": 2})
    with pytest.raises(ValidationError, match="bit position"):
        Metric.model_validate({"name": "x_state", "oid": "1.2", "help": "xxx", "bits": {"64": "b"}})


def test_an_index_part_that_is_not_exported_keys_the_row_but_is_no_label():
    from agent.profiles.doc import label_names

    profile = Profile.model_validate({
        "name": "rows", "description": "running row numbers",
        "tables": [{"name": "phaseTable",
                    "index": [{"label": "row", "export": False}],
                    "lookups": [{"label": "pdu", "oid": "1.9.7.1.2"}, {"label": "phase", "oid": "1.9.7.1.3"}],
                    "metrics": [{"name": "pdu_phase_current_amperes", "oid": "1.9.7.1.5", "help": "amps"},
                                {"name": "pdu_phase_voltage_volts", "oid": "1.9.7.1.6", "help": "volts",
                                 "where": {"row": "4"}}]}],
    })
    d = SnmpData()
    d.add_column("1.9.7.1.2", [Varbind(f"1.9.7.1.2.{r}", t.INTEGER, 1 + (r - 1) // 3) for r in (1, 4)])
    d.add_column("1.9.7.1.3", [Varbind(f"1.9.7.1.3.{r}", t.INTEGER, 1 + (r - 1) % 3) for r in (1, 4)])
    d.add_column("1.9.7.1.5", [Varbind(f"1.9.7.1.5.{r}", t.INTEGER, 10 * r) for r in (1, 4)])
    d.add_column("1.9.7.1.6", [Varbind(f"1.9.7.1.6.{r}", t.INTEGER, 230 + r) for r in (1, 4)])
    got = {(s.metric, s.labels): s.value for s in evaluate(profile, d)}
    assert got == {("tierwatch_pdu_phase_current_amperes", (("pdu", "1"), ("phase", "1"))): 10,
                   ("tierwatch_pdu_phase_current_amperes", (("pdu", "2"), ("phase", "1"))): 40,
                   ("tierwatch_pdu_phase_voltage_volts", (("pdu", "2"), ("phase", "1"))): 234}
    table = profile.tables[0]
    assert label_names(table, table.metrics[0]) == {"pdu", "phase"}


@pytest.mark.parametrize(("sent", "value"), [(b"20 A", 20.0), (b"16A", 16.0), (b" 12.5 a ", 12.5), (b"32 V", None),
                                             (b"A", None), (b"n/a", None)])
def test_a_rating_sent_as_text_with_its_unit_is_read_only_in_that_unit(sent, value):
    m = Metric.model_validate({"name": "pdu_breaker_rated_current_amperes", "oid": "1.9.8.0", "help": "rating",
                               "text_unit": "A"})
    profile = Profile.model_validate({"name": "t", "description": "text", "scalars": [m.model_dump(exclude_unset=True)]})
    got = evaluate(profile, SnmpData(scalars={"1.9.8.0": Varbind("1.9.8.0", t.OCTET_STRING, sent)}))
    assert [s.value for s in got] == ([] if value is None else [value])
