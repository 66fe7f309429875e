"""The multi-column walk's logic, against a scripted agent (an in-memory OID table answering PDUs)."""

from __future__ import annotations

import bisect

import pytest

from agent.snmp import ber
from agent.snmp import messages
from agent.snmp import errors as e
from agent.snmp import types as t
from agent.snmp.types import Endpoint
from agent.snmp.walker import ColumnWalk, increases, oid_body

IF_DESCR, IF_TYPE, IF_SPEED = "1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.2.2.1.3", "1.3.6.1.2.1.2.2.1.5"
V2 = Endpoint("192.0.2.1", 161, "2c", community="c")
V1 = Endpoint("192.0.2.1", 161, "1", community="c")


def arcs(oid: str) -> tuple[int, ...]:
    return tuple(int(a) for a in oid.split("."))


class ScriptedAgent:
    """Answers GETBULK/GETNEXT from a sorted OID table; can cap varbinds per answer, refuse
    answers above a size with an error-status, or answer OIDs out of order."""

    def __init__(self, table: dict[str, tuple[int, object]], *, cap: int = 10_000, too_big_above: int = 10_000,
                 status: int = e.TOO_BIG) -> None:
        self.oids = sorted(table, key=arcs)
        self.keys = [arcs(o) for o in self.oids]
        self.table = table
        self.cap, self.too_big_above, self.status = cap, too_big_above, status
        self.asked: list[tuple[int, int]] = []  # (columns, rows) per request
        self.varbinds = self.backoffs = 0
        self.reverse = False

    def peer_max_size(self, ep: Endpoint) -> int:
        return 65507

    def _next(self, body: bytes) -> tuple[bytes, int, object]:
        at = bisect.bisect_right(self.keys, ber.oid_arcs(body))
        if at >= len(self.oids):
            return body, ber.END_OF_MIB_VIEW, None
        oid = self.oids[at]
        tag, value = self.table[oid]
        return oid_body(oid), tag, value

    async def request(self, ep, tag, bodies, a=0, b=0):  # noqa: ANN001, ANN201 - the Requester protocol
        rows = 1 if tag == ber.GET_NEXT else b
        self.asked.append((len(bodies), rows))
        if len(bodies) * rows > self.too_big_above:
            return messages.Pdu(ber.RESPONSE, 1, self.status, 0, [])
        if tag == ber.GET_NEXT and ep.version == "1":
            out = []
            for i, body in enumerate(bodies, 1):
                nxt = self._next(body)
                if nxt[1] == ber.END_OF_MIB_VIEW:
                    return messages.Pdu(ber.RESPONSE, 1, e.NO_SUCH_NAME, i, [])
                out.append(nxt)
            return messages.Pdu(ber.RESPONSE, 1, 0, 0, out)
        out, cursors = [], list(bodies)
        for _ in range(rows):
            for i, body in enumerate(cursors):
                nxt = self._next(body)
                cursors[i] = nxt[0]
                out.append(nxt)
        if self.reverse:
            out.reverse()
        return messages.Pdu(ber.RESPONSE, 1, 0, 0, out[: self.cap])


def interfaces(n: int) -> dict[str, tuple[int, object]]:
    table: dict[str, tuple[int, object]] = {}
    for i in range(1, n + 1):
        table[f"{IF_DESCR}.{i}"] = (ber.OCTET_STRING, f"eth{i}".encode())
        table[f"{IF_TYPE}.{i}"] = (ber.INTEGER, 6)
        if i % 2:  # a sparse column
            table[f"{IF_SPEED}.{i}"] = (ber.GAUGE32, 1000)
    table["1.3.6.1.2.1.2.2.1.6.1"] = (ber.OCTET_STRING, b"\x00\x11")
    return table


async def walk(agent, columns, reps=25, ep=V2, seen=None):  # noqa: ANN001, ANN201
    return await ColumnWalk(agent, ep, columns, reps, seen).run()


async def test_columns_of_different_lengths_end_each_at_their_own_subtree():
    got = await walk(ScriptedAgent(interfaces(7)), [IF_DESCR, IF_TYPE, IF_SPEED, "1.3.6.1.2.1.99"])
    assert [vb.value for vb in got[IF_DESCR]] == [f"eth{i}".encode() for i in range(1, 8)]
    assert [vb.oid for vb in got[IF_SPEED]] == [f"{IF_SPEED}.{i}" for i in (1, 3, 5, 7)]
    assert got[IF_TYPE][0] == t.Varbind(f"{IF_TYPE}.1", t.INTEGER, 6) and got["1.3.6.1.2.1.99"] == []


async def test_answers_cut_short_by_the_agent_resume_every_column_where_it_stopped():
    full = await walk(ScriptedAgent(interfaces(9)), [IF_DESCR, IF_TYPE])
    agent = ScriptedAgent(interfaces(9), cap=5)  # rows end mid-way, columns out of step
    assert await walk(agent, [IF_DESCR, IF_TYPE]) == full
    assert len(agent.asked) > 3


async def test_too_big_halves_the_rows_then_splits_the_columns():
    agent = ScriptedAgent(interfaces(6), too_big_above=1)
    got = await walk(agent, [IF_DESCR, IF_TYPE], reps=8)
    assert [vb.oid for vb in got[IF_TYPE]] == [f"{IF_TYPE}.{i}" for i in range(1, 7)]
    assert agent.asked[:5] == [(2, 8), (2, 4), (2, 2), (2, 1), (1, 1)]


async def test_gen_err_from_an_agent_that_cannot_cut_its_answer_backs_off_too():
    agent = ScriptedAgent(interfaces(4), too_big_above=4, status=e.GEN_ERR)
    got = await walk(agent, [IF_DESCR], reps=20)
    assert len(got[IF_DESCR]) == 4 and agent.backoffs >= 2


async def test_other_error_statuses_are_raised_by_name():
    agent = ScriptedAgent(interfaces(2), too_big_above=0, status=16)
    with pytest.raises(e.ErrorStatus) as info:
        await walk(agent, [IF_DESCR], reps=1)
    assert info.value.status == "authorizationError"


async def test_an_agent_whose_oids_do_not_increase_is_an_error_not_an_endless_walk():
    agent = ScriptedAgent(interfaces(5))
    agent.reverse = True
    with pytest.raises(e.SnmpError, match="out of order"):
        await walk(agent, [IF_DESCR], reps=5)


async def test_snmpv1_walks_row_by_row_with_getnext_and_no_such_name_ends_a_column():
    table = interfaces(3)
    got = await walk(ScriptedAgent(table), [IF_DESCR, "1.3.6.1.2.1.2.2.1.6"], ep=V1)
    assert len(got[IF_DESCR]) == 3 and [vb.value for vb in got["1.3.6.1.2.1.2.2.1.6"]] == [b"\x00\x11"]


async def test_a_second_walk_asks_only_for_the_rows_the_columns_had_plus_one():
    agent, seen = ScriptedAgent(interfaces(3)), {}
    first = await walk(agent, [IF_DESCR, IF_TYPE], seen=seen)
    agent.asked.clear()
    assert await walk(agent, [IF_DESCR, IF_TYPE], seen=seen) == first
    assert agent.asked == [(2, 4)]


@pytest.mark.parametrize(("a", "b"), [("1.3.6.1.2", "1.3.6.1.10"), ("1.3.6.1.127", "1.3.6.1.128"),
                                      ("1.3.6.1.130.1", "1.3.6.1.16384"), ("1.3.6", "1.3.6.0"),
                                      ("1.3.6.1.4.1.8072", "1.3.6.1.4.1.8072.1")])
def test_oid_order_is_arc_order_even_where_arcs_take_several_octets(a, b):
    assert increases(oid_body(b), oid_body(a)) and not increases(oid_body(a), oid_body(b))
    assert not increases(oid_body(a), oid_body(a))
