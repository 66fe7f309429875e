"""The fast backend answers what the pysnmp backend answers: same OIDs, value kinds and values.

Over every shared device recording (snmpsim: whole walks, GETs, GETNEXTs, multi-column walks)
and over a real snmpd with every SNMPv3 auth × priv pair it supports.
"""

from __future__ import annotations

import pytest

from agent.config import SnmpTarget
from agent.profiles.loader import load_profiles
from agent.snmp import types as t
from agent.snmp.backends import make_client
from agent.snmp.fake import FakeSnmpClient, parse_snmprec
from agent.sources.snmp import SnmpSource
from agent.snmp.types import Endpoint, V3Auth
from tests.peers.snmpd import AUTH_KEY, COMMUNITY, PRIV_KEY, USERS
from tests.shared_devices import SNMPREC_DIR, requires_shared_devices

pytestmark = pytest.mark.integration

RECORDINGS = sorted(p.stem for p in SNMPREC_DIR.glob("*.snmprec")) if SNMPREC_DIR.is_dir() else []
VOLATILE = {t.TIMETICKS, t.COUNTER32, t.COUNTER64, t.GAUGE32}  # a live snmpd's values move between two walks
SNMPD_SUBTREES = ["1.3.6.1.2.1.1", "1.3.6.1.2.1.2.2", "1.3.6.1.2.1.31.1.1"]


@pytest.fixture
async def clients():
    fast, ref = make_client("fast"), make_client("pysnmp")
    yield fast, ref
    await fast.close()
    await ref.close()


@requires_shared_devices
@pytest.mark.shared
async def test_every_recording_walks_gets_and_get_nexts_the_same_from_both_backends(snmpsim, clients):
    fast, ref = clients
    assert len(RECORDINGS) >= 20
    compared = 0
    for device in RECORDINGS:
        ep = snmpsim.endpoint(device, timeout=5.0)
        walked = await fast.walk(ep, "1.3", max_repetitions=50)
        assert walked == await ref.walk(ep, "1.3", max_repetitions=50), device
        recorded = parse_snmprec((SNMPREC_DIR / f"{device}.snmprec").read_text(errors="surrogateescape"))
        assert [vb.oid for vb in walked] == sorted(recorded, key=lambda o: tuple(map(int, o.split(".")))), device
        assert [vb.kind for vb in walked] == [recorded[vb.oid].kind for vb in walked], device
        sample = [vb.oid for vb in walked[::40]]
        assert await fast.get(ep, sample) == await ref.get(ep, sample), device
        assert await fast.get_next(ep, sample) == await ref.get_next(ep, sample), device
        compared += len(walked)
    assert compared >= 10_000


@requires_shared_devices
@pytest.mark.shared
async def test_a_multi_column_walk_equals_one_walk_per_column(snmpsim, clients):
    fast, ref = clients
    ep = snmpsim.endpoint("linux_opensips", timeout=5.0)
    columns = [f"1.3.6.1.2.1.2.2.1.{c}" for c in range(1, 23)] + [f"1.3.6.1.2.1.31.1.1.1.{c}" for c in (1, 6, 10)]
    columns += ["1.3.6.1.2.1.25.4.2.1.2", "1.3.6.1.2.1.25.2.3.1.3", "1.3.6.1.4.1.99999.1"]  # long, short, absent
    together = await fast.walk_columns(ep, columns, max_repetitions=10)
    one_by_one = await ref.walk_columns(ep, columns, max_repetitions=10)
    assert together == one_by_one
    assert sum(map(len, together.values())) > 30 and together["1.3.6.1.4.1.99999.1"] == []
    before = fast.requests
    await fast.walk_columns(ep, columns, max_repetitions=10)
    per_column = sum(-(-(len(rows) + 1) // 10) for rows in together.values())
    assert fast.requests - before < per_column / 3  # far fewer round trips than a walk per column


def _v3(peer, user: str) -> Endpoint:
    _, auth, _, priv = USERS[user]
    return Endpoint("127.0.0.1", peer.port, "3", v3=V3Auth(user, auth, AUTH_KEY if auth else None, priv,
                                                           PRIV_KEY if priv else None), timeout=2.0)


def _stable(rows):
    return [(vb.oid, vb.kind, None if vb.kind in VOLATILE else vb.value) for vb in rows]


async def test_snmpd_answers_both_backends_alike_over_every_v3_protocol_pair(snmpd, clients):
    fast, ref = clients
    v2 = Endpoint("127.0.0.1", snmpd.port, "2c", community=COMMUNITY)
    baseline = {subtree: _stable(await fast.walk(v2, subtree)) for subtree in SNMPD_SUBTREES}
    assert all(baseline.values())
    names = ["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.99.0"]
    for user in sorted(USERS):
        ep = _v3(snmpd, user)
        for subtree in SNMPD_SUBTREES:
            got = _stable(await fast.walk(ep, subtree))
            assert got == baseline[subtree], (user, subtree)
            assert got == _stable(await ref.walk(ep, subtree)), (user, subtree)
        assert await fast.get(ep, names) == await ref.get(ep, names), user


@requires_shared_devices
@pytest.mark.shared
async def test_every_recording_polled_through_the_fast_walker_yields_the_readings_of_per_column_walks(snmpsim):
    """The multi-column walk over the wire gives the readings that walking each column of the
    recording on its own gives (the in-memory client walks column by column)."""
    profiles = load_profiles()
    fast = make_client("fast")
    try:
        for device in RECORDINGS:
            target = SnmpTarget(name="dev", address=snmpsim.host, port=snmpsim.port, credentials="rec",
                                profiles=["auto"], timeout=60)
            wire = await SnmpSource(target, snmpsim.endpoint(device, timeout=3.0), profiles, fast).poll()
            memory = await SnmpSource(target, snmpsim.endpoint(device), profiles,
                                      FakeSnmpClient.from_snmprec(SNMPREC_DIR / f"{device}.snmprec")).poll()
            assert (wire.status, wire.profiles, wire.health) == (memory.status, memory.profiles, memory.health), device
            assert _readings(wire) == _readings(memory), device
    finally:
        await fast.close()


def _readings(result):
    return sorted((r.metric, r.labels, r.value, str(oid)) for r, oid in zip(result.readings, result.oids))
