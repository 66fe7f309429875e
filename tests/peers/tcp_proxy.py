"""A loopback TCP relay we can cut: stands for the network between an agent and a collector.

`cut()` stops listening and aborts every relayed connection (the agent sees resets and refused
connections, as when a link goes down); `restore()` listens again on the same port. While
`mute` is set, requests still reach the collector but its answers are lost on the way back
(the agent times out on batches the collector did apply, and must replay them).
"""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    def __init__(self, listen_port: int, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.listen_port = listen_port
        self.upstream_port = upstream_port
        self.host = host
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.mute = False

    @property
    def up(self) -> bool:
        return self._server is not None

    async def restore(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._handle, self.host, self.listen_port, reuse_address=True)

    async def cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for w in list(self._writers):
            w.transport.abort()
        self._writers.clear()
        if self._tasks:  # aborted transports end every relay task on its own
            await asyncio.wait(list(self._tasks), timeout=2)
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        up_writer: asyncio.StreamWriter | None = None
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.upstream_port)
            self._writers.add(up_writer)
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer, answers=True))
        except (OSError, asyncio.IncompleteReadError, RuntimeError):
            pass
        finally:
            for w in (writer, up_writer):
                if w is not None:
                    self._writers.discard(w)
                    w.transport.abort()
            self._tasks.discard(task)

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, answers: bool = False) -> None:
        try:
            while data := await src.read(65536):
                if answers and self.mute:
                    continue
                dst.write(data)
                await dst.drain()
        finally:
            if dst.can_write_eof():
                with contextlib.suppress(OSError):
                    dst.write_eof()
