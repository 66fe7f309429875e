"""A small SNMP responder (asyncio UDP): GET, GETNEXT and GETBULK over the hall's devices.

SNMP v2c: the community names the device (`pdu-a01-a`). SNMPv3: the devices of the roles
`snmp.v3.roles` of the hall file answer v3 only, authPriv, the USM user naming the device; the
responder is the authoritative engine (discovery Report, time window, digest and decryption
checked by the agent's own USM receiver, `agent.traps.security`, which does the same job for
informs). An unknown or silent device, a wrong key or a v2c request to a v3-only device gets no
answer, which a poller sees as a timeout, as with a real management card. Varbinds are encoded
once per device snapshot (`tierwatch_demo.ber`); a snapshot is reused for a second of wall
time, so a walk sees one consistent device.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Callable

from agent.snmp import messages
from agent.snmp import ber as agent_ber
from agent.snmp.errors import BerError as AgentBerError
from agent.snmp.types import V3Auth
from agent.traps.security import Refused, UsmReceiver, default_engine_id
from tierwatch_demo import ber
from tierwatch_demo.mibs import Device
from tierwatch_demo.mibs.base import Objects, Oid
from tierwatch_demo.model import HallModel

MAX_VARBINDS = 200                 # per answer, whatever max-repetitions asks
REBUILD_AFTER = 1.0                # wall seconds a device's objects are reused within a walk
NO_ACCESS = 6
REPORTABLE = 0x04
# usmStats counters (RFC 3414) a refused v3 request is answered with
REPORTED = {"unsupported_security_level": 1, "unknown_user": 3, "wrong_digest": 5, "decryption_error": 6}


class DeviceView:
    """One device's objects at one moment, sorted for GETNEXT."""

    def __init__(self, objects: Objects, built_at: float) -> None:
        self.objects = objects
        self.keys: list[Oid] = sorted(objects)
        self.built_at = built_at
        self._encoded: dict[Oid, bytes] = {}

    def encoded(self, oid: Oid) -> bytes:
        """The whole varbind of an object this device has, encoded once per snapshot."""
        vb = self._encoded.get(oid)
        if vb is None:
            vb = self._encoded[oid] = ber.varbind(oid, ber.value(*self.objects[oid]))
        return vb

    def get(self, oid: Oid) -> bytes:
        if oid in self.objects:
            return self.encoded(oid)
        parent = oid[:-1]
        i = bisect.bisect_left(self.keys, parent)
        known = i < len(self.keys) and self.keys[i][:len(parent)] == parent
        return ber.varbind(oid, ber.NO_SUCH_INSTANCE if known else ber.NO_SUCH_OBJECT)

    def next(self, oid: Oid) -> tuple[Oid, bytes]:
        """(the next OID, its encoded varbind); past the last object: (oid, endOfMibView)."""
        i = bisect.bisect_right(self.keys, oid)
        if i >= len(self.keys):
            return oid, ber.varbind(oid, ber.END_OF_MIB)
        key = self.keys[i]
        return key, self.encoded(key)


class HallResponder(asyncio.DatagramProtocol):
    """Answers for every device of the hall on one UDP socket."""

    def __init__(self, model: HallModel, devices: dict[str, Device],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.model = model
        self.devices = devices
        self.clock = clock
        self.views: dict[str, DeviceView] = {}
        self.transport: asyncio.DatagramTransport | None = None
        self.requests = 0
        self.dropped = 0
        v3 = model.spec.snmp.v3
        self.v3_only = {name for name, d in devices.items() if d.role in v3.roles}
        self.usm = UsmReceiver(
            [(name, V3Auth(name, v3.auth_proto, v3.auth_key, v3.priv_proto, v3.priv_key)) for name in sorted(self.v3_only)],
            default_engine_id(f"demo-{model.spec.hall.name}"))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def view(self, name: str) -> DeviceView:
        now = self.clock()
        view = self.views.get(name)
        if view is None or now - view.built_at > REBUILD_AFTER:
            self.model.sync()
            view = self.views[name] = DeviceView(self.devices[name].build(self.model), now)
        return view

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.requests += 1
        try:
            answer = self.answer_v3(data) if ber.message_version(data) == 3 else self.answer(data)
        except (ValueError, KeyError, TypeError, AgentBerError):
            answer = None
        if answer is None:
            self.dropped += 1
        elif self.transport is not None:
            self.transport.sendto(answer, addr)

    def answer(self, data: bytes) -> bytes | None:
        req = ber.decode_request(data)
        if req.version != ber.VERSION_2C:
            return None
        name = req.community.decode("utf-8", "replace")
        if name in self.v3_only or name not in self.devices or not self.model.answers(name):
            return None
        out, status, index = self.respond(name, req.kind, req.oids, req.non_repeaters, req.max_repetitions)
        return ber.encode_response(req, out, status, index)

    def answer_v3(self, data: bytes) -> bytes | None:
        """The sealed Response to a v3 request, a Report (discovery, time window), or None."""
        msg = messages.decode_message(data)
        if not isinstance(msg, messages.V3Message):
            return None
        try:
            opened = self.usm.open(msg, data)
        except Refused as refused:
            # like a real agent: a reportable request that fails USM gets the Report naming why
            counter = REPORTED.get(refused.reason)
            if refused.report is None and counter is not None and msg.flags & REPORTABLE:
                return self.usm.report(msg, counter)
            return refused.report
        name = opened.user
        if name not in self.devices or not self.model.answers(name):
            return None
        pdu = opened.pdu
        oids = [ber.decode_oid(body) for body, _, _ in pdu.varbinds]
        out, status, index = self.respond(name, pdu.tag, oids, pdu.error_status, pdu.error_index)
        body = messages.encode_pdu(agent_ber.RESPONSE, pdu.request_id, status, index,
                                   ber.tlv(ber.SEQUENCE, b"".join(out)))
        return self.usm.seal_response(opened, msg, body)

    def respond(self, name: str, kind: int, oids: list[Oid], a: int, b: int) -> tuple[list[bytes], int, int]:
        """(encoded varbinds, error status, error index) of device ``name`` for one request;
        ``a``/``b`` are non-repeaters/max-repetitions for GETBULK."""
        view = self.view(name)
        if kind == ber.GET:
            return [view.get(o) for o in oids], 0, 0
        if kind == ber.GET_NEXT:
            return [view.next(o)[1] for o in oids], 0, 0
        if kind == ber.GET_BULK:
            return self._bulk(view, oids, a, b), 0, 0
        return [ber.varbind(o, b"\x05\x00") for o in oids], NO_ACCESS, 1     # this demo is read-only

    @staticmethod
    def _bulk(view: DeviceView, asked: list[Oid], non_repeaters: int, repetitions: int) -> list[bytes]:
        non_repeaters = max(0, min(non_repeaters, len(asked)))
        out = [view.next(o)[1] for o in asked[:non_repeaters]]
        cursors = asked[non_repeaters:]
        if not cursors:
            return out
        rounds = max(0, min(repetitions, (MAX_VARBINDS - len(out)) // len(cursors)))
        last = view.keys[-1] if view.keys else ()
        for _ in range(rounds):
            row = [view.next(o) for o in cursors]
            out.extend(vb for _, vb in row)
            cursors = [o for o, _ in row]
            if all(o >= last for o in cursors):
                break
        return out


async def serve(model: HallModel, devices: dict[str, Device], address: str, port: int
                ) -> tuple[asyncio.DatagramTransport, HallResponder]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: HallResponder(model, devices), local_addr=(address, port))
    return transport, protocol  # type: ignore[return-value]
