"""One UDP socket per address family for every SNMP target, answers matched by id.

`UdpDispatcher.exchange` sends a request, waits for the datagram that carries the same id
(request-id for v1/v2c, msgID for v3) from the address it was sent to, and resends on each
timeout (`loop.call_later`, no task per request). Every id a request was sent under stays
valid until the exchange ends, so a late answer to the first try still counts. Malformed or
unexpected datagrams are counted and dropped; they never disturb other targets.
"""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Callable

import structlog

from agent.snmp import messages
from agent.snmp.errors import BerError, SnmpError, SnmpTimeout

log = structlog.get_logger("agent.snmp")


def set_receive_buffer(sock: socket.socket | None, size: int, what: str) -> int:
    """Ask the kernel for a `size`-byte receive buffer on `sock`; return what it granted (0 if unknown).

    Linux caps the request at net.core.rmem_max (and reports twice what it keeps for bookkeeping),
    so a burst of answers or traps larger than the granted buffer is dropped in the kernel, where
    nothing in the process can count it. A buffer granted below the request is therefore logged
    once per socket with the sysctl that raises it, instead of failing silently under load."""
    if sock is None:
        return 0
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
        granted = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    except OSError:
        return 0
    if granted < size:  # Linux reports 2x what it keeps: below the request means it was capped
        log.warning("udp_receive_buffer_capped", socket=what, requested_bytes=size, granted_bytes=granted,
                    hint=f"raise net.core.rmem_max to at least {size} (sysctl -w net.core.rmem_max={size})")
    return granted

Message = messages.CommunityMessage | messages.V3Message


def message_id(msg: Message) -> int:
    return msg.msg_id if isinstance(msg, messages.V3Message) else msg.pdu.request_id


class _Slot:
    __slots__ = ("waiter", "addr")

    def __init__(self, waiter: asyncio.Future, addr: tuple) -> None:
        self.waiter = waiter
        self.addr = addr


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, owner: UdpDispatcher) -> None:
        self.owner = owner

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        self.owner.received(data, addr)

    def error_received(self, exc: Exception) -> None:  # ICMP errors: the timeout will tell
        self.owner.icmp_errors += 1


class UdpDispatcher:
    """Shared UDP transport. Ids are 31-bit, start at random, and are never reused while pending."""

    def __init__(self, recv_buffer: int = 4 << 20) -> None:
        self._recv_buffer = recv_buffer
        self._transports: dict[int, asyncio.DatagramTransport] = {}
        self._opening: dict[int, asyncio.Lock] = {}
        self._pending: dict[int, _Slot] = {}
        self._next_id = random.randrange(1, 1 << 30)
        self._addresses: dict[tuple[str, int], tuple[int, tuple]] = {}
        self.malformed = 0
        self.unmatched = 0
        self.icmp_errors = 0
        self.sent = 0
        self.retried = 0

    def new_id(self) -> int:
        rid = self._next_id
        while rid in self._pending:
            rid = rid % 0x7FFFFFFF + 1
        self._next_id = rid % 0x7FFFFFFF + 1
        return rid

    async def resolve(self, host: str, port: int) -> tuple[int, tuple]:
        """(address family, socket address) of a target, looked up once."""
        key = (host, port)
        found = self._addresses.get(key)
        if found is None:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
            except (OSError, UnicodeError) as exc:
                raise SnmpError(f"{host}:{port}: cannot resolve address: {exc}") from None
            if not infos:
                raise SnmpError(f"{host}:{port}: cannot resolve address")
            family, _, _, _, sockaddr = infos[0]
            found = self._addresses[key] = (family, tuple(sockaddr[:2]))
        return found

    async def _transport(self, family: int) -> asyncio.DatagramTransport:
        tr = self._transports.get(family)
        if tr is not None and not tr.is_closing():
            return tr
        lock = self._opening.setdefault(family, asyncio.Lock())
        async with lock:
            tr = self._transports.get(family)
            if tr is None or tr.is_closing():
                loop = asyncio.get_running_loop()
                local = ("::", 0) if family == socket.AF_INET6 else ("0.0.0.0", 0)
                tr, _ = await loop.create_datagram_endpoint(lambda: _Protocol(self), local_addr=local,
                                                           family=family)
                set_receive_buffer(tr.get_extra_info("socket"), self._recv_buffer, "snmp_client")
                self._transports[family] = tr
        return tr

    def received(self, data: bytes, addr: tuple) -> None:
        try:
            msg = messages.decode_message(data)
        except BerError:
            self.malformed += 1
            return
        slot = self._pending.get(message_id(msg))
        if slot is None or slot.waiter.done() or tuple(addr[:2]) != slot.addr:
            self.unmatched += 1
            return
        slot.waiter.set_result((msg, data))

    async def exchange(self, host: str, port: int, build: Callable[[int], bytes], timeout: float,
                       retries: int) -> tuple[Message, bytes]:
        """Send `build(id)` (rebuilt with a new id on each retry) and return the answer to any try.

        Raises SnmpTimeout after `retries + 1` tries of `timeout` seconds each."""
        family, addr = await self.resolve(host, port)
        tr = await self._transport(family)
        loop = asyncio.get_running_loop()
        ids: list[int] = []
        slot = _Slot(loop.create_future(), addr)
        try:
            for attempt in range(retries + 1):
                rid = self.new_id()
                self._pending[rid] = slot
                ids.append(rid)
                if attempt:
                    self.retried += 1
                    slot.waiter = loop.create_future()
                waiter = slot.waiter
                tr.sendto(build(rid), addr)
                self.sent += 1
                timer = loop.call_later(timeout, _expire, waiter)
                try:
                    got = await waiter
                finally:
                    timer.cancel()
                if got is not None:
                    return got
        finally:
            for rid in ids:
                self._pending.pop(rid, None)
        raise SnmpTimeout(f"{host}:{port}: no answer after {retries + 1} tries of {timeout:g} s")

    def close(self) -> None:
        for tr in self._transports.values():
            tr.close()
        self._transports.clear()
        for slot in self._pending.values():
            if not slot.waiter.done():
                slot.waiter.set_result(None)
        self._pending.clear()


def _expire(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)
