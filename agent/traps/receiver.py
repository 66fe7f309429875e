"""The asyncio UDP receiver of traps and informs.

`datagram_received` only stamps the datagram with its receive time and appends it to a bounded
queue; beyond `queue` datagrams waiting, a datagram is dropped and counted (`queue_full`), so a
storm costs bounded memory. One worker task, owned by the receiver, decodes, authenticates,
acknowledges informs, matches the sender to its target and hands the notification to
`on_notification`. It yields to the event loop every few datagrams so polls keep their slots.

Every refused datagram is counted by reason in `dropped`: unknown_sender, wrong_community,
unknown_user, wrong_digest, decryption_error, not_in_time_window, unsupported_security_level,
unknown_engine_id, malformed, not_a_notification, queue_full. v3 discovery probes are answered
with a Report and counted in `reports`, not as drops.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter, deque
from collections.abc import Callable

import structlog

from agent.snmp import ber, messages
from agent.snmp.errors import BerError
from agent.snmp.transport import set_receive_buffer
from agent.traps.notification import Notification, encode_raw_varbinds, from_pdu, response_pdu
from agent.traps.security import Refused, UsmReceiver
from agent.traps.senders import NoMatch, SenderDirectory

log = structlog.get_logger("agent.traps")

YIELD_EVERY = 64  # datagrams handled between two yields to the event loop
RECV_BUFFER = 4 << 20  # socket receive buffer asked for: a burst waits in the kernel, not lost


def parse_listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, owner: TrapReceiver) -> None:
        self.owner = owner

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        self.owner.arrived(data, addr)

    def error_received(self, exc: Exception) -> None:  # ICMP from a sender gone away: nothing to do
        pass


class TrapReceiver:
    def __init__(self, listen: str, directory: SenderDirectory | None, usm: UsmReceiver | None,
                 on_notification: Callable[[Notification], None], *, queue: int = 10_000,
                 clock: Callable[[], float] = time.time) -> None:
        """`directory` None accepts every v1/v2c sender and community (the `traps` command)."""
        self.listen = listen
        self.directory = directory
        self.usm = usm
        self.on_notification = on_notification
        self.capacity = queue
        self.clock = clock
        self._queue: deque[tuple[bytes, tuple, float]] = deque()
        self._wake = asyncio.Event()
        self._transport: asyncio.DatagramTransport | None = None
        self._task: asyncio.Task[None] | None = None
        self.dropped: Counter[str] = Counter()
        self.received = 0
        self.acknowledged = 0
        self.reports = 0
        self.address: tuple[str, int] | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        host, port = parse_listen(self.listen)
        if self.directory is not None:
            await self.directory.resolve()
        transport, _ = await loop.create_datagram_endpoint(lambda: _Protocol(self), local_addr=(host, port))
        self._transport = transport  # type: ignore[assignment]
        set_receive_buffer(transport.get_extra_info("socket"), RECV_BUFFER, "traps")
        self.address = transport.get_extra_info("sockname")[:2]
        self._task = asyncio.create_task(self._work(), name="traps")
        log.info("trap_receiver_started", listen=f"{self.address[0]}:{self.address[1]}")

    async def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._queue.clear()

    def arrived(self, data: bytes, addr: tuple) -> None:
        if len(self._queue) >= self.capacity:
            self.dropped["queue_full"] += 1
            return
        self._queue.append((data, addr, self.clock()))
        self._wake.set()

    @property
    def waiting(self) -> int:
        return len(self._queue)

    async def _work(self) -> None:
        queue = self._queue
        while True:
            if not queue:
                self._wake.clear()
                await self._wake.wait()
            n = 0
            while queue and n < YIELD_EVERY:
                data, addr, at = queue.popleft()
                n += 1
                try:
                    self.handle(data, addr, at)
                except Exception:  # a bug on one datagram must not stop the receiver
                    log.exception("trap_handling_failed", source=addr[0])
                    self.dropped["malformed"] += 1
            await asyncio.sleep(0)

    def _send(self, data: bytes, addr: tuple) -> None:
        if self._transport is not None:
            self._transport.sendto(data, addr)

    def handle(self, data: bytes, addr: tuple, at: float) -> Notification | None:
        """Decode one datagram; return (and pass on) its notification, or count why it is dropped."""
        source, port = str(addr[0]), int(addr[1])
        try:
            msg = messages.decode_message(data)
        except BerError:
            self.dropped["malformed"] += 1
            return None
        try:
            if isinstance(msg, messages.CommunityMessage):
                note = self._community(msg, addr, at)
            else:
                note = self._v3(msg, data, addr, at)
        except (NoMatch, Refused) as exc:
            reason = exc.reason
            if isinstance(exc, Refused) and exc.report is not None:
                self._send(exc.report, addr)
                self.reports += 1
            if reason != "discovery":
                self.dropped[reason] += 1
                log.debug("trap_dropped", source=source, port=port, reason=reason)
            return None
        except BerError:
            self.dropped["not_a_notification"] += 1
            return None
        self.received += 1
        self.on_notification(note)
        return note

    def _community(self, msg: messages.CommunityMessage, addr: tuple, at: float) -> Notification:
        version = "1" if msg.version == 0 else "2c"
        target = None
        if self.directory is not None:
            target = self.directory.by_community(str(addr[0]), msg.community).target
        note = from_pdu(msg.pdu, version=version, received_at=at, source=str(addr[0]), port=int(addr[1]))
        note.target = target
        if msg.pdu.tag == ber.INFORM:
            reply = response_pdu(msg.pdu, encode_raw_varbinds(msg.pdu.varbinds))
            self._send(messages.encode_community_message(msg.version, msg.community, reply), addr)
            self.acknowledged += 1
        return note

    def _v3(self, msg: messages.V3Message, raw: bytes, addr: tuple, at: float) -> Notification:
        if self.usm is None:
            raise Refused("unknown_user")
        opened = self.usm.open(msg, raw)
        pdu = opened.pdu
        note = from_pdu(pdu, version="3", received_at=at, source=str(addr[0]), port=int(addr[1]))
        if pdu.tag == ber.INFORM and opened.engine_id != self.usm.engine_id:
            raise Refused("unknown_engine_id")  # an inform must be addressed to our engine
        if pdu.tag == ber.TRAP_V2 and opened.engine_id == self.usm.engine_id:
            raise Refused("unknown_engine_id")  # a trap speaks for its sender's engine, not ours
        if self.directory is not None:
            note.target = self.directory.by_engine(str(addr[0]), msg.engine_id if pdu.tag == ber.TRAP_V2 else b"",
                                                   opened.credential).target
        note.user, note.engine_id = opened.user, msg.engine_id
        if pdu.tag == ber.INFORM:
            reply = response_pdu(pdu, encode_raw_varbinds(pdu.varbinds))
            self._send(self.usm.seal_response(opened, msg, reply), addr)
            self.acknowledged += 1
        return note
