"""SNMPv3 messages for one manager: engine discovery state, building and opening messages.

`PeerState` is what we know of an authoritative engine (its ID, boots, time and message size);
`Security` holds one user's localised keys for one engine; `seal` builds an outgoing message
and `open_message` checks and decrypts an incoming one. Report PDUs become named errors in
`report_error`.
"""

from __future__ import annotations

import hashlib
import random
import time as _time
from dataclasses import dataclass, field

from agent.snmp import ber
from agent.snmp import messages
from agent.snmp import errors as e
from agent.snmp import usm
from agent.snmp.types import V3Auth

FLAG_AUTH, FLAG_PRIV, FLAG_REPORTABLE = 0x01, 0x02, 0x04
USM_MODEL = 3
_USM_STATS = ber.oid_body("1.3.6.1.6.3.15.1.1")
# usmStats* counter (last arc) → the error it means.
REPORTS: dict[int, type[e.SnmpError]] = {
    1: e.UnsupportedSecurityLevel,
    2: e.NotInTimeWindow,
    3: e.UnknownUserName,
    4: e.SnmpError,  # unknownEngineIDs: handled by rediscovery before it is ever raised
    5: e.WrongDigest,
    6: e.DecryptionError,
}
UNKNOWN_ENGINE_ID, NOT_IN_TIME_WINDOW = 4, 2


@dataclass(slots=True)
class PeerState:
    engine_id: bytes = b""
    boots: int = 0
    time: int = 0
    at: float = field(default_factory=_time.monotonic)  # when `time` was learnt
    max_size: int = 1472  # the peer's msgMaxSize, once it told us

    def now(self) -> tuple[int, int]:
        return self.boots, min(0x7FFFFFFF, self.time + int(_time.monotonic() - self.at))

    def learn(self, msg: messages.V3Message, *, force: bool = False) -> None:
        """Take the engine's ID, boots and time from a message (RFC 3414 §3.2 step 7b)."""
        self.max_size = msg.max_size or self.max_size
        if force or msg.engine_id != self.engine_id:
            self.engine_id, self.boots, self.time, self.at = msg.engine_id, msg.boots, msg.time, _time.monotonic()
            return
        boots, est = self.now()
        if msg.boots > boots or (msg.boots == boots and msg.time > est):
            self.boots, self.time, self.at = msg.boots, msg.time, _time.monotonic()


class Security:
    """One user's USM material for one authoritative engine."""

    __slots__ = ("user", "auth", "auth_key", "privacy", "flags")

    def __init__(self, v3: V3Auth, engine_id: bytes) -> None:
        self.user = v3.user.encode()
        self.auth = usm.AUTH[v3.auth_proto] if v3.auth_proto else None
        self.privacy: usm.Privacy | None = None
        self.auth_key = b""
        self.flags = FLAG_REPORTABLE
        if self.auth is not None:
            if not v3.auth_key:
                raise e.SnmpError("SNMPv3 auth_proto is set but auth_key is missing")
            priv_pass = v3.priv_key.encode() if v3.priv_proto and v3.priv_key else None
            self.auth_key, priv_key = usm.localized_keys(v3.auth_proto, v3.auth_key.encode(), v3.priv_proto,
                                                         priv_pass, engine_id)
            self.flags |= FLAG_AUTH
            if v3.priv_proto:
                if priv_pass is None:
                    raise e.SnmpError("SNMPv3 priv_proto is set but priv_key is missing")
                self.privacy = usm.Privacy(v3.priv_proto, priv_key, random.getrandbits(64))
                self.flags |= FLAG_PRIV
        elif v3.priv_proto:
            raise e.SnmpError("privacy needs authentication too")


def key_of(v3: V3Auth) -> str:
    """A cache key for a user's settings that holds a digest of the keys, never the keys."""
    return hashlib.sha256(repr((v3.user, v3.auth_proto, v3.auth_key, v3.priv_proto, v3.priv_key)).encode()).hexdigest()


def discovery(msg_id: int, max_size: int) -> bytes:
    """A reportable, unauthenticated empty GET that makes the agent tell its engine ID and time."""
    scoped = messages.encode_scoped_pdu(b"", b"", messages.encode_pdu(ber.GET, msg_id, 0, 0, b"\x30\x00"))
    usm_params = messages.encode_usm(b"", 0, 0, b"", b"", b"")
    return messages.encode_v3_message(msg_id, max_size, FLAG_REPORTABLE, usm_params, scoped)[0]


def seal(sec: Security, peer: PeerState, msg_id: int, max_size: int, pdu: bytes, *, reportable: bool = True,
         context: tuple[bytes, bytes] | None = None) -> bytes:
    """An outgoing message carrying `pdu`, authenticated and encrypted as the user requires.
    A Response (to an inform) is sent with `reportable=False` (RFC 3412 §6.4) and the
    inform's (contextEngineID, contextName) as `context`; requests use the peer's engine."""
    ctx_engine, ctx_name = context if context is not None else (peer.engine_id, b"")
    scoped = messages.encode_scoped_pdu(ctx_engine, ctx_name, pdu)
    boots, now = peer.now()
    salt = b""
    if sec.privacy is not None:
        cipher, salt = sec.privacy.encrypt(scoped, boots, now)
        data = ber.tlv(ber.OCTET_STRING, cipher)
    else:
        data = scoped
    mac_len = sec.auth.mac_len if sec.auth else 0
    usm_params = messages.encode_usm(peer.engine_id, boots if sec.auth else 0, now if sec.auth else 0, sec.user,
                                bytes(mac_len), salt)
    flags = sec.flags if reportable else sec.flags & ~FLAG_REPORTABLE
    msg, at = messages.encode_v3_message(msg_id, max_size, flags, usm_params, data)
    if sec.auth is not None:
        mac = usm.sign(sec.auth, sec.auth_key, msg)
        msg = msg[:at] + mac + msg[at + mac_len:]
    return msg


def open_message(sec: Security | None, msg: messages.V3Message, raw: bytes) -> messages.Pdu:
    """The PDU of an incoming message, after checking its HMAC and decrypting it.

    Unauthenticated Reports are accepted (agents send their errors that way); anything else
    must carry the security our request asked for."""
    if msg.security_model != USM_MODEL:
        raise e.SnmpError(f"answer uses security model {msg.security_model}, not USM")
    if msg.flags & FLAG_AUTH:
        if sec is None or sec.auth is None or not usm.verify(sec.auth, sec.auth_key, raw, msg.auth_at,
                                                                 msg.auth_params):
            raise e.WrongDigest("the answer's HMAC does not match our key")
    if msg.encrypted is not None:
        if not msg.flags & FLAG_PRIV or sec is None or sec.privacy is None:
            raise e.DecryptionError("the answer is encrypted but no privacy key applies")
        plain = sec.privacy.decrypt(msg.encrypted, msg.priv_params, msg.boots, msg.time)
        try:
            _, _, pdu = messages.decode_scoped_pdu(plain)
        except e.BerError:
            raise e.DecryptionError("the answer does not decrypt with our privacy key") from None
    else:
        assert msg.scoped is not None
        _, _, pdu = messages.decode_scoped_pdu(msg.scoped)
    if pdu.tag != ber.REPORT and sec is not None and (sec.flags & ~msg.flags & (FLAG_AUTH | FLAG_PRIV)):
        raise e.SnmpError("the answer lacks the security level of the request")
    return pdu


def report_kind(pdu: messages.Pdu) -> int:
    """The usmStats counter a Report names (its last-but-one arc), or 0 for another Report."""
    if pdu.varbinds:
        body = pdu.varbinds[0][0]
        if body.startswith(_USM_STATS) and len(body) == len(_USM_STATS) + 2:
            return body[-2]
    return 0


def report_error(pdu: messages.Pdu) -> e.SnmpError:
    kind = report_kind(pdu)
    cls = REPORTS.get(kind)
    name = ber.oid_text(pdu.varbinds[0][0]) if pdu.varbinds else "no varbind"
    if cls is None:
        return e.SnmpError(f"agent sent a Report ({name})")
    return cls(f"agent sent a Report: {cls.__name__} ({name})")
