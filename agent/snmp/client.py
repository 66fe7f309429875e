"""The SNMP client seam: the only module of the project that imports pysnmp.

`SnmpClient` speaks SNMP v1, v2c and v3 (USM) to many targets through one shared pysnmp
engine. Callers pass an `Endpoint` and dotted OIDs; they get `Varbind`s with plain python
values back, and every failure as an exception from `agent.snmp.errors`.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Any

from pyasn1.type.univ import Null as _Null
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
    get_cmd,
    next_cmd,
)
from pysnmp.entity import config as _config
from pysnmp.error import PySnmpError
from pysnmp.proto.error import StatusInformation
from pysnmp.proto import errind, rfc1902, rfc1905

from agent.snmp import errors as e
from agent.snmp.chunks import in_chunks
from agent.snmp import types as t
from agent.snmp.types import Endpoint, Varbind

AUTH_PROTOCOLS = {
    None: _config.USM_AUTH_NONE,
    "MD5": _config.USM_AUTH_HMAC96_MD5,
    "SHA": _config.USM_AUTH_HMAC96_SHA,
    "SHA224": _config.USM_AUTH_HMAC128_SHA224,
    "SHA256": _config.USM_AUTH_HMAC192_SHA256,
    "SHA384": _config.USM_AUTH_HMAC256_SHA384,
    "SHA512": _config.USM_AUTH_HMAC384_SHA512,
}
# AES192/AES256 use the key extension of draft-blumenthal-aes-usm-04, as net-snmp's AES-192/256.
PRIV_PROTOCOLS = {
    None: _config.USM_PRIV_NONE,
    "DES": _config.USM_PRIV_CBC56_DES,
    "AES": _config.USM_PRIV_CFB128_AES,
    "AES192": _config.USM_PRIV_CFB192_AES_BLUMENTHAL,
    "AES256": _config.USM_PRIV_CFB256_AES_BLUMENTHAL,
}

# pysnmp error indications (Report PDUs decoded by its USM) → our error classes.
_INDICATIONS: list[tuple[type, type[e.SnmpError]]] = [
    (errind.RequestTimedOut, e.SnmpTimeout),
    (errind.UnknownUserName, e.UnknownUserName),
    (errind.WrongDigest, e.WrongDigest),
    (errind.AuthenticationFailure, e.WrongDigest),
    (errind.NotInTimeWindow, e.NotInTimeWindow),
    (errind.DecryptionError, e.DecryptionError),
    (errind.UnsupportedSecurityLevel, e.UnsupportedSecurityLevel),
    (errind.UnknownSecurityName, e.UnknownUserName),
]

ERROR_STATUS = e.ERROR_STATUS
_TOO_BIG, _NO_SUCH_NAME, _GEN_ERR = e.TOO_BIG, e.NO_SUCH_NAME, e.GEN_ERR

# Value tag → kind (rfc1155 v1 types share the tags of their rfc1902 counterparts).
_KINDS: dict[Any, str] = {
    rfc1902.Integer32.tagSet: t.INTEGER,
    rfc1902.OctetString.tagSet: t.OCTET_STRING,
    rfc1902.ObjectIdentifier.tagSet: t.OBJECT_IDENTIFIER,
    rfc1902.IpAddress.tagSet: t.IP_ADDRESS,
    rfc1902.Counter32.tagSet: t.COUNTER32,
    rfc1902.Gauge32.tagSet: t.GAUGE32,
    rfc1902.TimeTicks.tagSet: t.TIMETICKS,
    rfc1902.Opaque.tagSet: t.OPAQUE,
    rfc1902.Counter64.tagSet: t.COUNTER64,
    _Null.tagSet: t.NULL,
}
_ABSENT = {rfc1905.NoSuchObject.tagSet, rfc1905.NoSuchInstance.tagSet}
_END = rfc1905.EndOfMibView.tagSet


def to_varbind(oid: Any, value: Any) -> Varbind | None:
    """Convert one pysnmp varbind to a `Varbind`; None for noSuchObject/noSuchInstance/endOfMibView."""
    tag = value.tagSet
    if tag in _ABSENT or tag == _END:
        return None
    name = str(oid)
    kind = _KINDS.get(tag)
    if kind is None:  # an application type we do not know: keep its raw octets
        return Varbind(name, t.OPAQUE, bytes(value.asOctets()) if hasattr(value, "asOctets") else b"")
    if kind in t.NUMERIC_KINDS:
        return Varbind(name, kind, int(value))
    if kind == t.IP_ADDRESS:
        return Varbind(name, kind, ".".join(str(b) for b in value.asOctets()))
    if kind == t.OBJECT_IDENTIFIER:
        return Varbind(name, kind, str(value))
    if kind == t.NULL:
        return Varbind(name, kind, b"")
    return Varbind(name, kind, bytes(value.asOctets()))


def _arcs(oid: str) -> tuple[int, ...]:
    return tuple(int(a) for a in oid.strip(".").split("."))


def translate(indication: Any) -> e.SnmpError:
    """A pysnmp error indication as one of our errors (the message never carries a secret)."""
    for cls, ours in _INDICATIONS:
        if isinstance(indication, cls):
            return ours(str(indication))
    return e.SnmpError(str(indication))


def _status_error(status: Any, index: Any) -> e.ErrorStatus:
    return e.status_error(int(status), int(index))


def _forget_peer_engine(engine: SnmpEngine, target: UdpTransportTarget) -> None:
    """Drop pysnmp's cached engine ID of one v3 peer, so the next request discovers it again.

    pysnmp caches a peer's engine ID per address (for ~300 timer ticks that only advance while
    requests are in flight) and silently drops the Report PDUs of a peer whose engine ID changed
    (a replaced management card, a device that makes a new ID at boot): every request then times
    out. After a timeout we forget the peer, so a new engine ID is learnt on the next poll.
    pysnmp has no public call for this; if its internals change, this is a no-op.
    """
    mp = engine.message_processing_subsystems.get(3)
    cache = getattr(mp, "_SnmpV3MessageProcessingModel__engineIdCache", None)
    if not isinstance(cache, dict):
        return
    address = tuple(target.transport_address)[:2]
    for key in [k for k in cache if isinstance(k, tuple) and len(k) == 2 and tuple(k[1])[:2] == address]:
        del cache[key]


class SnmpClient:
    """Async SNMP GET and subtree walks for many targets through one shared pysnmp engine.

    `get_chunk` is how many OIDs go into one GET PDU. `max_message_size` is what this engine
    advertises to v3 agents (msgMaxSize). The engine is built once, lazily, off the event loop.
    """

    def __init__(self, *, get_chunk: int = 32, max_message_size: int = 65507) -> None:
        if get_chunk < 1:
            raise ValueError("get_chunk must be at least 1")
        self.get_chunk = get_chunk
        self.max_message_size = max_message_size
        # Engine 0 serves every target. pysnmp keeps one USM entry per user name in an engine,
        # so a second key set for an already known user name gets engine 1, a third engine 2...
        self._engines: dict[int, SnmpEngine] = {}
        self._engine_lock = asyncio.Lock()
        self._key_sets: dict[str, list[str]] = {}
        self._targets: dict[tuple[str, int, float, int], UdpTransportTarget] = {}
        self._auth: dict[tuple[Any, ...], tuple[CommunityData | UsmUserData, int]] = {}
        self._context = ContextData()
        # Counters for self-metrics.
        self.requests = 0
        self.varbinds = 0
        self.backoffs = 0

    backend = "pysnmp"

    @property
    def sockets(self) -> int:
        """Open engines; each has its own UDP socket."""
        return len(self._engines)

    async def engine(self, slot: int = 0) -> SnmpEngine:
        """The shared engine (slot 0), built once, off the event loop."""
        engine = self._engines.get(slot)
        if engine is None:
            async with self._engine_lock:
                engine = self._engines.get(slot)
                if engine is None:
                    engine = await asyncio.to_thread(SnmpEngine, maxMessageSize=self.max_message_size)
                    self._engines[slot] = engine
        return engine

    async def close(self) -> None:
        """Close the engines' sockets; the client can be used again afterwards (new engines)."""
        engines, self._engines = list(self._engines.values()), {}
        self._targets.clear()
        self._auth.clear()
        self._key_sets.clear()
        for engine in engines:
            engine.close_dispatcher()

    # -- plumbing ---------------------------------------------------------------------------

    def _auth_data(self, ep: Endpoint) -> tuple[CommunityData | UsmUserData, int]:
        """pysnmp's auth object for an endpoint, and the engine slot that serves it."""
        if ep.version in ("1", "2c"):
            key: tuple[Any, ...] = (ep.version, ep.community)
            found = self._auth.get(key)
            if found is None:
                if ep.community is None:
                    raise e.SnmpError(f"{ep!r}: no community given for SNMP v{ep.version}")
                found = CommunityData(ep.community, mpModel=0 if ep.version == "1" else 1), 0
                self._auth[key] = found
            return found
        if ep.version != "3" or ep.v3 is None:
            raise e.SnmpError(f"{ep!r}: SNMPv3 needs a user" if ep.version == "3" else f"unknown SNMP version {ep.version!r}")
        v3 = ep.v3
        # Cache keys hold a digest of the keys, never the keys themselves.
        keys = hashlib.sha256(repr((v3.auth_proto, v3.auth_key, v3.priv_proto, v3.priv_key)).encode()).hexdigest()
        key = ("3", v3.user, keys)
        found = self._auth.get(key)
        if found is None:
            if v3.auth_proto not in AUTH_PROTOCOLS or v3.priv_proto not in PRIV_PROTOCOLS:
                raise e.SnmpError(f"{ep!r}: unsupported auth/priv protocol {v3.auth_proto}/{v3.priv_proto}")
            if v3.priv_proto and not v3.auth_proto:
                raise e.SnmpError(f"{ep!r}: privacy needs authentication too")
            slots = self._key_sets.setdefault(v3.user, [])
            slots.append(keys)
            auth = UsmUserData(
                v3.user,
                authKey=v3.auth_key if v3.auth_proto else None,
                privKey=v3.priv_key if v3.priv_proto else None,
                authProtocol=AUTH_PROTOCOLS[v3.auth_proto],
                privProtocol=PRIV_PROTOCOLS[v3.priv_proto],
            )
            found = auth, len(slots) - 1
            self._auth[key] = found
        return found

    async def _target(self, ep: Endpoint) -> UdpTransportTarget:
        key = (ep.host, ep.port, ep.timeout, ep.retries)
        target = self._targets.get(key)
        if target is None:
            try:
                target = await UdpTransportTarget.create((ep.host, ep.port), timeout=ep.timeout, retries=ep.retries)
            except PySnmpError as exc:
                raise e.SnmpError(f"{ep!r}: cannot resolve address: {exc}") from None
            self._targets[key] = target
        return target

    async def _call(self, fn: Any, ep: Endpoint, *args: Any) -> tuple[Any, Any, Any, Any]:
        auth, slot = self._auth_data(ep)
        engine = await self.engine(slot)
        target = await self._target(ep)
        self.requests += 1
        try:
            answer = await fn(engine, auth, target, self._context, *args, lookupMib=False)
        except StatusInformation as exc:  # raised (not returned) by the USM for some failures
            indication = exc.get("errorIndication")
            if indication is None:
                raise e.SnmpError(f"{ep!r}: SNMP engine error") from None
            raise translate(indication) from None
        except PySnmpError as exc:
            raise e.SnmpError(f"{ep!r}: {type(exc).__name__}: {exc}") from None
        if ep.version == "3" and isinstance(answer[0], errind.RequestTimedOut):
            _forget_peer_engine(engine, target)
        return answer

    # -- GET --------------------------------------------------------------------------------

    async def get(self, ep: Endpoint, oids: Sequence[str]) -> dict[str, Varbind]:
        """GET many OIDs, `get_chunk` per PDU; OIDs the agent does not have are absent."""
        return await self._chunked(ep, oids, getnext=False)

    async def get_next(self, ep: Endpoint, oids: Sequence[str]) -> dict[str, Varbind]:
        """GETNEXT many OIDs, `get_chunk` per PDU: requested OID → the agent's next object after it
        (anywhere in the MIB; callers check the subtree). Absent where the MIB ends."""
        return await self._chunked(ep, oids, getnext=True)

    async def _chunked(self, ep: Endpoint, oids: Sequence[str], *, getnext: bool) -> dict[str, Varbind]:
        out, backoffs, _ = await in_chunks(lambda part: self._get_pdu(ep, part, getnext=getnext), oids, self.get_chunk)
        self.backoffs += backoffs
        return out

    async def _get_pdu(self, ep: Endpoint, oids: list[str], *, getnext: bool = False) -> dict[str, Varbind]:
        """One GET (keyed by OID) or GETNEXT (keyed by the requested OID) PDU."""
        while oids:
            indication, status, index, vbs = await self._call(
                next_cmd if getnext else get_cmd, ep, *(ObjectType(ObjectIdentity(o)) for o in oids)
            )
            if indication:
                raise translate(indication)
            if status:
                code, idx = int(status), int(index)
                # SNMPv1: no such object (GET) or nothing after it (GETNEXT): drop that OID, retry.
                if code == _NO_SUCH_NAME and 1 <= idx <= len(oids):
                    oids = oids[: idx - 1] + oids[idx:]
                    continue
                raise _status_error(status, index)
            out = {}
            for asked, (name, value) in zip(oids, vbs):
                vb = to_varbind(name, value)
                if vb is not None:
                    out[asked if getnext else vb.oid] = vb
            self.varbinds += len(vbs)
            return out
        return {}

    # -- WALK -------------------------------------------------------------------------------

    async def walk_columns(self, ep: Endpoint, columns: Sequence[str], max_repetitions: int = 25,
                           ) -> dict[str, list[Varbind]]:
        """Column → its varbinds; this backend walks the columns one after the other."""
        return {c.strip("."): await self.walk(ep, c, max_repetitions) for c in dict.fromkeys(columns)}

    async def walk(self, ep: Endpoint, oid: str, max_repetitions: int = 25) -> list[Varbind]:
        """Every varbind under `oid` (not the OID itself), in agent order.

        GETBULK for v2c/v3 (max-repetitions halves on tooBig), GETNEXT for v1. Stops at the end
        of the subtree or at endOfMibView; an agent whose OIDs do not increase is an error.
        """
        root = oid.strip(".")
        root_arcs = _arcs(root)
        n = len(root_arcs)
        out: list[Varbind] = []
        last = root_arcs
        reps = max(1, max_repetitions)
        while True:
            if ep.version == "1":
                indication, status, index, vbs = await self._call(
                    next_cmd, ep, ObjectType(ObjectIdentity(".".join(map(str, last))))
                )
            else:
                indication, status, index, vbs = await self._call(
                    bulk_cmd, ep, 0, reps, ObjectType(ObjectIdentity(".".join(map(str, last))))
                )
            if indication:
                if isinstance(indication, errind.OidNotIncreasing):
                    raise e.SnmpError(f"{ep!r}: agent returned OIDs out of order under {root}")
                raise translate(indication)
            if status:
                code = int(status)
                # tooBig, or genErr from agents (net-snmp among them) that fail to truncate a
                # GETBULK answer to the manager's msgMaxSize: ask for fewer rows.
                if code in (_TOO_BIG, _GEN_ERR) and reps > 1 and ep.version != "1":
                    reps = max(1, reps // 2)
                    self.backoffs += 1
                    continue
                if code == _NO_SUCH_NAME and ep.version == "1":
                    return out  # v1 end of MIB
                raise _status_error(status, index)
            if not vbs:
                return out
            self.varbinds += len(vbs)
            for name, value in vbs:
                arcs = tuple(name)
                if value.tagSet == _END or arcs[:n] != root_arcs or len(arcs) <= n:
                    return out
                if arcs <= last:
                    raise e.SnmpError(f"{ep!r}: agent returned OIDs out of order under {root}")
                last = arcs
                vb = to_varbind(name, value)
                if vb is not None:
                    out.append(vb)
