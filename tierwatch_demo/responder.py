"""A small SNMP v2c responder (asyncio UDP): GET, GETNEXT and GETBULK over the hall's devices.

The community names the device (`pdu-a01-a`); an unknown or silent device gets no answer,
which a poller sees as a timeout, as with a real dead management card. Varbinds are encoded
once per device snapshot (`tierwatch_demo.ber`); a snapshot is reused for a second of wall
time, so a walk sees one consistent device.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Callable

from tierwatch_demo import ber
from tierwatch_demo.mibs import Device
from tierwatch_demo.mibs.base import Objects, Oid
from tierwatch_demo.model import HallModel

MAX_VARBINDS = 200                 # per answer, whatever max-repetitions asks
REBUILD_AFTER = 1.0                # wall seconds a device's objects are reused within a walk
NO_ACCESS = 6


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
            answer = self.answer(data)
        except (ValueError, KeyError, TypeError):
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
        if name not in self.devices or not self.model.answers(name):
            return None
        view = self.view(name)
        status = index = 0
        if req.kind == ber.GET:
            out = [view.get(o) for o in req.oids]
        elif req.kind == ber.GET_NEXT:
            out = [view.next(o)[1] for o in req.oids]
        elif req.kind == ber.GET_BULK:
            out = self._bulk(view, req.oids, req.non_repeaters, req.max_repetitions)
        else:
            status, index = NO_ACCESS, 1                   # this demo is read-only
            out = [ber.varbind(o, b"\x05\x00") for o in req.oids]
        return ber.encode_response(req, out, status, index)

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
