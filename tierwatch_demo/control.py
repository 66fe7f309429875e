"""The hall's control channel: loopback HTTP with a bearer token kept in `<workdir>/control.json`.

Server side (`control_app`) serves the scenario book; client side (`ControlClient`) is what
`tierwatch-demo scenario|scenarios|status|restore` use.
"""

from __future__ import annotations

import json
import os
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from tierwatch_demo.scenarios import SCENARIOS, ScenarioBook, ScenarioError

CONTROL_FILE = "control.json"
BOOK = web.AppKey("scenario_book", ScenarioBook)


def status(book: ScenarioBook) -> dict[str, Any]:
    m = book.model
    m.sync()
    zones: dict[str, list[float]] = {}
    for r in m.spec.racks:
        zones.setdefault(r.zone, []).append(m.inlet[r.name])
    return {
        "hall": m.spec.hall.name, "hall_seconds": round(m.t, 1), "time_scale": m.scale,
        "active": [{"scenario": a.name, "target": a.target, "since_hall_seconds": round(a.since, 1),
                    "description": a.description} for a in book.active],
        "feeds": {f: ("lost" if f in m.faults.utility_lost else "ok") for f in "AB"},
        "generator": "running" if m.generator_running else ("starting" if m.mains_lost_at is not None else "standby"),
        "ups": {u.name: {"source": u.source, "charge": round(u.charge, 3),
                         "runtime_seconds": round(u.runtime_seconds(s.runtime_at_full_load)),
                         "output_watts": round(u.output_watts)}
                for u, s in zip(m.ups.values(), m.spec.ups, strict=True)},
        "cooling": {u.name: ("running" if u.running else "failed") for u in m.units.values()},
        "inlet_max_celsius": {z: round(max(v), 1) for z, v in sorted(zones.items())},
        "it_watts": round(sum(m.rack_watts.values())),
        "silent_devices": sorted(m.faults.silent | {p.name for p in m.pdus.values() if not p.powered}),
        "silent_agents": sorted(m.faults.silent_agents),
    }


def control_app(book: ScenarioBook, token: str, on_change: Callable[[], None] | None = None) -> web.Application:
    app = web.Application()
    app[BOOK] = book

    def authorised(request: web.Request) -> bool:
        return secrets.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}")

    async def scenarios(request: web.Request) -> web.Response:
        return web.json_response({"scenarios": [{"name": s.name, "description": s.description, "acts_on": s.role}
                                                for s in SCENARIOS.values()]})

    async def get_status(request: web.Request) -> web.Response:
        if not authorised(request):
            return web.json_response({"error": "missing or wrong token"}, status=401)
        return web.json_response(status(book))

    async def start(request: web.Request) -> web.Response:
        if not authorised(request):
            return web.json_response({"error": "missing or wrong token"}, status=401)
        body = await request.json() if request.can_read_body else {}
        try:
            active = book.start(request.match_info["name"], (body or {}).get("target"))
        except ScenarioError as exc:
            return web.json_response({"error": str(exc)}, status=404)
        if on_change:
            on_change()
        return web.json_response({"started": active.name, "target": active.target})

    async def restore(request: web.Request) -> web.Response:
        if not authorised(request):
            return web.json_response({"error": "missing or wrong token"}, status=401)
        ended = book.restore()
        if on_change:
            on_change()
        return web.json_response({"ended": [{"scenario": a.name, "target": a.target} for a in ended]})

    app.router.add_get("/api/scenarios", scenarios)
    app.router.add_get("/api/status", get_status)
    app.router.add_post("/api/scenarios/{name}", start)
    app.router.add_post("/api/restore", restore)
    return app


def write_control_file(workdir: Path, url: str, token: str) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / CONTROL_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"url": url, "token": token}, f)
    return path


class ControlError(Exception):
    pass


class ControlClient:
    """Talks to a running hall through the URL and token its control file names."""

    def __init__(self, workdir: Path) -> None:
        path = workdir / CONTROL_FILE
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            raise ControlError(f"no running demo hall found ({path} is missing); start one with `make demo`") from None
        self.url, self.token = data["url"], data["token"]

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body or {}).encode() if method == "POST" else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            raise ControlError(json.loads(exc.read() or b"{}").get("error", f"HTTP {exc.code}")) from None
        except OSError as exc:
            raise ControlError(f"the demo hall at {self.url} does not answer ({exc}); is `make demo` running?") from None
