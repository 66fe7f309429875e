"""The demo responder's BER pieces agree with pyasn1 (pysnmp's codec) both ways."""

from __future__ import annotations

import pytest
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api

from tierwatch_demo import ber

V2C = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]


def request(pdu_class, community: str, oids: list[str], max_repetitions: int = 0) -> bytes:
    msg = V2C.Message()
    V2C.apiMessage.set_defaults(msg)
    V2C.apiMessage.set_community(msg, community)
    pdu = pdu_class()
    if pdu_class is V2C.GetBulkRequestPDU:
        V2C.apiBulkPDU.set_defaults(pdu)
        V2C.apiBulkPDU.set_non_repeaters(pdu, 1)
        V2C.apiBulkPDU.set_max_repetitions(pdu, max_repetitions)
    else:
        V2C.apiPDU.set_defaults(pdu)
    V2C.apiPDU.set_request_id(pdu, 123456789)
    V2C.apiPDU.set_varbinds(pdu, [(o, V2C.Null("")) for o in oids])
    V2C.apiMessage.set_pdu(msg, pdu)
    return encoder.encode(msg)


def test_a_bulk_request_is_read_with_its_community_id_and_every_oid():
    oids = ["1.3.6.1.2.1.1.3.0", "1.3.6.1.4.1.13742.6.5.2.3.1.4", "2.999.1", "1.3.6.1.4.1.318.1.1.26.4294967295"]
    req = ber.decode_request(request(V2C.GetBulkRequestPDU, "pdu-a01-a", oids, 25))
    assert (req.version, req.community, req.kind, req.request_id) == (1, b"pdu-a01-a", ber.GET_BULK, 123456789)
    assert (req.non_repeaters, req.max_repetitions) == (1, 25)
    assert [".".join(map(str, o)) for o in req.oids] == oids


@pytest.mark.parametrize(("kind", "raw", "expected"), [
    ("int", -1, V2C.Integer(-1)), ("int", 2**31 - 1, V2C.Integer(2**31 - 1)), ("int", 0, V2C.Integer(0)),
    ("str", "Raritan PX3 °C", V2C.OctetString("Raritan PX3 °C".encode())),
    ("oid", "1.3.6.1.4.1.476.1.42", V2C.ObjectIdentifier("1.3.6.1.4.1.476.1.42")),
    ("ticks", 2**32 - 1, V2C.TimeTicks(2**32 - 1)), ("gauge", 128, V2C.Gauge32(128)),
    ("c32", 2**31, V2C.Counter32(2**31)), ("c64", 2**64 - 1, V2C.Counter64(2**64 - 1)),
])
def test_each_value_kind_encodes_as_pyasn1_does(kind, raw, expected):
    assert ber.value(kind, raw) == encoder.encode(expected)


def test_a_response_decodes_with_pyasn1_to_the_same_varbinds_and_request_id():
    req = ber.decode_request(request(V2C.GetRequestPDU, "ups-a", ["1.3.6.1.2.1.33.1.2.3.0", "1.3.6.1.2.1.33.9.0"]))
    out = [ber.varbind(req.oids[0], ber.value("int", 35)), ber.varbind(req.oids[1], ber.NO_SUCH_OBJECT)]
    msg, rest = decoder.decode(ber.encode_response(req, out), asn1Spec=V2C.Message())
    assert not rest
    pdu = V2C.apiMessage.get_pdu(msg)
    assert str(V2C.apiMessage.get_community(msg)) == "ups-a" and int(V2C.apiPDU.get_request_id(pdu)) == 123456789
    (oid1, v1), (oid2, v2) = V2C.apiPDU.get_varbinds(pdu)
    assert str(oid1) == "1.3.6.1.2.1.33.1.2.3.0" and int(v1) == 35
    assert str(oid2) == "1.3.6.1.2.1.33.9.0" and v2.tagSet == V2C.NoSuchObject.tagSet


def test_a_long_response_uses_the_long_length_form():
    req = ber.decode_request(request(V2C.GetNextRequestPDU, "x", ["1.3"]))
    out = [ber.varbind((1, 3, 6, i), ber.value("str", "x" * 200)) for i in range(40)]
    msg, _ = decoder.decode(ber.encode_response(req, out), asn1Spec=V2C.Message())
    assert len(V2C.apiPDU.get_varbinds(V2C.apiMessage.get_pdu(msg))) == 40


@pytest.mark.parametrize("junk", [b"", b"\x30", b"\x30\x05\x02\x01\x01", b"\x04\x00", b"\x30\x84\xff\xff\xff\xff"])
def test_malformed_messages_raise_a_ber_error(junk):
    with pytest.raises(ber.BerError):
        ber.decode_request(junk)
