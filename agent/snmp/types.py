"""Backend-neutral SNMP values and endpoints: what code above the seam works with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

# SNMP value kinds, as names (independent of the SNMP library).
INTEGER = "Integer"
OCTET_STRING = "OctetString"
OBJECT_IDENTIFIER = "ObjectIdentifier"
IP_ADDRESS = "IpAddress"
COUNTER32 = "Counter32"
COUNTER64 = "Counter64"
GAUGE32 = "Gauge32"
TIMETICKS = "TimeTicks"
OPAQUE = "Opaque"
NULL = "Null"
NUMERIC_KINDS = frozenset({INTEGER, COUNTER32, COUNTER64, GAUGE32, TIMETICKS})  # values that are ints


class Varbind(NamedTuple):
    """One answered variable: `oid` without leading dot; `value` is int for numeric kinds,
    bytes for OctetString/Opaque, str (dotted) for ObjectIdentifier and IpAddress.
    Immutable; a named tuple because polls make thousands of them (half the cost of a frozen
    dataclass to build)."""

    oid: str
    kind: str
    value: int | bytes | str


@dataclass(frozen=True, slots=True)
class V3Auth:
    user: str
    auth_proto: str | None = None  # MD5 SHA SHA224 SHA256 SHA384 SHA512
    auth_key: str | None = None
    priv_proto: str | None = None  # DES AES AES192 AES256
    priv_key: str | None = None

    def __repr__(self) -> str:  # never show keys
        return f"V3Auth(user={self.user!r}, auth_proto={self.auth_proto!r}, priv_proto={self.priv_proto!r})"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where and how to reach one SNMP agent. `community` for v1/v2c, `v3` for v3."""

    host: str
    port: int = 161
    version: str = "2c"  # "1" | "2c" | "3"
    community: str | None = None
    v3: V3Auth | None = None
    timeout: float = 1.0
    retries: int = 1

    def __repr__(self) -> str:
        return f"Endpoint({self.host}:{self.port}, v{self.version})"
