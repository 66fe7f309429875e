"""A minimal BER codec for what SNMP carries: TLVs, values, OIDs and varbind lists.

INTEGER, OCTET STRING, NULL, OBJECT IDENTIFIER, SEQUENCE, the SMI application types (IpAddress,
Counter32, Gauge32, TimeTicks, Opaque, Counter64) and the exception values noSuchObject,
noSuchInstance and endOfMibView. The PDUs and messages built from them are in
`agent.snmp.messages`.

Decoding is written for speed (one pass over the bytes, OIDs decoded at C speed when every
arc fits in one byte) and for hostile input: anything malformed raises `BerError` and nothing
else. Varbinds travel as `(oid, tag, value)` triples where `oid` is the OID's encoded body
(bytes, so subtree checks are a `startswith`); `oid_text` / `oid_arcs` turn it into text or
a tuple of arcs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from agent.snmp import types as t
from agent.snmp.errors import BerError

# Universal and application tags.
INTEGER, OCTET_STRING, NULL, OBJECT_IDENTIFIER, SEQUENCE = 0x02, 0x04, 0x05, 0x06, 0x30
IP_ADDRESS, COUNTER32, GAUGE32, TIMETICKS, OPAQUE, COUNTER64 = 0x40, 0x41, 0x42, 0x43, 0x44, 0x46
NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW = 0x80, 0x81, 0x82
# PDU tags.
GET, GET_NEXT, RESPONSE, SET, TRAP_V1, GET_BULK, INFORM, TRAP_V2, REPORT = (
    0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8)
PDU_TAGS = frozenset((GET, GET_NEXT, RESPONSE, SET, GET_BULK, INFORM, TRAP_V2, REPORT))

KIND_OF_TAG: dict[int, str] = {
    INTEGER: t.INTEGER, OCTET_STRING: t.OCTET_STRING, NULL: t.NULL, OBJECT_IDENTIFIER: t.OBJECT_IDENTIFIER,
    IP_ADDRESS: t.IP_ADDRESS, COUNTER32: t.COUNTER32, GAUGE32: t.GAUGE32, TIMETICKS: t.TIMETICKS,
    OPAQUE: t.OPAQUE, COUNTER64: t.COUNTER64,
}
TAG_OF_KIND = {kind: tag for tag, kind in KIND_OF_TAG.items()}
EXCEPTIONS = frozenset((NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW))
_UNSIGNED = {COUNTER32: 32, GAUGE32: 32, TIMETICKS: 32, COUNTER64: 64}

RawVarbind = tuple[bytes, int, "int | bytes | str | None"]  # (OID body, value tag, value)


# -- encoding -------------------------------------------------------------------------------

def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def tlv(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes((tag, n)) + body
    return bytes((tag,)) + _length(n) + body


def encode_int(value: int, tag: int = INTEGER) -> bytes:
    """A signed INTEGER (two's complement, minimal octets)."""
    body = value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True)
    return tlv(tag, body)


def encode_unsigned(tag: int, value: int) -> bytes:
    bits = _UNSIGNED.get(tag, 32)
    if not 0 <= value < 1 << bits:
        raise BerError(f"value {value} out of range for an unsigned {bits}-bit type")
    return tlv(tag, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def oid_body(oid: str | Sequence[int]) -> bytes:
    """The encoded body of an OID given as dotted text or arcs."""
    try:
        arcs = [int(a) for a in oid.strip(".").split(".")] if isinstance(oid, str) else list(oid)
    except ValueError:
        raise BerError(f"not an OID: {oid!r}") from None
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] > 39) or min(arcs) < 0:
        raise BerError(f"not an encodable OID: {oid!r}")
    out = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        if arc < 0x80:
            out.append(arc)
            continue
        chunk = bytearray((arc & 0x7F,))
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += chunk[::-1]
    return bytes(out)


_BODIES: dict[str, bytes] = {}


def cached_oid_body(oid: str) -> bytes:
    """`oid_body` of dotted text, cached: requests and polls repeat the same OIDs."""
    got = _BODIES.get(oid)
    if got is None:
        if len(_BODIES) > 50_000:
            _BODIES.clear()
        got = _BODIES[oid] = oid_body(oid)
    return got


def encode_oid(oid: str) -> bytes:
    """OBJECT IDENTIFIER TLV for dotted text."""
    return tlv(OBJECT_IDENTIFIER, cached_oid_body(oid))


def encode_value(kind: str, value: int | bytes | str | None) -> bytes:
    """One varbind value by kind name (see `agent.snmp.types`); None or NULL kind → NULL."""
    if value is None or kind == t.NULL:
        return b"\x05\x00"
    tag = TAG_OF_KIND.get(kind)
    if tag is None:
        raise BerError(f"unknown value kind {kind!r}")
    if tag == INTEGER:
        if not -(1 << 31) <= int(value) < 1 << 31:  # type: ignore[arg-type]
            raise BerError(f"INTEGER {value} out of range")
        return encode_int(int(value))  # type: ignore[arg-type]
    if tag in _UNSIGNED:
        return encode_unsigned(tag, int(value))  # type: ignore[arg-type]
    if tag == OBJECT_IDENTIFIER:
        return tlv(tag, oid_body(str(value)))
    if tag == IP_ADDRESS:
        try:
            octets = bytes(int(p) for p in str(value).split("."))
        except ValueError:
            raise BerError(f"not an IPv4 address: {value!r}") from None
        if len(octets) != 4:
            raise BerError(f"not an IPv4 address: {value!r}")
        return tlv(tag, octets)
    return tlv(tag, value if isinstance(value, bytes) else str(value).encode())


NULL_VALUE = b"\x05\x00"


def encode_varbinds(varbinds: Iterable[tuple[str, bytes]]) -> bytes:
    """SEQUENCE OF VarBind from (dotted OID, encoded value) pairs."""
    return tlv(SEQUENCE, b"".join(tlv(SEQUENCE, encode_oid(o) + v) for o, v in varbinds))


def header(data: bytes, pos: int, limit: int) -> tuple[int, int, int]:
    """(tag, body start, body end) of the TLV at `pos`, which must end by `limit`."""
    if pos + 2 > limit:
        raise BerError("truncated TLV")
    tag = data[pos]
    n = data[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or pos + k > limit:
            raise BerError("bad length")
        n = int.from_bytes(data[pos:pos + k], "big")
        pos += k
    end = pos + n
    if end > limit:
        raise BerError("length beyond the end of the data")
    return tag, pos, end


def expect(data: bytes, pos: int, limit: int, tag: int) -> tuple[int, int]:
    got, start, end = header(data, pos, limit)
    if got != tag:
        raise BerError(f"expected tag 0x{tag:02x}, got 0x{got:02x}")
    return start, end


def int_at(data: bytes, pos: int, limit: int) -> tuple[int, int]:
    start, end = expect(data, pos, limit, INTEGER)
    if start == end:
        raise BerError("empty INTEGER")
    return int.from_bytes(data[start:end], "big", signed=True), end


def octets_at(data: bytes, pos: int, limit: int) -> tuple[bytes, int]:
    start, end = expect(data, pos, limit, OCTET_STRING)
    return data[start:end], end


_ARC_TEXT = tuple(str(i) for i in range(128))
_FIRST = tuple((0, b) if b < 40 else (1, b - 40) if b < 80 else (2, b - 80) for b in range(128))
_FIRST_TEXT = tuple(f"{a}.{b}" for a, b in _FIRST)


def oid_arcs(body: bytes) -> tuple[int, ...]:
    """Arcs of an encoded OID body."""
    if not body:
        raise BerError("empty OBJECT IDENTIFIER")
    if body.isascii():
        return _FIRST[body[0]] + tuple(body[1:])
    arcs: list[int] = []
    arc = 0
    for b in body:
        arc = (arc << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(arc)
            arc = 0
    if body[-1] & 0x80:
        raise BerError("truncated OBJECT IDENTIFIER arc")
    first = arcs[0]
    head = (0, first) if first < 40 else (1, first - 40) if first < 80 else (2, first - 80)
    return head + tuple(arcs[1:])


def oid_text(body: bytes) -> str:
    """Dotted text of an encoded OID body (no leading dot)."""
    if body.isascii() and body:
        if len(body) == 1:
            return _FIRST_TEXT[body[0]]
        return _FIRST_TEXT[body[0]] + "." + ".".join([_ARC_TEXT[b] for b in body[1:]])
    return ".".join(map(str, oid_arcs(body)))


def value_at(tag: int, data: bytes, start: int, end: int) -> int | bytes | str | None:
    if tag == OCTET_STRING or tag == OPAQUE:
        return data[start:end]
    if tag == INTEGER:
        if start == end:
            raise BerError("empty INTEGER")
        return int.from_bytes(data[start:end], "big", signed=True)
    if tag in _UNSIGNED:
        if start == end:
            raise BerError("empty unsigned value")
        value = int.from_bytes(data[start:end], "big")
        if value >> _UNSIGNED[tag]:
            raise BerError(f"value too large for tag 0x{tag:02x}")
        return value
    if tag == OBJECT_IDENTIFIER:
        return oid_text(data[start:end])
    if tag == IP_ADDRESS:
        if end - start != 4:
            raise BerError("IpAddress is not 4 octets")
        return ".".join([_IP_TEXT[b] for b in data[start:end]])
    if tag == NULL or tag in EXCEPTIONS:
        if start != end:
            raise BerError("NULL with content")
        return None
    if 0x40 <= tag <= 0x5E:  # another application type (NsapAddress, UInteger32): raw octets
        return data[start:end]
    raise BerError(f"unknown value tag 0x{tag:02x}")


_IP_TEXT = tuple(str(i) for i in range(256))


def decode_varbinds(data: bytes, pos: int, limit: int) -> list[RawVarbind]:
    """The VarBindList SEQUENCE at `pos` as (OID body, value tag, value) triples."""
    start, end = expect(data, pos, limit, SEQUENCE)
    if end != limit:
        raise BerError("trailing bytes after the varbind list")
    out: list[RawVarbind] = []
    pos = start
    while pos < end:
        # The varbind's header inlined for its short form: almost every varbind is below 128 octets.
        if pos + 2 > end or data[pos] != SEQUENCE:
            raise BerError("varbind is not a SEQUENCE")
        n = data[pos + 1]
        if n & 0x80:
            _, vstart, vend = header(data, pos, end)
        else:
            vstart, vend = pos + 2, pos + 2 + n
            if vend > end:
                raise BerError("varbind beyond the list")
        ostart, oend = expect(data, vstart, vend, OBJECT_IDENTIFIER)
        if ostart == oend:
            raise BerError("empty OBJECT IDENTIFIER")
        tag, xstart, xend = header(data, oend, vend)
        if xend != vend:
            raise BerError("trailing bytes in a varbind")
        out.append((data[ostart:oend], tag, value_at(tag, data, xstart, xend)))
        pos = vend
    return out
