"""The audit log: every maintenance window declared, ended, deleted or forced — who, when, what, why.

Kept in its own SQLite file (``state_dir/audit.sqlite``, WAL, one row per act, never updated or
deleted), written by a middleware around the maintenance API after the act succeeded, so the log
holds exactly what was done. On a full disk an act waits in memory until it can be written. Read by ``GET /api/v1/audit``, the status page and the reports.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import structlog
from aiohttp import web

from collector.access import principal_of
from collector.statehealth import StateHealth
from tierwatch_common.sqlitedurability import rollback

log = structlog.get_logger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, at REAL NOT NULL, who TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL,
    window_id TEXT, services TEXT NOT NULL, reason TEXT NOT NULL, forced INTEGER NOT NULL, detail TEXT);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit (at);
"""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: float
    who: str
    role: str
    action: str             # declared | ended | deleted
    window_id: str | None
    services: tuple[str, ...]
    reason: str
    forced: bool
    detail: str = ""        # e.g. the groups a forced window degrades

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["services"] = list(self.services)
        return out


class AuditLog:
    """The log's database. An act that cannot be written (a full disk) waits in memory, is listed
    with the others meanwhile, and is written with the next act or by the app's retry timer."""

    def __init__(self, path: str | Path, health: StateHealth | None = None) -> None:
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._lock = asyncio.Lock()
        self._health = health if health is not None else StateHealth()
        self._unwritten: list[AuditEntry] = []

    @property
    def unwritten(self) -> int:
        return len(self._unwritten)

    def append(self, *entries: AuditEntry) -> None:
        """Write `entries` in one transaction (blocking)."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT INTO audit (at, who, role, action, window_id, services, reason, forced, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(e.at, e.who, e.role, e.action, e.window_id, json.dumps(list(e.services)), e.reason, int(e.forced),
                  e.detail) for e in entries])
            db.execute("COMMIT")
        except BaseException:
            rollback(db)
            raise

    def entries(self, start: float | None = None, end: float | None = None, limit: int | None = None) -> list[AuditEntry]:
        lo, hi = (start if start is not None else -1e308, end if end is not None else 1e308)
        sql = "SELECT at, who, role, action, window_id, services, reason, forced, detail FROM audit WHERE at >= ? AND at < ?"
        sql += " ORDER BY at DESC, id DESC" + (f" LIMIT {int(limit)}" if limit else "")
        rows = self._db.execute(sql, (lo, hi))
        stored = [AuditEntry(at, who, role, action, wid, tuple(json.loads(services)), reason, bool(forced), detail or "")
                  for at, who, role, action, wid, services, reason, forced, detail in rows]
        waiting = [e for e in reversed(list(self._unwritten)) if lo <= e.at < hi]
        if not waiting:
            return stored
        both = sorted(waiting + stored, key=lambda e: e.at, reverse=True)  # stable: newest act first
        return both[:limit] if limit else both

    async def record(self, entry: AuditEntry) -> None:
        async with self._lock:
            self._unwritten.append(entry)
            await self._write_waiting()
        log.info("maintenance_audited", who=entry.who, action=entry.action, window=entry.window_id,
                 services=list(entry.services), forced=entry.forced)

    async def flush(self) -> None:
        """Write what waits, if anything (the app's retry timer calls it)."""
        if self._unwritten:
            async with self._lock:
                await self._write_waiting()
        elif self._health.is_degraded("audit"):
            self._health.written("audit", 0, self.path)

    async def _write_waiting(self) -> None:
        waiting = list(self._unwritten)

        def then(written: bool) -> None:
            if written:
                del self._unwritten[:len(waiting)]

        if waiting:
            await self._health.attempt_in_thread("audit", partial(self.append, *waiting), len(waiting), self.path,
                                                 then)

    def close(self) -> None:
        if self._unwritten and self._health.attempt("audit", partial(self.append, *self._unwritten),
                                                    len(self._unwritten), self.path):
            self._unwritten.clear()
        self._health.closing("audit", self.path)
        self._db.close()


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def audit_middleware(audit: AuditLog, clock: Callable[[], float] = time.time
                     ) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """Record each successful write to ``/api/v1/maintenance`` (declare, end, delete)."""

    @web.middleware
    async def audited(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method not in ("POST", "DELETE") or not request.path.startswith("/api/v1/maintenance"):
            return await handler(request)
        asked: dict[str, Any] = {}
        if request.method == "POST" and request.can_read_body:
            try:
                body = json.loads(await request.read() or b"{}")   # aiohttp keeps the body for the handler
                asked = body if isinstance(body, dict) else {}
            except ValueError:
                asked = {}
        response = await handler(request)
        if response.status >= 300:
            return response
        window: dict[str, Any] = {}
        if isinstance(response, web.Response) and response.body:
            try:
                window = json.loads(response.body)            # type: ignore[arg-type]
            except (TypeError, ValueError):
                window = {}
        principal = principal_of(request)
        who = principal.name if principal else "anonymous"
        role = principal.role if principal else "-"
        if request.method == "DELETE":
            action, wid = "deleted", request.match_info.get("id")
        elif request.path.endswith("/end"):
            action, wid = "ended", request.match_info.get("id")
        else:
            action, wid = "declared", window.get("id")
        services = tuple(window.get("services") or asked.get("services") or ())
        forced = bool(window.get("forced", asked.get("force", False)))
        conflicts = window.get("conflicts") or []
        detail = ("forced over: " + ", ".join(conflicts)) if forced and conflicts else ""
        await audit.record(AuditEntry(clock(), who, role, action, wid, services,
                                      str(window.get("reason") or asked.get("reason") or ""), forced, detail))
        return response

    return audited
