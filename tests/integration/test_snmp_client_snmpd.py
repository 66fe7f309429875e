"""The SNMP client against a real net-snmp snmpd on loopback."""

import asyncio
import time

import pytest

from agent.snmp import errors as e
from agent.snmp import types as t
from agent.snmp.backends import BACKENDS, make_client
from agent.snmp.types import Endpoint, V3Auth
from tests.peers.snmpd import AUTH_KEY, COMMUNITY, PRIV_KEY, USERS, SnmpdPeer, free_udp_port

pytestmark = pytest.mark.integration

SYSTEM = "1.3.6.1.2.1.1"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_OR_DESCR = "1.3.6.1.2.1.1.9.1.3"
IF_TABLE = "1.3.6.1.2.1.2.2"


def v2c(peer, **kw):
    return Endpoint("127.0.0.1", peer.port, "2c", community=COMMUNITY, **kw)


def v3(peer, user="sha256aes", auth="SHA256", auth_key=AUTH_KEY, priv="AES", priv_key=PRIV_KEY, **kw):
    return Endpoint("127.0.0.1", peer.port, "3", v3=V3Auth(user, auth, auth_key, priv, priv_key), **kw)


@pytest.fixture(params=sorted(BACKENDS))
def backend(request):
    return request.param


@pytest.fixture
async def client(backend):
    c = make_client(backend)
    yield c
    await c.close()


async def test_v2c_get_returns_plain_values_and_leaves_out_missing_oids(snmpd, client):
    got = await client.get(v2c(snmpd), [SYS_NAME, SYS_OBJECT_ID, SYS_UPTIME, "1.3.6.1.2.1.1.99.0"])
    assert got[SYS_NAME] == t.Varbind(SYS_NAME, t.OCTET_STRING, b"tierwatch-test-snmpd")
    assert got[SYS_OBJECT_ID].value == "1.3.6.1.4.1.8072.3.2.10"
    assert got[SYS_UPTIME].kind == t.TIMETICKS and isinstance(got[SYS_UPTIME].value, int)
    assert "1.3.6.1.2.1.1.99.0" not in got


async def test_v2c_walk_stays_inside_the_subtree(snmpd, client):
    got = await client.walk(v2c(snmpd), SYSTEM)
    assert got and all(vb.oid.startswith(SYSTEM + ".") for vb in got)
    assert got[0].oid == "1.3.6.1.2.1.1.1.0"
    assert any(vb.oid == SYS_NAME for vb in got)


async def test_v1_get_drops_a_missing_oid_and_keeps_the_others(snmpd, client):
    ep = Endpoint("127.0.0.1", snmpd.port, "1", community=COMMUNITY)
    got = await client.get(ep, [SYS_NAME, "1.3.6.1.2.1.1.99.0", SYS_UPTIME])
    assert set(got) == {SYS_NAME, SYS_UPTIME}
    assert [vb.oid for vb in await client.walk(ep, SYSTEM)] == [vb.oid for vb in await client.walk(v2c(snmpd), SYSTEM)]


async def test_v3_auth_priv_with_sha256_and_aes128_works(snmpd, client):
    got = await client.get(v3(snmpd), [SYS_NAME])
    assert got[SYS_NAME].value == b"tierwatch-test-snmpd"


@pytest.mark.parametrize("user", sorted(USERS))
async def test_every_supported_v3_auth_and_priv_protocol_reaches_snmpd(snmpd, client, user):
    _, auth, _, priv = USERS[user]
    ep = v3(snmpd, user=user, auth=auth, auth_key=AUTH_KEY if auth else None,
            priv=priv, priv_key=PRIV_KEY if priv else None)
    assert SYS_NAME in await client.get(ep, [SYS_NAME])


async def test_a_wrong_auth_password_is_a_wrong_digest_error_not_a_timeout(snmpd, client):
    started = time.monotonic()
    with pytest.raises(e.WrongDigest) as info:
        await client.get(v3(snmpd, auth_key="not-the-password"), [SYS_NAME])
    assert isinstance(info.value, e.SnmpAuthError) and not isinstance(info.value, e.SnmpTimeout)
    assert time.monotonic() - started < 0.9  # answered by a Report PDU, not by waiting
    assert "not-the-password" not in str(info.value)


async def test_an_unknown_user_is_an_unknown_user_name_error(snmpd, client):
    with pytest.raises(e.UnknownUserName):
        await client.get(v3(snmpd, user="nobody-here"), [SYS_NAME])


async def test_asking_for_privacy_from_a_user_without_a_priv_key_is_an_unsupported_security_level(snmpd, client):
    ep = v3(snmpd, user="sha224auth", auth="SHA224", priv="AES", priv_key=PRIV_KEY)
    with pytest.raises(e.UnsupportedSecurityLevel):
        await client.get(ep, [SYS_NAME])


async def test_a_security_level_below_what_the_view_requires_is_an_authorization_error(snmpd, client):
    with pytest.raises(e.ErrorStatus) as info:
        await client.get(v3(snmpd, priv=None, priv_key=None), [SYS_NAME])  # rouser ... priv
    assert info.value.status == "authorizationError"


async def test_the_same_user_with_right_and_wrong_keys_polled_concurrently_keeps_them_apart(snmpd, client):
    good, bad = v3(snmpd), v3(snmpd, auth_key="not-the-password")
    results = await asyncio.gather(*[client.get(ep, [SYS_NAME]) for ep in [good, bad] * 4], return_exceptions=True)
    assert all(isinstance(r, dict) for r in results[0::2])
    assert all(isinstance(r, e.WrongDigest) for r in results[1::2])


async def test_a_dead_port_times_out_after_timeout_times_tries(client):
    ep = Endpoint("127.0.0.1", free_udp_port(), "2c", community=COMMUNITY, timeout=0.3, retries=1)
    started = time.monotonic()
    with pytest.raises(e.SnmpTimeout):
        await client.get(ep, [SYS_NAME])
    assert 0.5 <= time.monotonic() - started < 1.5


async def test_a_dead_port_for_v3_is_a_timeout_too(client):
    ep = Endpoint("127.0.0.1", free_udp_port(), "3", v3=V3Auth("u", "SHA256", AUTH_KEY, "AES", PRIV_KEY),
                  timeout=0.2, retries=0)
    with pytest.raises(e.SnmpTimeout):
        await client.walk(ep, SYSTEM)


async def test_a_get_of_many_oids_is_split_into_pdus_and_returns_them_all(snmpd, backend):
    client = make_client(backend, get_chunk=7)
    try:
        rows = await client.walk(v2c(snmpd), SYSTEM)
        oids = [vb.oid for vb in rows]
        before = client.requests
        got = await client.get(v2c(snmpd), oids)
        assert list(got) == oids
        assert client.requests - before == -(-len(oids) // 7)
    finally:
        await client.close()


@pytest.mark.parametrize("ep_kind", ["v2c", "v3"])
async def test_a_walk_with_small_max_repetitions_equals_one_with_large(snmpd, client, ep_kind):
    ep = v2c(snmpd) if ep_kind == "v2c" else v3(snmpd)
    small = await client.walk(ep, IF_TABLE, max_repetitions=2)
    large = await client.walk(ep, IF_TABLE, max_repetitions=100)
    assert small and [vb.oid for vb in small] == [vb.oid for vb in large]


async def test_a_walk_of_a_missing_subtree_is_empty(snmpd, client):
    assert await client.walk(v2c(snmpd), "1.3.6.1.4.1.99999") == []


async def test_a_walk_past_the_last_oid_stops_at_end_of_mib_view(snmpd, client):
    assert await client.walk(v2c(snmpd), "1.3.6.1.6.3.99999") == []
    assert await client.walk(v2c(snmpd), "2.25") == []


async def test_answers_bigger_than_our_message_size_make_get_and_walk_back_off(snmpd, backend):
    # A v3 manager advertises its msgMaxSize; snmpd answers a GET that does not fit with tooBig
    # and a GETBULK that does not fit with genErr. Both must shrink their requests and succeed.
    client = make_client(backend, max_message_size=484)
    try:
        ep = v3(snmpd)
        oids = [f"{SYS_OR_DESCR}.{i}" for i in range(1, 11)]
        got = await client.get(ep, oids)
        assert len(got) == 10
        assert client.backoffs >= 1
        before = client.backoffs
        rows = await client.walk(ep, SYS_OR_DESCR, max_repetitions=200)
        assert [vb.oid for vb in rows] == oids
        assert client.backoffs > before
    finally:
        await client.close()


async def test_a_v3_device_that_comes_back_with_a_new_engine_id_is_polled_again(client):
    peer = SnmpdPeer(engine_id="0x80001f8804746965720001").start()
    try:
        ep = v3(peer, timeout=0.3, retries=0)
        assert SYS_NAME in await client.get(ep, [SYS_NAME])
        port, workdir = peer.port, peer.workdir
        peer.proc.terminate()
        peer.proc.wait(5)
        peer.proc = None
        peer = SnmpdPeer(port=port, workdir=workdir, engine_id="0x80001f8804746965720002").start()
        outcomes = []
        for _ in range(3):
            try:
                outcomes.append(SYS_NAME in await client.get(ep, [SYS_NAME]))
            except e.SnmpTimeout:
                outcomes.append("timeout")
        assert outcomes[-1] is True and outcomes.count("timeout") <= 1
    finally:
        peer.stop()


async def test_one_engine_serves_every_target(snmpd, client):
    await client.get(v2c(snmpd), [SYS_NAME])
    await client.get(v3(snmpd), [SYS_NAME])
    await client.get(v3(snmpd, user="md5des", auth="MD5", priv="DES"), [SYS_NAME])
    assert client.sockets == 1


async def test_a_device_that_restarted_is_polled_again_after_one_time_window_resync(client):
    # Same engine ID, same persistent state: snmpEngineBoots goes up, our cached boots/time are
    # outside its time window; the agent's notInTimeWindow Report carries the new ones.
    peer = SnmpdPeer(engine_id="0x80001f8804746965720003").start()
    try:
        ep = v3(peer, timeout=0.5, retries=0)
        assert SYS_NAME in await client.get(ep, [SYS_NAME])
        port, workdir = peer.port, peer.workdir
        peer.proc.terminate()
        peer.proc.wait(5)
        peer.proc = None
        peer = SnmpdPeer(port=port, workdir=workdir, engine_id="0x80001f8804746965720003").start()
        assert SYS_NAME in await client.get(ep, [SYS_NAME])
    finally:
        peer.stop()
