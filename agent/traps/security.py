"""The receiving side of USM (RFC 3414) for notifications.

- A trap's sender is the authoritative engine: its keys are localised to the engine ID the
  message carries, and its boots/time are remembered per engine ID so a replayed or stale
  message (older than 150 s in the same boot, or of an earlier boot) is refused.
- An inform's receiver is authoritative: we have our own engine ID, boots and time. A sender
  that does not know them yet sends a discovery message and gets a Report
  (usmStatsUnknownEngineIDs) carrying them; a message outside our time window gets
  usmStatsNotInTimeWindows.

`UsmReceiver.open` returns the verified PDU or raises `Refused(reason)` with the reason the
drop is counted under; the `Report` it may carry is sent back by the caller.
"""

from __future__ import annotations

import time as _time
from collections.abc import Iterable
from dataclasses import dataclass

from agent.snmp import ber, messages, usm, v3
from agent.snmp.errors import BerError, SnmpError
from agent.snmp.types import V3Auth

TIME_WINDOW = 150  # seconds (RFC 3414 §3.2 step 7)
MAX_ENGINES = 4096  # learnt sender engines kept; beyond it the table starts over (bounded memory)
_USM_STATS = "1.3.6.1.6.3.15.1.1"
NOT_IN_TIME_WINDOW, UNKNOWN_ENGINE_ID = 2, 4


class Refused(Exception):
    """A v3 message we do not accept; `reason` names the drop counter, `report` is an answer to send."""

    def __init__(self, reason: str, report: bytes | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.report = report


@dataclass(slots=True)
class Opened:
    pdu: messages.Pdu
    user: str
    credential: str  # name of the credential set whose keys verified the message
    engine_id: bytes  # the authoritative engine (the sender's for traps, ours for informs)
    security: v3.Security | None  # to seal the answer of an inform
    context: tuple[bytes, bytes] = (b"", b"")  # the scoped PDU's contextEngineID and contextName


def default_engine_id(agent_id: str) -> bytes:
    """An RFC 3411 snmpEngineID of the text format (4) under enterprise 0: ours, stable per agent id."""
    return b"\x80\x00\x00\x00\x04" + ("tierwatch-" + agent_id).encode()[:27]


class UsmReceiver:
    def __init__(self, users: Iterable[tuple[str, V3Auth]], engine_id: bytes, boots: int = 1) -> None:
        self._users: dict[bytes, list[tuple[str, V3Auth]]] = {}
        for name, auth in users:
            self._users.setdefault(auth.user.encode(), []).append((name, auth))
        self.engine_id = engine_id
        self.boots = boots
        self._started = _time.monotonic()
        self._security: dict[tuple[str, bytes], v3.Security] = {}
        self._clock: dict[bytes, tuple[int, int, float]] = {}  # sender engine → (boots, time, when learnt)
        self._report_counts = [0] * 7

    def now(self) -> int:
        return min(0x7FFFFFFF, int(_time.monotonic() - self._started))

    def _sec(self, name: str, auth: V3Auth, engine_id: bytes) -> v3.Security:
        key = (name, engine_id)
        sec = self._security.get(key)
        if sec is None:
            if len(self._security) >= MAX_ENGINES:
                self._security.clear()
            sec = self._security[key] = v3.Security(auth, engine_id)
        return sec

    def open(self, msg: messages.V3Message, raw: bytes) -> Opened:
        if msg.security_model != v3.USM_MODEL:
            raise Refused("unsupported_security_model")
        ours = msg.engine_id == self.engine_id
        if not msg.engine_id or (not ours and msg.flags & v3.FLAG_REPORTABLE and not msg.flags & v3.FLAG_AUTH):
            # Discovery (RFC 3414 §4): tell our engine ID, boots and time.
            if msg.flags & v3.FLAG_REPORTABLE:
                raise Refused("discovery", self.report(msg, UNKNOWN_ENGINE_ID))
            raise Refused("unknown_engine_id")
        candidates = self._users.get(msg.user)
        if not candidates:
            raise Refused("unknown_user")
        engine = msg.engine_id
        last_reason = "wrong_digest"
        for name, auth in candidates:
            try:
                sec = self._sec(name, auth, engine)
            except SnmpError:
                continue
            if (sec.flags & ~msg.flags) & (v3.FLAG_AUTH | v3.FLAG_PRIV):
                last_reason = "unsupported_security_level"
                continue
            if sec.auth is None:
                if msg.flags & v3.FLAG_AUTH:
                    continue
            elif not usm.verify(sec.auth, sec.auth_key, raw, msg.auth_at, msg.auth_params):
                last_reason = "wrong_digest"
                continue
            if sec.auth is not None:
                self._check_time(msg, ours)
            ctx_engine, ctx_name, pdu = self._plain(sec, msg)
            return Opened(pdu, auth.user, name, engine, sec, (ctx_engine, ctx_name))
        raise Refused(last_reason)

    def _check_time(self, msg: messages.V3Message, ours: bool) -> None:
        if ours:
            if msg.boots != self.boots or abs(msg.time - self.now()) > TIME_WINDOW:
                raise Refused("not_in_time_window", self.report(msg, NOT_IN_TIME_WINDOW))
            return
        now = _time.monotonic()
        known = self._clock.get(msg.engine_id)
        if known is not None:
            boots, etime, at = known
            estimate = etime + int(now - at)
            if msg.boots < boots or (msg.boots == boots and msg.time < estimate - TIME_WINDOW):
                raise Refused("not_in_time_window")
            if msg.boots == boots and msg.time <= estimate:
                return
        if len(self._clock) >= MAX_ENGINES:
            self._clock.clear()
        self._clock[msg.engine_id] = (msg.boots, msg.time, now)

    @staticmethod
    def _plain(sec: v3.Security, msg: messages.V3Message) -> tuple[bytes, bytes, messages.Pdu]:
        if msg.encrypted is not None:
            if sec.privacy is None or not msg.flags & v3.FLAG_PRIV:
                raise Refused("decryption_error")
            try:
                plain = sec.privacy.decrypt(msg.encrypted, msg.priv_params, msg.boots, msg.time)
                return messages.decode_scoped_pdu(plain)
            except (SnmpError, BerError):
                raise Refused("decryption_error") from None
        if msg.scoped is None:
            raise Refused("malformed")
        try:
            return messages.decode_scoped_pdu(msg.scoped)
        except BerError:
            raise Refused("malformed") from None

    def report(self, msg: messages.V3Message, counter: int) -> bytes:
        """An unauthenticated Report naming usmStats counter `counter`, with our engine's ID, boots and time."""
        self._report_counts[counter] += 1
        vb = ber.encode_varbinds([(f"{_USM_STATS}.{counter}.0",
                                   ber.encode_unsigned(ber.COUNTER32, self._report_counts[counter]))])
        request_id = msg.msg_id
        if msg.scoped is not None:  # echo the request ID when the scoped PDU is readable
            try:
                request_id = messages.decode_scoped_pdu(msg.scoped)[2].request_id
            except BerError:
                pass
        pdu = messages.encode_pdu(ber.REPORT, request_id, 0, 0, vb)
        scoped = messages.encode_scoped_pdu(self.engine_id, b"", pdu)
        params = messages.encode_usm(self.engine_id, self.boots, self.now(), msg.user, b"", b"")
        return messages.encode_v3_message(msg.msg_id, 65507, 0, params, scoped)[0]

    def seal_response(self, opened: Opened, msg: messages.V3Message, pdu: bytes) -> bytes:
        """The Response to an inform, at the inform's security level, from our engine."""
        assert opened.security is not None
        peer = v3.PeerState(engine_id=self.engine_id, boots=self.boots, time=self.now())
        return v3.seal(opened.security, peer, msg.msg_id, 65507, pdu, reportable=False,
                       context=opened.context)
