"""The client seam turns library values and errors into plain, backend-neutral ones."""

import logging

import pytest

from agent.config import Credential, SnmpTarget
from agent.snmp import client as seam
from agent.snmp import errors as e
from agent.snmp import types as t
from agent.snmp.endpoints import endpoint_for

rfc1902, rfc1905, errind = seam.rfc1902, seam.rfc1905, seam.errind
OID = rfc1902.ObjectName("1.3.6.1.2.1.1.1.0")


@pytest.mark.parametrize(
    ("value", "kind", "plain"),
    [
        (rfc1902.Integer32(-1), t.INTEGER, -1),
        (rfc1902.OctetString(b"\x00\xffab"), t.OCTET_STRING, b"\x00\xffab"),
        (rfc1902.ObjectIdentifier("1.3.6.1.4.1.318.1.3.4.5"), t.OBJECT_IDENTIFIER, "1.3.6.1.4.1.318.1.3.4.5"),
        (rfc1902.IpAddress("10.1.2.3"), t.IP_ADDRESS, "10.1.2.3"),
        (rfc1902.Counter32(4294967295), t.COUNTER32, 4294967295),
        (rfc1902.Gauge32(42), t.GAUGE32, 42),
        (rfc1902.TimeTicks(12345), t.TIMETICKS, 12345),
        (rfc1902.Counter64(2**64 - 1), t.COUNTER64, 2**64 - 1),
        (rfc1902.Opaque(b"\x9f\x78\x04"), t.OPAQUE, b"\x9f\x78\x04"),
    ],
)
def test_each_snmp_type_becomes_a_plain_python_value(value, kind, plain):
    vb = seam.to_varbind(OID, value)
    assert vb == t.Varbind("1.3.6.1.2.1.1.1.0", kind, plain)


@pytest.mark.parametrize("marker", [rfc1905.noSuchObject, rfc1905.noSuchInstance, rfc1905.endOfMibView])
def test_no_such_object_instance_and_end_of_mib_are_absent_not_values(marker):
    assert seam.to_varbind(OID, marker) is None


@pytest.mark.parametrize(
    ("indication", "error"),
    [
        (errind.requestTimedOut, e.SnmpTimeout),
        (errind.unknownUserName, e.UnknownUserName),
        (errind.wrongDigest, e.WrongDigest),
        (errind.notInTimeWindow, e.NotInTimeWindow),
        (errind.decryptionError, e.DecryptionError),
        (errind.unsupportedSecurityLevel, e.UnsupportedSecurityLevel),
    ],
)
def test_report_pdus_and_timeouts_become_named_errors(indication, error):
    err = seam.translate(indication)
    assert type(err) is error


def test_an_auth_error_is_never_a_timeout():
    assert not isinstance(seam.translate(errind.wrongDigest), e.SnmpTimeout)
    assert not isinstance(seam.translate(errind.requestTimedOut), e.SnmpAuthError)


def test_error_status_too_big_is_its_own_class_and_others_carry_their_name():
    assert isinstance(seam._status_error(1, 0), e.TooBig)
    err = seam._status_error(5, 2)
    assert (err.status, err.index) == ("genErr", 2)


SECRETS = ("auth-secret-9911", "priv-secret-7722", "community-secret")


def test_secrets_never_appear_in_endpoint_reprs_or_client_errors(caplog):
    target = SnmpTarget(name="pdu-a", address="192.0.2.10", credentials="v3")
    cred = Credential(version="3", user="monitor", auth_proto="SHA256", auth_key=SECRETS[0],
                      priv_proto="AES", priv_key=SECRETS[1])
    ep = endpoint_for(target, cred)
    ep2 = endpoint_for(target, Credential(version="2c", community=SECRETS[2]))
    texts = [repr(ep), str(ep), repr(ep.v3), repr(ep2), str(ep2)]
    client = seam.SnmpClient()
    with caplog.at_level(logging.DEBUG):
        auth, _ = client._auth_data(ep)
        texts += [repr(auth), repr(client._auth_data(ep2)[0]), caplog.text]
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_endpoint_for_carries_address_credentials_and_packet_timing():
    target = SnmpTarget(name="crac-1", address="192.0.2.20", port=1161, credentials="c",
                        packet_timeout="500ms", retries=3)
    ep = endpoint_for(target, Credential(version="2c", community="public"))
    assert (ep.host, ep.port, ep.version, ep.community, ep.timeout, ep.retries) == (
        "192.0.2.20", 1161, "2c", "public", 0.5, 3)
    ep3 = endpoint_for(target, Credential(version="3", user="u", auth_proto="SHA", auth_key="12345678"))
    assert ep3.v3 is not None and (ep3.v3.user, ep3.v3.auth_proto, ep3.v3.priv_proto) == ("u", "SHA", None)
    assert ep3.community is None


async def test_one_user_name_with_two_key_sets_gets_a_second_engine_slot_only_for_the_second():
    client = seam.SnmpClient()
    a = t.Endpoint("192.0.2.1", 161, "3", v3=t.V3Auth("mon", "SHA", "12345678", "AES", "abcdefgh"))
    b = t.Endpoint("192.0.2.2", 161, "3", v3=t.V3Auth("mon", "SHA", "87654321", "AES", "abcdefgh"))
    c = t.Endpoint("192.0.2.3", 161, "3", v3=t.V3Auth("other", "SHA", "87654321"))
    assert [client._auth_data(ep)[1] for ep in (a, b, c, a)] == [0, 1, 0, 0]


async def test_walk_halves_max_repetitions_on_too_big_and_stops_at_the_subtree_end(monkeypatch):
    root = "1.3.6.1.2.1.2.2.1.2"
    table = [(rfc1902.ObjectName(f"{root}.{i}"), rfc1902.OctetString(f"eth{i}".encode())) for i in range(1, 8)]
    table.append((rfc1902.ObjectName("1.3.6.1.2.1.2.2.1.3.1"), rfc1902.Integer32(6)))
    asked: list[int] = []
    cursor = [tuple(int(a) for a in root.split("."))]

    async def fake_bulk(engine, auth, target, context, non_rep, reps, var, **opts):
        asked.append(reps)
        if reps > 4:
            return None, rfc1902.Integer32(1), rfc1902.Integer32(0), ()
        rows = [r for r in table if tuple(r[0]) > cursor[0]][:reps]
        cursor[0] = tuple(rows[-1][0])
        return None, rfc1902.Integer32(0), rfc1902.Integer32(0), rows

    monkeypatch.setattr(seam, "bulk_cmd", fake_bulk)
    client = seam.SnmpClient()
    ep = t.Endpoint("192.0.2.1", 161, "2c", community="public")
    try:
        got = await client.walk(ep, root, max_repetitions=20)
    finally:
        await client.close()
    assert [vb.value for vb in got] == [f"eth{i}".encode() for i in range(1, 8)]
    assert asked[:3] == [20, 10, 5] and set(asked[3:]) == {2}
    assert client.backoffs == 3
