"""The agent's HTTP/1.1 client for the collector: POST a body, read the answer, keep the
connection for the next batch. Built on asyncio streams (plain TCP or TLS, a client
certificate for mTLS), because all the agent ever sends is one POST at a time per collector URL
and a general HTTP client costs it about 10 MiB of resident memory for features it never uses.

What it speaks: `Content-Length` requests; answers framed by `Content-Length`, by
`Transfer-Encoding: chunked` or by the end of the connection; keep-alive unless the server says
`Connection: close`; 1xx interim answers skipped. A connection reused from the pool that dies
before any byte of an answer is retried once on a fresh one (a keep-alive connection the server
closed meanwhile; the collector deduplicates batches by seq, so a repeat is harmless).
Every failure is an `HttpError` (an OSError), or TimeoutError when `timeout` runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_HEAD = 65_536  # bytes of status line and headers an answer may have
MAX_BODY = 16 * 1024 * 1024  # bytes of answer body read at most (the collector's are small)
IDLE_PER_ORIGIN = 8  # idle connections kept per scheme, host and port


class HttpError(OSError):
    """The connection failed or the server's answer is not HTTP/1.x the client can read."""


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased; a repeated one: the last
    body: bytes = b""


Origin = tuple[str, str, int]  # scheme, host, port
Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def origin_of(url: str) -> tuple[Origin, str, str]:
    """(origin, Host header, request path) of an http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HttpError(f"not an http(s) URL: {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return (parts.scheme, parts.hostname, port), parts.netloc, path


class StreamClient:
    """POSTs over pooled keep-alive connections; `close` ends them all."""

    def __init__(self, *, headers: dict[str, str], timeout: float, connect_timeout: float,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self._headers = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._ssl = ssl_context
        self._idle: dict[Origin, list[Connection]] = {}

    async def __aenter__(self) -> StreamClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def post(self, url: str, body: bytes) -> Answer:
        """One POST of `body` to `url` within `timeout` seconds in all."""
        origin, host, path = origin_of(url)
        head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\n{self._headers}"
                f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
        async with asyncio.timeout(self._timeout):
            idle = self._idle.get(origin)
            while idle:  # a pooled connection first; one the server closed meanwhile is retried fresh
                conn = idle.pop()
                if conn[0].at_eof() or conn[1].is_closing():
                    _drop(conn)
                    continue
                try:
                    return await self._exchange(origin, conn, head, body)
                except _Stale:
                    continue
            try:
                return await self._exchange(origin, await self._connect(origin), head, body)
            except _Stale as exc:
                raise HttpError(f"{host}: the server closed the connection without answering") from exc.__cause__

    async def _connect(self, origin: Origin) -> Connection:
        scheme, host, port = origin
        tls = self._ssl if scheme == "https" else None
        if scheme == "https" and tls is None:
            tls = ssl.create_default_context()
        try:
            async with asyncio.timeout(self._connect_timeout):
                return await asyncio.open_connection(host, port, ssl=tls, limit=MAX_HEAD,
                                                     server_hostname=host if tls else None)
        except ssl.SSLError as exc:
            raise HttpError(f"{host}:{port}: TLS: {exc}") from exc

    async def _exchange(self, origin: Origin, conn: Connection, head: bytes, body: bytes) -> Answer:
        reader, writer = conn
        answered = False
        try:
            writer.writelines((head, body))
            await writer.drain()
            while True:
                line = await reader.readuntil(b"\r\n\r\n")
                answered = True
                status, headers = _parse_head(line)
                if status >= 200:
                    break  # 1xx: an interim answer, the real one follows
            payload, reusable = await _read_body(reader, headers)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            _drop(conn)
            if not answered:
                raise _Stale from exc
            raise HttpError(f"{origin[1]}:{origin[2]}: connection lost mid-answer: {exc}") from exc
        except asyncio.LimitOverrunError as exc:
            _drop(conn)
            raise HttpError(f"{origin[1]}:{origin[2]}: answer head over {MAX_HEAD} bytes") from exc
        except BaseException:
            _drop(conn)
            raise
        if reusable and headers.get("connection", "").lower() != "close":
            pool = self._idle.setdefault(origin, [])
            if len(pool) < IDLE_PER_ORIGIN:
                pool.append(conn)
                return Answer(status, headers, payload)
        _drop(conn)
        return Answer(status, headers, payload)

    async def close(self) -> None:
        conns = [c for pool in self._idle.values() for c in pool]
        self._idle.clear()
        for _, writer in conns:
            writer.close()
        for _, writer in conns:
            with contextlib.suppress(OSError, ssl.SSLError, asyncio.TimeoutError):
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()


class _Stale(Exception):
    """The connection died before any byte of an answer."""


def _drop(conn: Connection) -> None:
    conn[1].close()


def _parse_head(raw: bytes) -> tuple[int, dict[str, str]]:
    lines = raw.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit() or len(parts[1]) != 3:
        raise HttpError(f"not an HTTP/1.x status line: {lines[0][:100]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise HttpError(f"malformed header line: {line[:100]!r}")
        headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> tuple[bytes, bool]:
    """The answer's body and whether the connection can carry another request."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks: list[bytes] = []
        size = 0
        while True:
            line = await reader.readuntil(b"\r\n")
            try:
                n = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise HttpError(f"malformed chunk size: {line[:40]!r}") from None
            if n == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":
                    pass  # trailers
                return b"".join(chunks), True
            size += n
            if size > MAX_BODY:
                raise HttpError(f"answer body over {MAX_BODY} bytes")
            chunks.append(await reader.readexactly(n))
            await reader.readexactly(2)
    length = headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise HttpError(f"malformed Content-Length: {length[:40]!r}")
        if int(length) > MAX_BODY:
            raise HttpError(f"answer body over {MAX_BODY} bytes")
        return await reader.readexactly(int(length)), True
    body = await reader.read(MAX_BODY + 1)  # framed by the end of the connection
    while not reader.at_eof() and len(body) <= MAX_BODY:
        more = await reader.read(MAX_BODY + 1 - len(body))
        if not more:
            break
        body += more
    if len(body) > MAX_BODY:
        raise HttpError(f"answer body over {MAX_BODY} bytes")
    return body, False
