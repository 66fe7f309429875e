"""Headless Debian Chromium driven over the DevTools protocol (aiohttp websocket; no extra package).

Started with the flags this machine needs (no background networking, a fresh profile), on a
debugging port Chromium picks itself (read from ``DevToolsActivePort``: no port race). Pages are
opened on loopback only; `evaluate` runs JavaScript in the page, `screenshot` writes a PNG.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars"]


class Page:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._events: list[dict[str, Any]] = []

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        msg_id = next(self._ids)
        await self._ws.send_str(json.dumps({"id": msg_id, "method": method, "params": params}))
        async for msg in self._ws:
            data = json.loads(msg.data)
            if data.get("id") == msg_id:
                if "error" in data:
                    raise RuntimeError(f"{method}: {data['error']}")
                return data.get("result", {})
            self._events.append(data)
        raise RuntimeError("the browser closed the connection")

    async def wait_event(self, name: str, timeout: float = 20.0) -> dict[str, Any]:
        async def wait() -> dict[str, Any]:
            for i, e in enumerate(self._events):
                if e.get("method") == name:
                    return self._events.pop(i)
            async for msg in self._ws:
                data = json.loads(msg.data)
                if data.get("method") == name:
                    return data
                self._events.append(data)
            raise RuntimeError("the browser closed the connection")
        return await asyncio.wait_for(wait(), timeout)

    async def goto(self, url: str, headers: dict[str, str] | None = None, width: int = 1280, height: int = 900) -> None:
        await self.call("Page.enable")
        await self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                        deviceScaleFactor=1, mobile=width < 600)
        if headers:
            await self.call("Network.enable")
            await self.call("Network.setExtraHTTPHeaders", headers=headers)
        self._events.clear()
        await self.call("Page.navigate", url=url)
        await self.wait_event("Page.loadEventFired")

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def screenshot(self, path: Path, full_page: bool = True) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            size = await self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}
        data = await self.call("Page.captureScreenshot", **params)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data["data"]))
        return path


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """Yield ``open_page()``: an async context manager giving a fresh `Page`."""
    if CHROMIUM is None:
        raise RuntimeError("chromium is not installed (scripts/setup.sh --with-debs installs it)")
    profile = Path(tempfile.mkdtemp(prefix="tierwatch-chromium-"))
    proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1",
                             "--remote-debugging-port=0", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    session = aiohttp.ClientSession()
    try:
        port_file = profile / "DevToolsActivePort"
        for _ in range(600):                       # readiness: the file Chromium writes once it listens
            if port_file.is_file() and port_file.read_text().strip():
                break
            if proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {proc.returncode}")
            await asyncio.sleep(0.05)
        else:
            raise RuntimeError("chromium did not open its debugging port")
        port = int(port_file.read_text().split()[0])
        base = f"http://127.0.0.1:{port}"

        @asynccontextmanager
        async def open_page() -> AsyncIterator[Page]:
            async with session.put(f"{base}/json/new?about:blank") as r:
                target = await r.json()
            async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=64 * 1024 * 1024) as ws:
                yield Page(ws)
            async with session.get(f"{base}/json/close/{target['id']}") as r:
                await r.read()

        yield open_page
    finally:
        await session.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
