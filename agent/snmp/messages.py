"""SNMP PDUs and messages on the BER codec: v1/v2c community messages, SNMPv3 messages with USM
parameters (RFC 3412/3414), and every PDU kind: Get, GetNext, Response, Set, v1 Trap (RFC 1157),
GetBulk, Inform, SNMPv2-Trap, Report. Decoding raises `BerError` and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from agent.snmp.ber import (
    IP_ADDRESS, NULL_VALUE, OBJECT_IDENTIFIER, OCTET_STRING, PDU_TAGS,
    SEQUENCE, TIMETICKS, TRAP_V1, RawVarbind, decode_varbinds, encode_int, encode_oid, encode_unsigned,
    encode_value, expect, header, int_at, octets_at, oid_text, tlv, value_at,
)
from agent.snmp import types as t
from agent.snmp.errors import BerError


def encode_pdu(tag: int, request_id: int, error_status: int, error_index: int, varbinds: bytes) -> bytes:
    """Any PDU but the v1 Trap; for GetBulk, status/index are non-repeaters/max-repetitions."""
    return tlv(tag, encode_int(request_id) + encode_int(error_status) + encode_int(error_index) + varbinds)


def encode_request(tag: int, request_id: int, oids: Iterable[bytes], non_repeaters: int = 0,
                   max_repetitions: int = 0) -> bytes:
    """A Get/GetNext/GetBulk PDU asking for OIDs given as encoded bodies (values NULL)."""
    vbs = b"".join([tlv(SEQUENCE, tlv(OBJECT_IDENTIFIER, o) + NULL_VALUE) for o in oids])
    return encode_pdu(tag, request_id, non_repeaters, max_repetitions,
                      tlv(SEQUENCE, vbs))


def encode_trap_v1(enterprise: str, agent_addr: str, generic: int, specific: int, timestamp: int,
                   varbinds: bytes) -> bytes:
    return tlv(TRAP_V1, encode_oid(enterprise) + encode_value(t.IP_ADDRESS, agent_addr) + encode_int(generic)
               + encode_int(specific) + encode_unsigned(TIMETICKS, timestamp) + varbinds)


def encode_community_message(version: int, community: bytes, pdu: bytes) -> bytes:
    """SNMPv1 (version 0) / SNMPv2c (version 1) message."""
    return tlv(SEQUENCE, encode_int(version) + tlv(OCTET_STRING, community) + pdu)


def encode_scoped_pdu(context_engine_id: bytes, context_name: bytes, pdu: bytes) -> bytes:
    return tlv(SEQUENCE, tlv(OCTET_STRING, context_engine_id) + tlv(OCTET_STRING, context_name) + pdu)


def encode_usm(engine_id: bytes, boots: int, time: int, user: bytes, auth: bytes, priv: bytes) -> bytes:
    """UsmSecurityParameters (RFC 3414 §2.4), as the OCTET STRING body it travels in."""
    return tlv(SEQUENCE, tlv(OCTET_STRING, engine_id) + encode_int(boots) + encode_int(time)
               + tlv(OCTET_STRING, user) + tlv(OCTET_STRING, auth) + tlv(OCTET_STRING, priv))


def encode_v3_message(msg_id: int, max_size: int, flags: int, usm: bytes, data: bytes) -> tuple[bytes, int]:
    """SNMPv3 message; `data` is the encoded ScopedPDU or the OCTET STRING of an encrypted one.

    Returns (message, offset of the authentication parameters' body within it) so the caller
    can fill in the HMAC computed over the message with that body zeroed. The offset is -1
    when the USM parameters carry no authentication parameters."""
    header = tlv(SEQUENCE, encode_int(msg_id) + encode_int(max_size) + tlv(OCTET_STRING, bytes((flags,)))
                 + encode_int(3))
    head = encode_int(3) + header
    secparams = tlv(OCTET_STRING, usm)
    body = head + secparams + data
    msg = tlv(SEQUENCE, body)
    auth_at = -1
    at = _auth_offset(usm)
    if at >= 0:
        auth_at = len(msg) - len(body) + len(head) + (len(secparams) - len(usm)) + at
    return msg, auth_at


def _auth_offset(usm: bytes) -> int:
    """Offset of msgAuthenticationParameters' body within encoded UsmSecurityParameters."""
    try:
        _, pos, _ = header(usm, 0, len(usm))
        for _ in range(4):
            _, start, end = header(usm, pos, len(usm))
            pos = end
        tag, start, end = header(usm, pos, len(usm))
    except BerError:
        return -1
    return start if end > start else -1


# -- decoding -------------------------------------------------------------------------------


@dataclass(slots=True)
class Pdu:
    """A decoded PDU. For GetBulk, `error_status`/`error_index` hold non-repeaters/max-repetitions.
    A v1 Trap fills `enterprise`, `agent_addr`, `generic_trap`, `specific_trap`, `timestamp`."""

    tag: int
    request_id: int = 0
    error_status: int = 0
    error_index: int = 0
    varbinds: list[RawVarbind] = field(default_factory=list)
    enterprise: str = ""
    agent_addr: str = ""
    generic_trap: int = 0
    specific_trap: int = 0
    timestamp: int = 0


def decode_pdu(data: bytes, pos: int = 0, limit: int | None = None) -> Pdu:
    """The PDU TLV at `pos`, which must end exactly at `limit`."""
    limit = len(data) if limit is None else limit
    tag, start, end = header(data, pos, limit)
    if end != limit:
        raise BerError("trailing bytes after the PDU")
    if tag == TRAP_V1:
        ostart, oend = expect(data, start, end, OBJECT_IDENTIFIER)
        enterprise = oid_text(data[ostart:oend])
        astart, aend = expect(data, oend, end, IP_ADDRESS)
        addr = value_at(IP_ADDRESS, data, astart, aend)
        generic, pos = int_at(data, aend, end)
        specific, pos = int_at(data, pos, end)
        tstart, tend = expect(data, pos, end, TIMETICKS)
        stamp = value_at(TIMETICKS, data, tstart, tend)
        return Pdu(tag, 0, 0, 0, decode_varbinds(data, tend, end), enterprise, str(addr), generic, specific,
                   int(stamp))  # type: ignore[arg-type]
    if tag not in PDU_TAGS:
        raise BerError(f"unknown PDU tag 0x{tag:02x}")
    request_id, pos = int_at(data, start, end)
    status, pos = int_at(data, pos, end)
    index, pos = int_at(data, pos, end)
    return Pdu(tag, request_id, status, index, decode_varbinds(data, pos, end))


@dataclass(slots=True)
class CommunityMessage:
    version: int  # 0 = SNMPv1, 1 = SNMPv2c
    community: bytes
    pdu: Pdu


@dataclass(slots=True)
class V3Message:
    """An SNMPv3 message with USM parameters. `scoped` is the plaintext ScopedPDU TLV (None when
    encrypted: then `encrypted` holds the ciphertext). `auth_at` is the offset of the
    authentication parameters' body within the whole message (-1 if empty)."""

    msg_id: int
    max_size: int
    flags: int
    security_model: int
    engine_id: bytes
    boots: int
    time: int
    user: bytes
    auth_params: bytes
    priv_params: bytes
    auth_at: int
    scoped: bytes | None
    encrypted: bytes | None


def peek_version(data: bytes) -> int:
    """The msgVersion of a message (0, 1 or 3) without decoding the rest."""
    start, end = expect(data, 0, len(data), SEQUENCE)
    version, _ = int_at(data, start, end)
    return version


def decode_message(data: bytes) -> CommunityMessage | V3Message:
    """Any SNMP message. Raises `BerError` (only) on anything malformed."""
    try:
        start, end = expect(data, 0, len(data), SEQUENCE)
        if end != len(data):
            raise BerError("trailing bytes after the message")
        version, pos = int_at(data, start, end)
        if version in (0, 1):
            community, pos = octets_at(data, pos, end)
            return CommunityMessage(version, community, decode_pdu(data, pos, end))
        if version == 3:
            return _decode_v3(data, pos, end)
        raise BerError(f"unknown SNMP version {version}")
    except (IndexError, ValueError, OverflowError) as exc:  # a bound check missed above
        raise BerError(f"malformed message: {exc}") from None


def _decode_v3(data: bytes, pos: int, end: int) -> V3Message:
    hstart, hend = expect(data, pos, end, SEQUENCE)
    msg_id, p = int_at(data, hstart, hend)
    max_size, p = int_at(data, p, hend)
    flags_raw, p = octets_at(data, p, hend)
    model, p = int_at(data, p, hend)
    if len(flags_raw) != 1 or p != hend:
        raise BerError("bad msgFlags or header")
    sstart, send = expect(data, hend, end, OCTET_STRING)
    ustart, uend = expect(data, sstart, send, SEQUENCE)
    if uend != send:
        raise BerError("trailing bytes after the security parameters")
    engine_id, p = octets_at(data, ustart, uend)
    boots, p = int_at(data, p, uend)
    time, p = int_at(data, p, uend)
    user, p = octets_at(data, p, uend)
    astart, aend = expect(data, p, uend, OCTET_STRING)
    priv, p = octets_at(data, aend, uend)
    if p != uend:
        raise BerError("trailing bytes in the security parameters")
    tag, dstart, dend = header(data, send, end)
    if dend != end:
        raise BerError("trailing bytes after the scoped PDU")
    scoped = encrypted = None
    if tag == SEQUENCE:
        scoped = data[send:dend]
    elif tag == OCTET_STRING:
        encrypted = data[dstart:dend]
    else:
        raise BerError("msgData is neither a ScopedPDU nor encrypted")
    return V3Message(msg_id, max_size, flags_raw[0], model, engine_id, boots, time, user, data[astart:aend],
                     priv, astart if aend > astart else -1, scoped, encrypted)


def decode_scoped_pdu(data: bytes) -> tuple[bytes, bytes, Pdu]:
    """(contextEngineID, contextName, PDU) of a ScopedPDU. Decrypted data may carry padding
    after the SEQUENCE (DES pads to 8 octets): it is ignored."""
    try:
        start, end = expect(data, 0, len(data), SEQUENCE)
        ctx_engine, p = octets_at(data, start, end)
        ctx_name, p = octets_at(data, p, end)
        return ctx_engine, ctx_name, decode_pdu(data, p, end)
    except (IndexError, ValueError, OverflowError) as exc:
        raise BerError(f"malformed scoped PDU: {exc}") from None
