"""The agent's HTTP client (asyncio streams) against aiohttp's, the reference: the same POSTs
to a real aiohttp server on loopback arrive alike and their answers read alike, framed by
Content-Length, chunked or by the connection's end; plus what only ours promises (a pooled
connection the server dropped is retried fresh, a connection is reused)."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from agent.httpclient import HttpError, StreamClient
from tests.peers.aiohttp_client import AiohttpClient
from tests.peers.collector_app import base_url

pytestmark = pytest.mark.integration

HEADERS = {"Content-Type": "application/json", "Content-Encoding": "gzip", "User-Agent": "tierwatch-agent",
           "Authorization": "Bearer t0k3n-for-tests"}
BODY = gzip.compress(b'{"version": 1, "readings": [' + b",".join(b'{"v": %d}' % i for i in range(3000)) + b"]}")
CLIENTS = {"streams": StreamClient, "aiohttp": AiohttpClient}
SEEN = ("content-type", "content-encoding", "user-agent", "authorization", "content-length")


def client(kind: str, timeout: float = 5.0) -> Any:
    return CLIENTS[kind](headers=HEADERS, timeout=timeout, connect_timeout=2.0)


async def chunked(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(status=200, headers={"X-Kind": "chunked"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    for part in (b'{"accepted": ', b"3000, ", b'"duplicate": false}'):
        await resp.write(part)
    await resp.write_eof()
    return resp


@pytest.fixture
async def server(aiohttp_server: Any) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    async def record(request: web.Request) -> None:
        seen.append({"method": request.method, "path": request.path_qs, "body": await request.read(),
                     "headers": {k: request.headers.get(k) for k in SEEN}})

    async def answer(request: web.Request) -> web.StreamResponse:
        await record(request)
        kind = request.match_info["kind"]
        if kind == "chunked":
            return await chunked(request)
        if kind == "busy":
            return web.json_response({"error": "busy"}, status=429, headers={"Retry-After": "7"})
        if kind == "reject":
            return web.json_response({"error": "bad batch", "errors": ["batch.seq: required"]}, status=400)
        if kind == "unavailable":
            return web.Response(status=503)
        return web.json_response({"accepted": 3000, "duplicate": True})

    app = web.Application()
    app.router.add_post("/api/v1/{kind}", answer)
    srv = await aiohttp_server(app, host="127.0.0.1")
    yield base_url(srv), seen


async def both(call: Callable[[Any], Awaitable[Any]]) -> dict[str, Any]:
    out = {}
    for kind in CLIENTS:
        async with client(kind) as c:
            out[kind] = await call(c)
    return out


@pytest.mark.parametrize("kind", ["ingest", "chunked", "busy", "reject", "unavailable"])
async def test_both_clients_send_the_same_post_and_read_the_same_answer(server, kind: str) -> None:
    url, seen = server
    answers = await both(lambda c: c.post(f"{url}/api/v1/{kind}?x=1", BODY))
    ours, theirs = answers["streams"], answers["aiohttp"]
    assert ours.status == theirs.status and ours.body == theirs.body
    assert ours.body or kind == "unavailable"
    for name in ("retry-after", "content-type", "x-kind"):
        assert ours.headers.get(name) == theirs.headers.get(name)
    assert len(seen) == 2 and seen[0] == seen[1]
    assert seen[0]["method"] == "POST" and seen[0]["path"] == f"/api/v1/{kind}?x=1"
    assert seen[0]["body"] == gzip.decompress(BODY)  # the server inflated what came, byte for byte
    assert seen[0]["headers"]["authorization"] == "Bearer t0k3n-for-tests"
    assert seen[0]["headers"]["content-length"] == str(len(BODY))


async def test_one_connection_carries_many_posts(server) -> None:
    url, seen = server
    async with StreamClient(headers=HEADERS, timeout=5.0, connect_timeout=2.0) as c:
        answers = [await c.post(f"{url}/api/v1/ingest", BODY) for _ in range(5)]
        pooled = [conn for pool in c._idle.values() for conn in pool]  # noqa: SLF001 - what is kept open
    assert [a.status for a in answers] == [200] * 5 and len(seen) == 5
    assert len(pooled) == 1


@contextlib.asynccontextmanager
async def raw_server(handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
                     ) -> AsyncIterator[str]:
    """A hand-written HTTP peer on loopback, for answers aiohttp's server never gives."""
    async def owned(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handle(reader, writer)
        finally:
            writer.close()

    srv = await asyncio.start_server(owned, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{srv.sockets[0].getsockname()[1]}"
    finally:
        srv.close()
        await srv.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    return await reader.readexactly(length)


async def test_both_clients_read_an_answer_framed_by_the_end_of_the_connection() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
                     b'{"accepted": 1}')
        await writer.drain()
        writer.close()

    async with raw_server(handle) as url:
        answers = await both(lambda c: c.post(url + "/api/v1/ingest", BODY))
    ours, theirs = answers["streams"], answers["aiohttp"]
    assert ours.status == theirs.status == 200 and ours.body == theirs.body == b'{"accepted": 1}'
    assert ours.headers["content-type"] == theirs.headers["content-type"] == "application/json"


async def test_both_clients_fail_with_an_oserror_on_an_answer_that_is_not_http() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
        await writer.drain()
        writer.close()

    async with raw_server(handle) as url:
        for kind in CLIENTS:
            async with client(kind) as c:
                with pytest.raises(OSError):
                    await c.post(url + "/api/v1/ingest", BODY)


async def test_both_clients_give_up_with_a_timeout_error_on_a_peer_that_never_answers() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await reader.read()  # holds the connection open without a word until the client leaves

    async with raw_server(handle) as url:
        for kind in CLIENTS:
            async with client(kind, timeout=0.3) as c:
                with pytest.raises(TimeoutError):
                    await c.post(url + "/api/v1/ingest", BODY)


async def test_a_pooled_connection_the_server_dropped_unannounced_is_retried_on_a_fresh_one() -> None:
    connections = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            await reader.readuntil(b"\r\n\r\n")  # the next request on this connection: dropped unanswered
        writer.transport.abort()

    async with raw_server(handle) as url, StreamClient(headers=HEADERS, timeout=5.0, connect_timeout=2.0) as c:
        first = await c.post(url + "/api/v1/ingest", BODY)
        second = await c.post(url + "/api/v1/ingest", BODY)
    assert (first.status, first.body) == (second.status, second.body) == (200, b"ok")
    assert len(connections) == 2


async def test_a_connection_refused_is_an_oserror_and_a_non_http_url_an_http_error() -> None:
    from tests.peers.processes import free_tcp_port

    async with StreamClient(headers=HEADERS, timeout=2.0, connect_timeout=1.0) as c:
        with pytest.raises(OSError):
            await c.post(f"http://127.0.0.1:{free_tcp_port()}/api/v1/ingest", BODY)
        with pytest.raises(HttpError, match="not an http"):
            await c.post("ftp://127.0.0.1/x", BODY)

