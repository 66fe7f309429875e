"""The fast SNMP backend: our own BER codec and USM on one shared asyncio UDP socket.

`FastSnmpClient` has the API of the pysnmp-based `SnmpClient` (get, get_next, walk, close, the
self-metric counters) plus `walk_columns`, which walks many table columns in one GETBULK walk.
It speaks v1, v2c and v3 (engine discovery, time-window resync, a peer's new engine ID learnt
from its Report), backs off on tooBig/genErr, drops v1 noSuchName OIDs, and refuses agents
whose OIDs do not increase.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.snmp import ber
from agent.snmp import messages
from agent.snmp import errors as e
from agent.snmp.chunks import in_chunks
from agent.snmp import v3 as usm3
from agent.snmp.transport import UdpDispatcher
from agent.snmp.walker import VARBIND_OCTETS, ColumnWalk, oid_body, to_varbind
from agent.snmp.types import Endpoint, Varbind


class FastSnmpClient:
    """Async SNMP for many targets over one UDP socket per address family."""

    backend = "fast"

    def __init__(self, *, get_chunk: int = 48, max_message_size: int = 65507) -> None:
        if get_chunk < 1:
            raise ValueError("get_chunk must be at least 1")
        self.get_chunk = get_chunk
        self.max_message_size = max_message_size
        self._udp = UdpDispatcher()
        self._peers: dict[tuple[str, int], usm3.PeerState] = {}
        self._security: dict[tuple[str, bytes], usm3.Security] = {}
        self._chunks: dict[tuple[str, int], int] = {}  # OIDs per GET an agent took after a tooBig
        self._rows_seen: dict[tuple, dict[str, int]] = {}  # per agent and view: rows per column last walk
        self.requests = 0
        self.varbinds = 0
        self.backoffs = 0

    @property
    def sockets(self) -> int:
        """Open UDP sockets (one per address family in use), whatever the number of targets."""
        return len(self._udp._transports)  # noqa: SLF001 - same package

    async def close(self) -> None:
        self._udp.close()
        self._udp = UdpDispatcher()
        self._peers.clear()
        self._security.clear()
        self._chunks.clear()
        self._rows_seen.clear()

    # -- one request ------------------------------------------------------------------------

    async def request(self, ep: Endpoint, tag: int, bodies: Sequence[bytes], a: int = 0, b: int = 0) -> messages.Pdu:
        """One Get/GetNext/GetBulk PDU exchange; the answering Response PDU (any error-status)."""
        self.requests += 1
        if ep.version == "3":
            return await self._v3_request(ep, tag, bodies, a, b)
        if ep.version not in ("1", "2c"):
            raise e.SnmpError(f"unknown SNMP version {ep.version!r}")
        if ep.community is None:
            raise e.SnmpError(f"{ep!r}: no community given for SNMP v{ep.version}")
        version = 0 if ep.version == "1" else 1
        community = ep.community.encode()

        def build(rid: int) -> bytes:
            return messages.encode_community_message(version, community, messages.encode_request(tag, rid, bodies, a, b))

        msg, _ = await self._udp.exchange(ep.host, ep.port, build, ep.timeout, ep.retries)
        if not isinstance(msg, messages.CommunityMessage) or msg.version != version or msg.pdu.tag != ber.RESPONSE:
            raise e.SnmpError(f"{ep!r}: the answer is not a v{ep.version} Response")
        return msg.pdu

    def _sec(self, ep: Endpoint, engine_id: bytes) -> usm3.Security:
        assert ep.v3 is not None
        key = (usm3.key_of(ep.v3), engine_id)
        sec = self._security.get(key)
        if sec is None:
            if len(self._security) > 10_000:
                self._security.clear()
            sec = self._security[key] = usm3.Security(ep.v3, engine_id)
        return sec

    async def _discover(self, ep: Endpoint) -> usm3.PeerState:
        max_size = self.max_message_size
        msg, _ = await self._udp.exchange(ep.host, ep.port, lambda rid: usm3.discovery(rid, max_size),
                                          ep.timeout, ep.retries)
        if not isinstance(msg, messages.V3Message) or not msg.engine_id:
            raise e.SnmpError(f"{ep!r}: engine discovery got no engine ID")
        peer = usm3.PeerState()
        peer.learn(msg, force=True)
        self._peers[(ep.host, ep.port)] = peer
        return peer

    async def _v3_request(self, ep: Endpoint, tag: int, bodies: Sequence[bytes], a: int, b: int) -> messages.Pdu:
        if ep.v3 is None:
            raise e.SnmpError(f"{ep!r}: SNMPv3 needs a user")
        peer = self._peers.get((ep.host, ep.port))
        if peer is None:
            peer = await self._discover(ep)
        resynced = rediscovered = False
        max_size = self.max_message_size
        while True:
            sec = self._sec(ep, peer.engine_id)
            current = peer

            def build(rid: int) -> bytes:
                return usm3.seal(sec, current, rid, max_size, messages.encode_request(tag, rid, bodies, a, b))

            try:
                msg, raw = await self._udp.exchange(ep.host, ep.port, build, ep.timeout, ep.retries)
            except e.SnmpTimeout:
                self._peers.pop((ep.host, ep.port), None)  # a replaced device may answer as a new engine
                raise
            if not isinstance(msg, messages.V3Message):
                raise e.SnmpError(f"{ep!r}: the answer is not an SNMPv3 message")
            pdu = usm3.open_message(sec, msg, raw)
            if pdu.tag == ber.REPORT:
                kind = usm3.report_kind(pdu)
                if kind == usm3.UNKNOWN_ENGINE_ID and not rediscovered and msg.engine_id:
                    rediscovered = True
                    peer.learn(msg, force=True)
                    continue
                if kind == usm3.NOT_IN_TIME_WINDOW and not resynced and msg.engine_id == peer.engine_id:
                    resynced = True
                    peer.learn(msg, force=True)
                    continue
                raise usm3.report_error(pdu)
            if msg.flags & usm3.FLAG_AUTH:
                peer.learn(msg)
            if pdu.tag != ber.RESPONSE:
                raise e.SnmpError(f"{ep!r}: the answer is PDU 0x{pdu.tag:02x}, not a Response")
            return pdu

    def peer_max_size(self, ep: Endpoint) -> int:
        """The largest message the agent takes or sends (its msgMaxSize for v3, ours otherwise)."""
        peer = self._peers.get((ep.host, ep.port)) if ep.version == "3" else None
        return min(peer.max_size, self.max_message_size) if peer else self.max_message_size

    # -- GET / GETNEXT ----------------------------------------------------------------------

    async def get(self, ep: Endpoint, oids: Sequence[str]) -> dict[str, Varbind]:
        """GET many OIDs, `get_chunk` per PDU (halved on tooBig); absent OIDs are left out."""
        return await self._chunked(ep, oids, getnext=False)

    async def get_next(self, ep: Endpoint, oids: Sequence[str]) -> dict[str, Varbind]:
        """GETNEXT many OIDs: requested OID → the agent's next object (absent at the MIB's end)."""
        return await self._chunked(ep, oids, getnext=True)

    async def _chunked(self, ep: Endpoint, oids: Sequence[str], *, getnext: bool) -> dict[str, Varbind]:
        # As many OIDs per PDU as fit the agent's message size, starting from what it took last time.
        key = (ep.host, ep.port)
        fit = max(1, (self.peer_max_size(ep) - 200) // VARBIND_OCTETS)
        chunk = min(self.get_chunk, fit, self._chunks.get(key, self.get_chunk))
        out, backoffs, took = await in_chunks(lambda part: self._get_pdu(ep, part, getnext=getnext), oids, chunk)
        self.backoffs += backoffs
        if backoffs:
            self._chunks[key] = took
        return out

    async def _get_pdu(self, ep: Endpoint, oids: list[str], *, getnext: bool) -> dict[str, Varbind]:
        tag = ber.GET_NEXT if getnext else ber.GET
        while oids:
            pdu = await self.request(ep, tag, [oid_body(o) for o in oids])
            if pdu.error_status:
                idx = pdu.error_index
                # SNMPv1: no such object (GET) or nothing after it (GETNEXT): drop that OID, ask again.
                if pdu.error_status == e.NO_SUCH_NAME and 1 <= idx <= len(oids):
                    oids = oids[:idx - 1] + oids[idx:]
                    continue
                raise e.status_error(pdu.error_status, idx)
            if len(pdu.varbinds) != len(oids):
                raise e.SnmpError(f"{ep!r}: asked for {len(oids)} OIDs, the answer has {len(pdu.varbinds)}")
            self.varbinds += len(pdu.varbinds)
            out: dict[str, Varbind] = {}
            for asked, raw in zip(oids, pdu.varbinds):
                vb = to_varbind(*raw)
                if vb is not None:
                    out[asked if getnext else vb.oid] = vb
            return out
        return {}

    # -- walks ------------------------------------------------------------------------------

    async def walk(self, ep: Endpoint, oid: str, max_repetitions: int = 25) -> list[Varbind]:
        """Every varbind under `oid` (not the OID itself), in agent order."""
        root = oid.strip(".")
        return (await self.walk_columns(ep, [root], max_repetitions))[root]

    async def walk_columns(self, ep: Endpoint, columns: Sequence[str], max_repetitions: int = 25,
                           ) -> dict[str, list[Varbind]]:
        """Walk many subtrees (table columns) at once: each GETBULK carries every column that is
        not finished yet, `max_repetitions` rows at most, fewer when the answer would not fit the
        agent's message size; GETNEXT of all columns per row for v1. Returns column → varbinds."""
        key = (ep.host, ep.port, ep.community, ep.v3.user if ep.v3 else None)
        seen = self._rows_seen.get(key)
        if seen is None:
            if len(self._rows_seen) >= 10_000:
                self._rows_seen.clear()
            seen = self._rows_seen[key] = {}
        walk = ColumnWalk(self, ep, [c.strip(".") for c in columns], max(1, max_repetitions), seen)
        return await walk.run()
