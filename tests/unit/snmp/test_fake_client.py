"""The fake SNMP client answers from snmprec text like snmpsim would, and records requests."""

import pytest

from agent.snmp import types as t
from agent.snmp.errors import SnmpTimeout
from agent.snmp.fake import FakeSnmpClient, parse_snmprec

REC = """\
1.3.6.1.2.1.1.1.0|4|Demo box
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.8072.3.2.10
1.3.6.1.2.1.1.3.0|67|123456
1.3.6.1.2.1.2.2.1.10.1|65|4294967295
1.3.6.1.2.1.2.2.1.10.2|65|7
1.3.6.1.2.1.2.2.1.10.10|65|9
1.3.6.1.2.1.2.2.1.16.1|65|1
1.3.6.1.2.1.4.20.1.1.10.0.0.1|64|10.0.0.1
1.3.6.1.2.1.4.20.1.2.10.0.0.1|64x|0a000002
1.3.6.1.2.1.31.1.1.1.6.1|70|18446744073709551615
1.3.6.1.2.1.33.1.2.3.0|2|-1
1.3.6.1.4.1.318.1.1.1.1.1.1.0|4x|536d6172742d55505300
1.3.6.1.4.1.318.1.1.1.2.2.1.0|66|100
"""


def test_snmprec_values_become_plain_python_values_of_the_right_kind():
    vbs = parse_snmprec(REC)
    assert vbs["1.3.6.1.2.1.1.1.0"] == t.Varbind("1.3.6.1.2.1.1.1.0", t.OCTET_STRING, b"Demo box")
    assert vbs["1.3.6.1.2.1.1.2.0"].value == "1.3.6.1.4.1.8072.3.2.10"
    assert vbs["1.3.6.1.2.1.1.3.0"].kind == t.TIMETICKS
    assert vbs["1.3.6.1.2.1.31.1.1.1.6.1"].value == 2**64 - 1
    assert vbs["1.3.6.1.2.1.33.1.2.3.0"].value == -1
    assert vbs["1.3.6.1.4.1.318.1.1.1.1.1.1.0"].value == b"Smart-UPS\x00"
    assert vbs["1.3.6.1.2.1.4.20.1.2.10.0.0.1"].value == "10.0.0.2"
    assert vbs["1.3.6.1.2.1.4.20.1.1.10.0.0.1"].kind == t.IP_ADDRESS


def test_a_malformed_line_is_reported_with_its_line_number():
    with pytest.raises(ValueError, match="line 2"):
        parse_snmprec("1.3.6.1|2|1\nnot a record\n")


async def test_get_returns_only_existing_oids_and_records_every_requested_oid():
    fake = FakeSnmpClient.from_snmprec(REC)
    got = await fake.get(None, ["1.3.6.1.2.1.1.1.0", ".1.3.6.1.2.1.1.5.0"])
    assert list(got) == ["1.3.6.1.2.1.1.1.0"]
    assert fake.requested == ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.5.0"]


async def test_walk_stays_in_the_subtree_in_numeric_oid_order():
    fake = FakeSnmpClient.from_snmprec(REC)
    got = await fake.walk(None, "1.3.6.1.2.1.2.2.1.10")
    assert [vb.oid for vb in got] == [
        "1.3.6.1.2.1.2.2.1.10.1",
        "1.3.6.1.2.1.2.2.1.10.2",
        "1.3.6.1.2.1.2.2.1.10.10",
    ]
    assert await fake.walk(None, "1.3.6.1.2.1.99") == []
    assert fake.requested == ["1.3.6.1.2.1.2.2.1.10", "1.3.6.1.2.1.99"]


async def test_a_walk_of_a_leaf_prefix_does_not_spill_into_a_sibling_with_a_longer_arc():
    fake = FakeSnmpClient.from_snmprec(REC)
    assert [vb.oid for vb in await fake.walk(None, "1.3.6.1.2.1.2.2.1.1")] == []


async def test_injected_failures_are_raised_for_their_subtree_only():
    fake = FakeSnmpClient.from_snmprec(REC)
    fake.fail["1.3.6.1.4.1.318"] = SnmpTimeout("no answer")
    assert await fake.walk(None, "1.3.6.1.2.1.1")
    with pytest.raises(SnmpTimeout):
        await fake.walk(None, "1.3.6.1.4.1.318.1.1.1")


async def test_from_snmprec_reads_a_file(tmp_path):
    path = tmp_path / "dev.snmprec"
    path.write_text(REC)
    assert len(FakeSnmpClient.from_snmprec(path).oids) == 13
    assert len(FakeSnmpClient.from_snmprec(str(path)).oids) == 13
