"""The BER codec encodes what pyasn1/pysnmp encode, byte for byte, and decodes what they decode.

pysnmp's protocol API (pyasn1 underneath) is the oracle: every PDU kind, every value kind,
random OIDs and values; hostile datagrams raise the codec's own error and nothing else.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api, rfc1902, rfc1905
from pysnmp.proto.mpmod.rfc3412 import SNMPv3Message
from pysnmp.proto.secmod.rfc3414.service import UsmSecurityParameters

from agent.snmp import ber
from agent.snmp import messages
from agent.snmp import client as pysnmp_seam
from agent.snmp import types as t
from agent.snmp.errors import BerError
from agent.snmp.walker import to_varbind

V1, V2 = api.PROTOCOL_MODULES[api.SNMP_VERSION_1], api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]

arcs = st.lists(st.integers(0, 2**32 - 1), min_size=0, max_size=14)
oids = st.builds(lambda a, b, rest: ".".join(map(str, [a, b, *rest])),
                 st.integers(0, 2), st.integers(0, 39), arcs)
values = st.one_of(
    st.builds(rfc1902.Integer32, st.integers(-(2**31), 2**31 - 1)),
    st.builds(rfc1902.OctetString, st.binary(max_size=300)),
    st.builds(rfc1902.ObjectIdentifier, oids),
    st.builds(lambda b: rfc1902.IpAddress(bytes(b)), st.binary(min_size=4, max_size=4)),
    st.builds(rfc1902.Counter32, st.integers(0, 2**32 - 1)),
    st.builds(rfc1902.Gauge32, st.integers(0, 2**32 - 1)),
    st.builds(rfc1902.TimeTicks, st.integers(0, 2**32 - 1)),
    st.builds(rfc1902.Counter64, st.integers(0, 2**64 - 1)),
    st.builds(rfc1902.Opaque, st.binary(max_size=20)),
    st.just(rfc1905.noSuchObject), st.just(rfc1905.noSuchInstance), st.just(rfc1905.endOfMibView),
)


def _v2_message(pdu_cls, request_id, varbinds, community="public"):
    p = V2
    pdu = pdu_cls()
    p.apiPDU.set_defaults(pdu)
    p.apiPDU.set_request_id(pdu, request_id)
    p.apiPDU.set_varbinds(pdu, varbinds)
    msg = p.Message()
    p.apiMessage.set_defaults(msg)
    p.apiMessage.set_community(msg, community)
    p.apiMessage.set_pdu(msg, pdu)
    return encoder.encode(msg)


def _our_value(value) -> bytes:
    vb = pysnmp_seam.to_varbind(rfc1902.ObjectName("1.3"), value)
    if vb is None:  # exception values: encode the tag ourselves
        return bytes((value.tagSet[0][0] | value.tagSet[0][2], 0))
    return ber.encode_value(vb.kind, vb.value)


@pytest.mark.parametrize("pdu_cls,tag", [
    (V2.GetRequestPDU, ber.GET), (V2.GetNextRequestPDU, ber.GET_NEXT), (V2.ResponsePDU, ber.RESPONSE),
    (V2.SetRequestPDU, ber.SET), (V2.InformRequestPDU, ber.INFORM), (V2.SNMPv2TrapPDU, ber.TRAP_V2),
    (V2.ReportPDU, ber.REPORT),
])
def test_every_v2c_pdu_kind_encodes_byte_for_byte_as_pyasn1_does(pdu_cls, tag):
    vbs = [(rfc1902.ObjectName("1.3.6.1.2.1.1.3.0"), rfc1902.TimeTicks(4242)),
           (rfc1902.ObjectName("1.3.6.1.6.3.1.1.4.1.0"), rfc1902.ObjectIdentifier("1.3.6.1.6.3.1.1.5.3")),
           (rfc1902.ObjectName("1.3.6.1.2.1.2.2.1.2.1"), rfc1902.OctetString(b"eth0"))]
    ref = _v2_message(pdu_cls, 77_000, vbs)
    ours = messages.encode_community_message(1, b"public", messages.encode_pdu(
        tag, 77_000, 0, 0, ber.encode_varbinds((str(o), _our_value(v)) for o, v in vbs)))
    assert ours == ref
    decoded = messages.decode_message(ref)
    assert decoded.pdu.tag == tag and decoded.pdu.request_id == 77_000
    assert [to_varbind(*raw) for raw in decoded.pdu.varbinds] == [pysnmp_seam.to_varbind(o, v) for o, v in vbs]


def test_get_bulk_carries_non_repeaters_and_max_repetitions_where_pyasn1_puts_them():
    p = V2
    pdu = p.GetBulkRequestPDU()
    p.apiBulkPDU.set_defaults(pdu)
    p.apiBulkPDU.set_request_id(pdu, 5)
    p.apiBulkPDU.set_non_repeaters(pdu, 1)
    p.apiBulkPDU.set_max_repetitions(pdu, 25)
    p.apiBulkPDU.set_varbinds(pdu, [(rfc1902.ObjectName(o), p.Null("")) for o in ("1.3.6.1.2.1.1.3", "1.3.6.1.2.1.2.2.1.2")])
    msg = p.Message()
    p.apiMessage.set_defaults(msg)
    p.apiMessage.set_community(msg, "c")
    p.apiMessage.set_pdu(msg, pdu)
    ours = messages.encode_community_message(1, b"c", messages.encode_request(
        ber.GET_BULK, 5, [ber.oid_body("1.3.6.1.2.1.1.3"), ber.oid_body("1.3.6.1.2.1.2.2.1.2")], 1, 25))
    assert ours == encoder.encode(msg)
    got = messages.decode_message(ours).pdu
    assert (got.tag, got.error_status, got.error_index) == (ber.GET_BULK, 1, 25)


def test_a_v1_trap_encodes_as_pyasn1_does_and_decodes_back():
    p = V1
    pdu = p.TrapPDU()
    p.apiTrapPDU.set_defaults(pdu)
    p.apiTrapPDU.set_enterprise(pdu, (1, 3, 6, 1, 4, 1, 318))
    p.apiTrapPDU.set_agent_address(pdu, p.IpAddress("192.0.2.7"))
    p.apiTrapPDU.set_generic_trap(pdu, 6)
    p.apiTrapPDU.set_specific_trap(pdu, 25)
    p.apiTrapPDU.set_timestamp(pdu, 123456)
    p.apiTrapPDU.set_varbinds(pdu, [(rfc1902.ObjectName("1.3.6.1.4.1.318.2.3.3.0"), p.OctetString(b"UPS on battery"))])
    msg = p.Message()
    p.apiMessage.set_defaults(msg)
    p.apiMessage.set_community(msg, "traps")
    p.apiMessage.set_pdu(msg, pdu)
    ref = encoder.encode(msg)
    vbs = ber.encode_varbinds([("1.3.6.1.4.1.318.2.3.3.0", ber.encode_value(t.OCTET_STRING, b"UPS on battery"))])
    ours = messages.encode_community_message(0, b"traps", messages.encode_trap_v1("1.3.6.1.4.1.318", "192.0.2.7", 6, 25,
                                                                        123456, vbs))
    assert ours == ref
    trap = messages.decode_message(ref).pdu
    assert (trap.tag, trap.enterprise, trap.agent_addr, trap.generic_trap, trap.specific_trap, trap.timestamp) == (
        ber.TRAP_V1, "1.3.6.1.4.1.318", "192.0.2.7", 6, 25, 123456)
    assert to_varbind(*trap.varbinds[0]) == t.Varbind("1.3.6.1.4.1.318.2.3.3.0", t.OCTET_STRING, b"UPS on battery")


def test_a_v3_message_and_its_usm_parameters_encode_as_pysnmp_does():
    usm = UsmSecurityParameters()
    for k, v in [("msgAuthoritativeEngineId", b"\x80\x00\x1f\x88\x04abc"), ("msgAuthoritativeEngineBoots", 3),
                 ("msgAuthoritativeEngineTime", 98765), ("msgUserName", b"monitor"),
                 ("msgAuthenticationParameters", bytes(24)), ("msgPrivacyParameters", b"saltsalt")]:
        usm.setComponentByName(k, v)
    msg = SNMPv3Message()
    msg.setComponentByPosition(0, 3)
    header = msg.setComponentByPosition(1).getComponentByPosition(1)
    for i, v in enumerate((4242, 65507, b"\x07", 3)):
        header.setComponentByPosition(i, v)
    msg.setComponentByPosition(2, encoder.encode(usm))
    msg.getComponentByPosition(3).setComponentByName("encryptedPDU", b"\x01\x02ciphertext")
    ref = encoder.encode(msg)
    ours_usm = messages.encode_usm(b"\x80\x00\x1f\x88\x04abc", 3, 98765, b"monitor", bytes(24), b"saltsalt")
    ours, auth_at = messages.encode_v3_message(4242, 65507, 7, ours_usm, ber.tlv(ber.OCTET_STRING, b"\x01\x02ciphertext"))
    assert ours == ref
    assert ours[auth_at:auth_at + 24] == bytes(24) and ours[auth_at - 2:auth_at] == b"\x04\x18"
    got = messages.decode_message(ref)
    assert isinstance(got, messages.V3Message)
    assert (got.msg_id, got.max_size, got.flags, got.engine_id, got.boots, got.time, got.user, got.priv_params,
            got.auth_at, got.encrypted) == (4242, 65507, 7, b"\x80\x00\x1f\x88\x04abc", 3, 98765, b"monitor",
                                            b"saltsalt", auth_at, b"\x01\x02ciphertext")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(oids, values), max_size=12), st.integers(0, 2**31 - 1))
def test_random_responses_decode_to_what_pysnmp_decodes(varbinds, request_id):
    named = [(rfc1902.ObjectName(o), v) for o, v in varbinds]
    ref = _v2_message(V2.ResponsePDU, request_id, named)
    ours = messages.decode_message(ref)
    theirs, _ = decoder.decode(ref, asn1Spec=V2.Message())
    their_vbs = V2.apiPDU.get_varbinds(V2.apiMessage.get_pdu(theirs))
    assert [to_varbind(*raw) for raw in ours.pdu.varbinds] == [pysnmp_seam.to_varbind(o, v) for o, v in their_vbs]
    assert [ber.oid_arcs(raw[0]) for raw in ours.pdu.varbinds] == [tuple(o) for o, _ in their_vbs]


@settings(max_examples=200, deadline=None)
@given(oids)
def test_random_oids_encode_as_pyasn1_encodes_them(oid):
    assert ber.encode_oid(oid) == encoder.encode(rfc1902.ObjectName(oid))
    assert ber.oid_text(ber.oid_body(oid)) == oid


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=200))
def test_random_datagrams_raise_only_the_codec_error(data):
    try:
        messages.decode_message(data)
    except BerError:
        pass


def _mutations():
    base = _v2_message(V2.ResponsePDU, 9, [(rfc1902.ObjectName("1.3.6.1.2.1.1.5.0"), rfc1902.OctetString(b"x" * 200)),
                                          (rfc1902.ObjectName("1.3.6.1.2.1.1.3.0"), rfc1902.TimeTicks(5))])
    return base, st.lists(st.tuples(st.integers(0, len(base) - 1), st.integers(0, 255)), min_size=1, max_size=6)


_BASE, _EDITS = _mutations()


@settings(max_examples=1000, deadline=None)
@given(_EDITS, st.integers(0, len(_BASE)))
def test_corrupted_real_responses_raise_only_the_codec_error(edits, cut):
    data = bytearray(_BASE)
    for at, byte in edits:
        data[at] = byte
    for candidate in (bytes(data), bytes(data[:cut])):
        try:
            messages.decode_message(candidate)
        except BerError:
            pass


@pytest.mark.parametrize("data", [b"", b"\x30", b"\x30\x80\x00\x00", b"\x30\x85\x00\x00\x00\x00\x01",
                                  b"\x30\x03\x02\x01\x05", b"\x30\x05\x02\x01\x01\x04\x00"])
def test_truncated_or_odd_messages_are_codec_errors(data):
    with pytest.raises(BerError):
        messages.decode_message(data)


def test_values_out_of_range_are_refused_when_encoding():
    with pytest.raises(BerError):
        ber.encode_value(t.COUNTER32, 2**32)
    with pytest.raises(BerError):
        ber.encode_value(t.INTEGER, 2**31)
    with pytest.raises(BerError):
        ber.encode_value(t.IP_ADDRESS, "10.0.0")
    with pytest.raises(BerError):
        ber.oid_body("1.40.3")
