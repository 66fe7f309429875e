"""aiohttp's client behind the agent sender's HTTP seam: the reference `agent.httpclient` is
compared with (same requests on the wire, same answers read), and a drop-in `client=` for
`agent.sender.Sender` in tests."""

from __future__ import annotations

import ssl
from typing import Any

import aiohttp

from agent.httpclient import Answer


class AiohttpClient:
    def __init__(self, *, headers: dict[str, str], timeout: float, connect_timeout: float,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self._args: dict[str, Any] = {"headers": headers,
                                      "timeout": aiohttp.ClientTimeout(total=timeout, connect=connect_timeout)}
        self._ssl = ssl_context
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> AiohttpClient:
        connector = aiohttp.TCPConnector(ssl=self._ssl or True, limit=8)
        self._session = aiohttp.ClientSession(connector=connector, **self._args)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def post(self, url: str, body: bytes) -> Answer:
        assert self._session is not None, "use the client as `async with`"
        try:
            async with self._session.post(url, data=body) as resp:
                return Answer(resp.status, {k.lower(): v for k, v in resp.headers.items()}, await resp.read())
        except aiohttp.ClientError as exc:
            raise OSError(f"{type(exc).__name__}: {exc}") from exc
