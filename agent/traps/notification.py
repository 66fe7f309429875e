"""One received notification in SNMPv2 terms, whatever version carried it.

An SNMPv1 Trap-PDU is translated as RFC 3584 §3.1 says: generic traps 0–5 become
snmpTraps.(generic+1) (coldStart … egpNeighborLoss), an enterprise-specific trap becomes
enterprise.0.specific, the timestamp becomes sysUpTime.0 and the enterprise is appended as
snmpTrapEnterprise.0. v2c/v3 traps and informs carry sysUpTime.0 and snmpTrapOID.0 as their
first two varbinds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.snmp import ber, messages
from agent.snmp import types as t
from agent.snmp.errors import BerError
from agent.snmp.types import Varbind

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"  # SNMPv2-MIB::sysUpTime.0
SNMP_TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"  # SNMPv2-MIB::snmpTrapOID.0
SNMP_TRAP_ENTERPRISE = "1.3.6.1.6.3.1.1.4.3.0"  # SNMPv2-MIB::snmpTrapEnterprise.0
SNMP_TRAPS = "1.3.6.1.6.3.1.1.5"  # SNMPv2-MIB::snmpTraps (coldStart.1 … egpNeighborLoss.6)
TRAP, INFORM = "trap", "inform"


@dataclass(slots=True)
class Notification:
    received_at: float  # unix seconds when the datagram arrived
    source: str  # sender's IP address
    port: int
    version: str  # "1" | "2c" | "3"
    kind: str  # TRAP | INFORM
    trap_oid: str
    uptime: int | None  # sysUpTime.0 of the sender, in hundredths of a second
    varbinds: list[Varbind] = field(default_factory=list)  # without sysUpTime.0 and snmpTrapOID.0
    target: str | None = None
    user: str | None = None
    engine_id: bytes = b""
    name: str = ""  # the trap's MIB name, from the profile that declares it
    severity: str = ""
    meaning: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    def value(self, oid_prefix: str) -> Varbind | None:
        """The first varbind whose OID is `oid_prefix` or under it."""
        dotted = oid_prefix + "."
        for vb in self.varbinds:
            if vb.oid == oid_prefix or vb.oid.startswith(dotted):
                return vb
        return None

    def as_json(self) -> dict[str, Any]:
        return {
            "received_at": round(self.received_at, 6), "source": f"{self.source}:{self.port}",
            "version": self.version, "kind": self.kind, "target": self.target, "trap_oid": self.trap_oid,
            "trap": self.name or None, "severity": self.severity or None, "meaning": self.meaning or None,
            "labels": self.labels, "uptime": self.uptime, "user": self.user,
            "engine_id": self.engine_id.hex() or None,
            "varbinds": [[vb.oid, vb.kind, printable(vb.value)] for vb in self.varbinds],
        }


def printable(value: int | bytes | str | None) -> int | str | None:
    if isinstance(value, bytes):
        try:
            text = value.decode()
        except UnicodeDecodeError:
            return "0x" + value.hex()
        return text if text.isprintable() else "0x" + value.hex()
    return value


def _varbinds(raw: list[ber.RawVarbind]) -> list[Varbind]:
    out = []
    for body, tag, value in raw:
        kind = ber.KIND_OF_TAG.get(tag, t.NULL)
        out.append(Varbind(ber.oid_text(body), kind, b"" if value is None else value))
    return out


def v1_trap_oid(pdu: messages.Pdu) -> str:
    if 0 <= pdu.generic_trap <= 5:
        return f"{SNMP_TRAPS}.{pdu.generic_trap + 1}"
    return f"{pdu.enterprise}.0.{pdu.specific_trap}"


def from_pdu(pdu: messages.Pdu, *, version: str, received_at: float, source: str, port: int) -> Notification:
    """The notification a Trap-PDU, SNMPv2-Trap-PDU or InformRequest-PDU carries; `BerError` if
    it is none of them or lacks snmpTrapOID.0."""
    if pdu.tag == ber.TRAP_V1:
        vbs = _varbinds(pdu.varbinds)
        vbs.append(Varbind(SNMP_TRAP_ENTERPRISE, t.OBJECT_IDENTIFIER, pdu.enterprise))
        return Notification(received_at, source, port, version, TRAP, v1_trap_oid(pdu), pdu.timestamp, vbs)
    if pdu.tag not in (ber.TRAP_V2, ber.INFORM):
        raise BerError(f"PDU 0x{pdu.tag:02x} is not a notification")
    vbs = _varbinds(pdu.varbinds)
    uptime = None
    if vbs and vbs[0].oid == SYS_UPTIME and isinstance(vbs[0].value, int):
        uptime = vbs.pop(0).value  # type: ignore[assignment]
    if not vbs or vbs[0].oid != SNMP_TRAP_OID or vbs[0].kind != t.OBJECT_IDENTIFIER:
        raise BerError("notification without snmpTrapOID.0")
    trap_oid = str(vbs.pop(0).value)
    return Notification(received_at, source, port, version, INFORM if pdu.tag == ber.INFORM else TRAP, trap_oid,
                        uptime, vbs)  # type: ignore[arg-type]


def response_pdu(pdu: messages.Pdu, raw_varbinds: bytes) -> bytes:
    """The Response-PDU acknowledging an inform (RFC 3416 §4.2.7): same request ID and varbinds."""
    return messages.encode_pdu(ber.RESPONSE, pdu.request_id, 0, 0, raw_varbinds)


def encode_raw_varbinds(raw: list[ber.RawVarbind]) -> bytes:
    """The varbind list of a decoded PDU, encoded again (for the inform's Response)."""
    parts = []
    for body, tag, value in raw:
        if tag in ber.EXCEPTIONS or tag == ber.NULL:
            enc = ber.tlv(tag, b"")
        elif tag == ber.OBJECT_IDENTIFIER:
            enc = ber.tlv(tag, ber.oid_body(str(value)))
        elif tag == ber.IP_ADDRESS:
            enc = ber.encode_value(t.IP_ADDRESS, value)
        elif tag == ber.INTEGER:
            enc = ber.encode_int(int(value))  # type: ignore[arg-type]
        elif isinstance(value, int):
            enc = ber.encode_unsigned(tag, value)
        else:
            enc = ber.tlv(tag, value if isinstance(value, bytes) else str(value).encode())
        parts.append(ber.tlv(ber.SEQUENCE, ber.tlv(ber.OBJECT_IDENTIFIER, body) + enc))
    return ber.tlv(ber.SEQUENCE, b"".join(parts))
