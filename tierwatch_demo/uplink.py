"""The hall's uplink relays: each demo agent reaches the collector through one, so the
agent-silent scenario can cut an agent off (connections refused and dropped) like a dead link."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


class Uplink:
    """A loopback TCP relay from `port` to the collector, cut while `cut()` is true."""

    def __init__(self, name: str, port: int, upstream: tuple[str, int], cut: Callable[[], bool]) -> None:
        self.name = name
        self.port = port
        self.upstream = upstream
        self.cut = cut
        self.server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut():
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))
        pipes = [asyncio.create_task(self._pipe(reader, up_writer)), asyncio.create_task(self._pipe(up_reader, writer))]
        self._pipes.update(pipes)
        try:
            await asyncio.gather(*pipes, return_exceptions=True)
        finally:
            self._pipes.difference_update(pipes)
            for w in (writer, up_writer):
                self._writers.discard(w)
                w.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while not self.cut():
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(OSError):
            writer.close()

    def drop(self) -> None:
        """Close every open connection (called when the link is cut)."""
        for w in list(self._writers):
            w.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            self.drop()
            for task in list(self._pipes):
                task.cancel()
            await asyncio.gather(*self._pipes, return_exceptions=True)
            await self.server.wait_closed()
