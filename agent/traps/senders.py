"""Who may send us notifications: the configured targets by source address, their communities,
and the v3 engine IDs configured or learnt for them.

A v1/v2c notification is matched to the targets at its source address whose credential set's
community it carries (or one of `traps.communities`); a v3 one to the targets at its source
address, narrowed by the sender's engine ID when one is configured or was learnt (RFC 5343
leaves engine IDs to discovery; a sender's first authenticated trap teaches us its ID).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from agent.config import AgentConfig, Credential, SnmpTarget
from agent.snmp.endpoints import endpoint_for
from agent.snmp.types import V3Auth

MAX_LEARNT = 4096


@dataclass(frozen=True, slots=True)
class Sender:
    target: str
    address: str  # as configured
    credential: str
    community: bytes | None  # v1/v2c read community of its credential set


class NoMatch(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _canonical(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


class SenderDirectory:
    def __init__(self, senders: Iterable[Sender], trap_communities: Iterable[bytes] = (),
                 engines: dict[str, bytes] | None = None) -> None:
        self.senders = list(senders)
        self._by_ip: dict[str, list[Sender]] = {}
        self._extra = list(trap_communities)
        self._engines: dict[bytes, str] = {eid: name for name, eid in (engines or {}).items()}
        self._learnt: dict[bytes, str] = {}
        for s in self.senders:
            self._by_ip.setdefault(_canonical(s.address), []).append(s)

    async def resolve(self) -> None:
        """Add the addresses that host names resolve to (off the event loop's thread)."""
        loop = asyncio.get_running_loop()
        for s in self.senders:
            try:
                ipaddress.ip_address(s.address.strip("[]"))
                continue
            except ValueError:
                pass
            try:
                infos = await loop.getaddrinfo(s.address, None, type=socket.SOCK_DGRAM)
            except OSError:
                continue
            for info in infos:
                ip = _canonical(str(info[4][0]))
                if s not in self._by_ip.setdefault(ip, []):
                    self._by_ip[ip].append(s)

    def at(self, source: str) -> list[Sender]:
        return self._by_ip.get(_canonical(source), [])

    def by_community(self, source: str, community: bytes) -> Sender:
        here = self.at(source)
        if not here:
            raise NoMatch("unknown_sender")
        for s in here:
            if s.community is not None and hmac.compare_digest(s.community, community):
                return s
        if any(hmac.compare_digest(c, community) for c in self._extra):
            return here[0]
        raise NoMatch("wrong_community")

    def by_engine(self, source: str, engine_id: bytes, credential: str) -> Sender:
        """The target a v3 notification comes from. `credential` is the set whose keys verified it."""
        here = self.at(source)
        if not here:
            raise NoMatch("unknown_sender")
        named = (self._engines.get(engine_id) or self._learnt.get(engine_id)) if engine_id else None
        if named is not None:
            for s in here:
                if s.target == named:
                    return s
            raise NoMatch("unknown_engine_id")
        fitting = [s for s in here if s.credential == credential] or here
        chosen = fitting[0]
        if engine_id and len(fitting) == 1:  # unambiguous: remember the engine for the next time
            if len(self._learnt) >= MAX_LEARNT:
                self._learnt.clear()
            self._learnt[engine_id] = chosen.target
        return chosen


def _community(cred: Credential) -> bytes | None:
    return cred.community.get_secret_value().encode() if cred.community is not None else None


def directory_for(config: AgentConfig) -> SenderDirectory:
    traps = config.traps
    senders = []
    for target in config.targets:
        cred = config.credentials.get(target.credentials)
        if cred is not None:
            senders.append(Sender(target.name, target.address, target.credentials, _community(cred)))
    extra = [c.get_secret_value().encode() for c in (traps.communities if traps else [])]
    engines = {name: bytes.fromhex(v.removeprefix("0x")) for name, v in (traps.engines if traps else {}).items()}
    return SenderDirectory(senders, extra, engines)


def v3_users(config: AgentConfig) -> list[tuple[str, V3Auth]]:
    """Every v3 credential set as (name, V3Auth)."""
    out = []
    for name, cred in sorted(config.credentials.items()):
        if cred.version == "3":
            v3 = endpoint_for(SnmpTarget(name="x", address="127.0.0.1", credentials=name), cred).v3
            if v3 is not None:
                out.append((name, v3))
    return out
