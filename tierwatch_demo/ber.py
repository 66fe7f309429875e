"""The few BER pieces an SNMP v2c responder needs: read a request, write a response.

Written for the demo hall's load (thousands of varbinds per poll cycle on a busy machine);
only what SNMP v2c GET/GETNEXT/GETBULK requests carry is read, and a malformed message raises
`BerError` (the responder drops it, as an agent would).
"""

from __future__ import annotations

from dataclasses import dataclass

Oid = tuple[int, ...]

INTEGER, OCTET_STRING, NULL, OBJECT_ID, SEQUENCE = 0x02, 0x04, 0x05, 0x06, 0x30
COUNTER32, GAUGE32, TIMETICKS, COUNTER64 = 0x41, 0x42, 0x43, 0x46
GET, GET_NEXT, RESPONSE, SET, GET_BULK = 0xA0, 0xA1, 0xA2, 0xA3, 0xA5
NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB = b"\x80\x00", b"\x81\x00", b"\x82\x00"
VERSION_2C = 1


class BerError(ValueError):
    pass


def tlv(tag: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 0x80:
        return bytes((tag, n)) + payload
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(size))) + size + payload


def integer(value: int) -> bytes:
    return tlv(INTEGER, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def unsigned(tag: int, value: int) -> bytes:
    return tlv(tag, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big"))


def oid(value: Oid) -> bytes:
    if len(value) < 2:
        raise BerError("an OID has at least two arcs")
    out = bytearray()
    for arc in (value[0] * 40 + value[1], *value[2:]):
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(chunk))
    return tlv(OBJECT_ID, bytes(out))


def value(kind: str, v: object) -> bytes:
    """A value of one of the kinds the hall's devices use."""
    if kind == "int":
        return integer(int(v))                            # type: ignore[call-overload]
    if kind == "str":
        return tlv(OCTET_STRING, str(v).encode("utf-8"))
    if kind == "oid":
        return oid(tuple(int(x) for x in str(v).split(".")))
    tag = {"ticks": TIMETICKS, "gauge": GAUGE32, "c32": COUNTER32, "c64": COUNTER64}.get(kind)
    if tag is None:
        raise ValueError(f"unknown value kind {kind!r}")
    return unsigned(tag, int(v))                          # type: ignore[call-overload]


def varbind(name: Oid, encoded_value: bytes) -> bytes:
    return tlv(SEQUENCE, oid(name) + encoded_value)


def _read(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of contents, end of contents) of the element at `pos`."""
    if pos + 2 > len(data):
        raise BerError("truncated")
    tag, n = data[pos], data[pos + 1]
    pos += 2
    if n & 0x80:
        width = n & 0x7F
        if width == 0 or width > 4 or pos + width > len(data):
            raise BerError("bad length")
        n = int.from_bytes(data[pos:pos + width], "big")
        pos += width
    if pos + n > len(data):
        raise BerError("truncated")
    return tag, pos, pos + n


def _int(data: bytes, pos: int) -> tuple[int, int]:
    tag, start, end = _read(data, pos)
    if tag != INTEGER or start == end:
        raise BerError("expected an INTEGER")
    return int.from_bytes(data[start:end], "big", signed=True), end


def decode_oid(raw: bytes) -> Oid:
    arcs: list[int] = []
    acc = 0
    for b in raw:
        acc = (acc << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(acc)
            acc = 0
    if not arcs:
        raise BerError("empty OID")
    first = arcs[0]
    head = (0, first) if first < 40 else (1, first - 40) if first < 80 else (2, first - 80)
    return head + tuple(arcs[1:])


@dataclass(frozen=True)
class Request:
    version: int
    community: bytes
    kind: int                     # GET, GET_NEXT, GET_BULK, ...
    request_id: int
    non_repeaters: int            # error-status field for GET/GETNEXT
    max_repetitions: int          # error-index field for GET/GETNEXT
    oids: list[Oid]


def message_version(data: bytes) -> int:
    """The SNMP version field of a message (0 = v1, 1 = v2c, 3 = v3)."""
    tag, pos, _ = _read(data, 0)
    if tag != SEQUENCE:
        raise BerError("not an SNMP message")
    return _int(data, pos)[0]


def decode_request(data: bytes) -> Request:
    tag, pos, end = _read(data, 0)
    if tag != SEQUENCE:
        raise BerError("not an SNMP message")
    version, pos = _int(data, pos)
    tag, start, pos = _read(data, pos)
    if tag != OCTET_STRING:
        raise BerError("expected the community")
    community = data[start:pos]
    kind, pos, _ = _read(data, pos)
    request_id, pos = _int(data, pos)
    a, pos = _int(data, pos)
    b, pos = _int(data, pos)
    tag, pos, list_end = _read(data, pos)
    if tag != SEQUENCE:
        raise BerError("expected the varbind list")
    oids = []
    while pos < list_end:
        tag, vb_start, vb_end = _read(data, pos)
        name_tag, name_start, name_end = _read(data, vb_start)
        if tag != SEQUENCE or name_tag != OBJECT_ID:
            raise BerError("bad varbind")
        oids.append(decode_oid(data[name_start:name_end]))
        pos = vb_end
    return Request(version, community, kind, request_id, a, b, oids)


def encode_response(req: Request, varbinds: list[bytes], error_status: int = 0, error_index: int = 0) -> bytes:
    body = integer(req.request_id) + integer(error_status) + integer(error_index) + tlv(SEQUENCE, b"".join(varbinds))
    return tlv(SEQUENCE, integer(req.version) + tlv(OCTET_STRING, req.community) + tlv(RESPONSE, body))
