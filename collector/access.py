"""Who may look and who may act: basic auth (bcrypt), operator bearer tokens, viewer/operator roles.

Configured like Prometheus' own web config (``basic_auth_users``: name → bcrypt hash), plus
``roles`` (name → ``viewer`` or ``operator``; default ``viewer``). The collector's existing
``operators`` bearer tokens are operators too.

Policy, in one middleware:

- ``/healthz`` and ``/readyz`` are always open (load balancers, systemd); ``/api/v1/ingest`` has its
  own per-agent tokens and is never asked for a password.
- With ``basic_auth_users`` set (``web.require_auth`` defaults to true then), every other path
  (status page, JSON APIs, reports, ``/metrics``) answers 401 with a ``WWW-Authenticate`` header
  to a request without valid credentials.
- Writes to the maintenance API need an operator: anonymous → 401, a viewer → 403.

bcrypt is slow by design (tens of milliseconds a check), so a successful check is remembered for
``CACHE_SECONDS`` by the SHA-256 of (user, password) and verification runs in a worker thread: a
scraping Prometheus does not pay bcrypt every 15 s, and the event loop never stalls on it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import bcrypt
from aiohttp import web

from collector.config import WebAccess, hash_token

VIEWER, OPERATOR = "viewer", "operator"
CACHE_SECONDS = 300.0
OPEN_PATHS = frozenset({"/healthz", "/readyz"})
AGENT_PATHS = frozenset({"/api/v1/ingest"})
OPERATOR_WRITES = ("/api/v1/maintenance",)


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: str

    @property
    def operator(self) -> bool:
        return self.role == OPERATOR


PRINCIPAL_KEY = web.RequestKey("tierwatch_principal", object)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class AccessControl:
    def __init__(self, web_access: WebAccess, operator_tokens: dict[str, str], *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._users = {name: h.get_secret_value().encode() for name, h in web_access.basic_auth_users.items()}
        self._roles = dict(web_access.roles)
        self._operator_tokens = operator_tokens          # sha256(token) → operator name
        self.require_auth = web_access.require_auth if web_access.require_auth is not None else bool(self._users)
        self._cache: dict[bytes, tuple[str, float]] = {}
        self._clock = clock
        self.denied = 0

    async def identify(self, request: web.Request) -> Principal | None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer" and value.strip():
            name = self._operator_tokens.get(hash_token(value.strip()))
            return Principal(name, OPERATOR) if name else None
        if scheme == "basic" and value.strip():
            try:
                user, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
            if await self._check_password(user, password):
                return Principal(user, self._roles.get(user, VIEWER))
        return None

    async def _check_password(self, user: str, password: str) -> bool:
        stored = self._users.get(user)
        if stored is None:
            return False
        key = hashlib.sha256(b"%s\0%s\0%s" % (user.encode(), password.encode(), stored)).digest()
        hit = self._cache.get(key)
        now = self._clock()
        if hit is not None and hit[1] > now:
            return True
        ok = await asyncio.to_thread(bcrypt.checkpw, password.encode(), stored)
        if ok:
            if len(self._cache) > 1024:
                self._cache.clear()
            self._cache[key] = (user, now + CACHE_SECONDS)
        return ok

    def middleware(self) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
        @web.middleware
        async def access(request: web.Request, handler: Handler) -> web.StreamResponse:
            path = request.path
            if path in OPEN_PATHS or path in AGENT_PATHS:
                return await handler(request)
            principal = await self.identify(request)
            write = request.method not in ("GET", "HEAD", "OPTIONS") and path.startswith(OPERATOR_WRITES)
            if principal is None and (self.require_auth or write):
                self.denied += 1
                return _challenge()
            if write and principal is not None and not principal.operator:
                self.denied += 1
                return web.json_response({"error": f"'{principal.name}' is a viewer; declaring or ending "
                                                   "maintenance needs the operator role"}, status=403)
            request[PRINCIPAL_KEY] = principal
            return await handler(request)
        return access


def principal_of(request: web.Request) -> Principal | None:
    found = request.get(PRINCIPAL_KEY)
    return found if isinstance(found, Principal) else None


def _challenge() -> web.Response:
    return web.json_response({"error": "credentials are required"}, status=401,
                             headers={"WWW-Authenticate": 'Basic realm="tierwatch", charset="UTF-8"'})


def hash_password(password: str, rounds: int = 12) -> str:
    """A bcrypt hash for ``basic_auth_users`` (``tierwatch-collector hash-password`` prints one)."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()
