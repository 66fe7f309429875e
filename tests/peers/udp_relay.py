"""A UDP relay on loopback that delays every datagram, to play a slow device (or a slow link).

It runs its own event loop in a thread, so the delay it adds is independent of the loop
under test.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any


class _Upstream(asyncio.DatagramProtocol):
    def __init__(self, relay: SlowUdpRelay, client: Any) -> None:
        self.relay, self.client = relay, client

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.relay.loop.call_later(self.relay.delay, self.relay.reply, data, self.client)


class _Listener(asyncio.DatagramProtocol):
    def __init__(self, relay: SlowUdpRelay) -> None:
        self.relay = relay

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.relay.loop.call_later(self.relay.delay, lambda: asyncio.ensure_future(self.relay.forward(data, addr)))


class SlowUdpRelay:
    """Listens on 127.0.0.1:<port>, forwards to `upstream` after `delay` s each way."""

    def __init__(self, upstream: tuple[str, int], delay: float) -> None:
        self.upstream, self.delay = upstream, delay
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._listener: asyncio.DatagramTransport | None = None
        self._upstreams: dict[Any, asyncio.DatagramTransport] = {}
        self._thread = threading.Thread(target=self.loop.run_forever, name="slow-udp-relay", daemon=True)
        self.forwarded = 0

    def start(self) -> SlowUdpRelay:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._open(), self.loop)
        fut.result(timeout=5)
        return self

    async def _open(self) -> None:
        transport, _ = await self.loop.create_datagram_endpoint(lambda: _Listener(self), local_addr=("127.0.0.1", 0))
        self._listener = transport
        self.port = transport.get_extra_info("sockname")[1]

    async def forward(self, data: bytes, client: Any) -> None:
        up = self._upstreams.get(client)
        if up is None:
            up, _ = await self.loop.create_datagram_endpoint(lambda: _Upstream(self, client),
                                                             remote_addr=self.upstream)
            self._upstreams[client] = up
        self.forwarded += 1
        up.sendto(data)

    def reply(self, data: bytes, client: Any) -> None:
        if self._listener is not None:
            self._listener.sendto(data, client)

    def stop(self) -> None:
        async def close() -> None:
            for t in [self._listener, *self._upstreams.values()]:
                if t is not None:
                    t.close()
            await asyncio.sleep(0.05)  # let the transports finish closing before the loop stops

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(timeout=5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        self.loop.close()
