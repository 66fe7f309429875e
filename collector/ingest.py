"""POST /api/v1/ingest: authenticate, bound, decompress, parse, validate, then apply a batch.

A batch is applied so that a collector killed at any instant loses no state change it
acknowledged: the series store and the availability engine take it in memory; if that changed a
state (a first outcome, a target going down or up, repaired history), the engine's transitions
are written to the availability store (`Persister.flush_history`: one write serves every batch
waiting meanwhile, with the `state_fsync` choice); only then does the ledger record its seq as
applied, and only then is it acknowledged. Killed before the ledger record, the collector never
answered: the agent sends the batch again and it is applied again, which changes nothing (the
same readings, outcomes at the same times). A second copy of a batch still being applied is
answered 503 (retry), never "duplicate": the first copy may yet be lost with the process.
Outcomes that change no state are acknowledged at once: if a kill loses them, the time since the
last heartbeat restarts unknown and the agent's next outcomes repair it (within staleness). A store
that cannot write (full disk) keeps the changes in memory and writes them later
(`collector.statehealth`): the batch is still acknowledged.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import structlog
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError
from prometheus_client import CollectorRegistry, Counter, Histogram

from collector import names
from collector.config import IngestLimits, hash_token
from collector.ledger import SeqLedger
from collector.store import SeriesStore
from tierwatch_common.models import Batch
from tierwatch_common.wire import Limits, validate_batch

log = structlog.get_logger("collector.ingest")

SERIES_LIMIT = "series_limit"  # reason of readings refused because series.max_live series are live


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.batches = Counter(names.BATCHES, "Ingest batches by result and reason.", ["result", "reason"],
                               registry=registry)
        self.readings = Counter(names.READINGS, "Readings by result and reason.", ["result", "reason"],
                                registry=registry)
        self.latency = Histogram(names.INGEST_LATENCY, "Time to handle one ingest request.", registry=registry,
                                 buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))


@dataclass
class IngestContext:
    limits: IngestLimits
    tokens: dict[str, str]  # sha256(token) -> agent id
    store: SeriesStore
    ledger: SeqLedger
    metrics: IngestMetrics
    observe: Any = None  # callable(batch) feeding the availability engine, or None
    # awaited after `observe` and before the ledger records the batch: its availability is stored
    # before its seq says "applied" (see make_ingest_handler)
    persist: Callable[[], Awaitable[None]] | None = None
    pending: set[tuple[str, int]] = field(default_factory=set)   # (agent, seq) being applied now
    inflight: int = 0
    refusing: bool = False  # the store refused new series (series.max_live) since it last had room


class Rejection(Exception):
    def __init__(self, status: int, reason: str, errors: list[str], headers: dict[str, str] | None = None,
                 readings: int = 0, unread: bool = False) -> None:
        super().__init__(reason)
        self.status, self.reason, self.errors, self.headers = status, reason, errors, headers or {}
        self.readings = readings  # how many readings the refused body carried, when known
        self.unread = unread  # the body was not read to its end: close the connection after answering


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(body), content_type="application/json", headers=headers)


def _authenticate(ctx: IngestContext, request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Rejection(401, "unauthenticated", ["missing bearer token"], {"WWW-Authenticate": "Bearer"})
    agent = ctx.tokens.get(hash_token(token.strip()))
    if agent is None:
        raise Rejection(401, "unauthenticated", ["unknown token"], {"WWW-Authenticate": "Bearer"})
    return agent


async def _read_body(ctx: IngestContext, request: web.Request) -> bytes:
    """Read the body within limits. aiohttp inflates gzip bodies itself as they stream in, so
    the compressed size is bounded by Content-Length and the inflated size by reading at most
    max_decompressed_bytes + 1 (a gzip bomb stops there)."""
    limit = ctx.limits.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise Rejection(413, "too_large", [f"body of {request.content_length} bytes exceeds {limit}"])
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity", "gzip", "deflate"):
        raise Rejection(415, "bad_encoding", [f"unsupported Content-Encoding {encoding!r}; use gzip or identity"])
    cap = limit if encoding in ("", "identity") else ctx.limits.max_decompressed_bytes
    try:
        # read(n) returns what has arrived (up to n bytes): keep reading until the end or past the cap.
        chunks: list[bytes] = []
        size = 0
        while chunk := await request.content.read(cap + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > cap:
                what = "body" if cap == limit else "decompressed body"
                raise Rejection(413, "too_large", [f"{what} exceeds {cap} bytes"], unread=True)
        body = b"".join(chunks)
    except (HttpProcessingError, RequestPayloadError, ValueError, zlib.error) as exc:
        raise Rejection(400, "bad_encoding", [f"cannot decode the {encoding} body: {exc}"], unread=True) from None
    return body


def _parse(ctx: IngestContext, data: bytes, agent: str) -> Batch:
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise Rejection(400, "malformed_json", [f"malformed JSON: {exc}"]) from None
    if isinstance(obj, dict) and isinstance(obj.get("agent"), str) and obj["agent"] != agent:
        raise Rejection(403, "agent_mismatch",
                        [f"this token belongs to agent '{agent}', not '{obj['agent'][:128]}'"])
    limits = Limits(max_labels=ctx.limits.max_labels, max_readings=ctx.limits.max_readings)
    batch, problems = validate_batch(obj, limits)
    if batch is None:
        carried = obj.get("readings") if isinstance(obj, dict) else None
        raise Rejection(400, "invalid_batch", problems, readings=len(carried) if isinstance(carried, list) else 0)
    return batch


def _series_limit_state(ctx: IngestContext, agent: str, refused: int) -> None:
    """Log when the store starts refusing new series, and when it has room again (once each)."""
    store = ctx.store
    if refused and not ctx.refusing:
        ctx.refusing = True
        log.warning("series_limit_reached", max_live=store.max_live, agent=agent, refused=refused,
                    hint="new series are refused until others expire; raise series.max_live if the "
                         "collector has the memory (about 400 B per series)")
    elif ctx.refusing and not refused and store.live_series < store.max_live:
        ctx.refusing = False
        log.info("series_limit_cleared", live=store.live_series, max_live=store.max_live,
                 refused_total=store.refused_total)


def make_ingest_handler(key: web.AppKey[IngestContext]):  # noqa: ANN201 - aiohttp handler
    async def ingest(request: web.Request) -> web.Response:
        ctx = request.app[key]
        started = time.perf_counter()
        if ctx.inflight >= ctx.limits.max_inflight:
            ctx.metrics.batches.labels("rejected", "overloaded").inc()
            return _json(503, {"error": "overloaded", "errors": ["collector is saturated; retry later"]},
                         {"Retry-After": "2"})
        ctx.inflight += 1
        try:
            agent = _authenticate(ctx, request)
            data = await _read_body(ctx, request)
            # Parsing a large batch is CPU work: keep it off the loop when it is big.
            if len(data) > 256 * 1024:
                batch = await asyncio.get_running_loop().run_in_executor(None, _parse, ctx, data, agent)
            else:
                batch = _parse(ctx, data, agent)
            if ctx.ledger.seen(agent, batch.seq):
                ctx.metrics.batches.labels("duplicate", "").inc()
                log.info("batch_duplicate", agent=agent, seq=batch.seq)
                return _json(200, {"accepted": 0, "duplicate": True})
            applying = (agent, batch.seq)
            if applying in ctx.pending:      # the same batch again while its first copy is being stored
                raise Rejection(503, "in_progress", [f"batch {batch.seq} is being applied; retry"],
                                {"Retry-After": "1"})
            ctx.pending.add(applying)
            try:
                accepted, refused = ctx.store.apply(batch)
                if ctx.observe is not None:
                    ctx.observe(batch)
                    if ctx.persist is not None:
                        await ctx.persist()
                ctx.ledger.record(agent, batch.seq, batch)
            finally:
                ctx.pending.discard(applying)
            ctx.metrics.batches.labels("accepted", "").inc()
            ctx.metrics.readings.labels("accepted", "").inc(accepted)
            answer: dict[str, Any] = {"accepted": accepted, "duplicate": False}
            if refused:
                ctx.metrics.readings.labels("rejected", SERIES_LIMIT).inc(refused)
                answer["refused"] = {SERIES_LIMIT: refused}
            _series_limit_state(ctx, agent, refused)
            log.info("batch_accepted", agent=agent, seq=batch.seq, readings=accepted, refused=refused,
                     outcomes=len(batch.outcomes), ms=round((time.perf_counter() - started) * 1000, 2))
            return _json(200, answer)
        except Rejection as rej:
            ctx.metrics.batches.labels("rejected", rej.reason).inc()
            if rej.readings:
                ctx.metrics.readings.labels("rejected", rej.reason).inc(rej.readings)
            log.warning("batch_rejected", status=rej.status, reason=rej.reason, errors=rej.errors[:5],
                        peer=request.remote)
            resp = _json(rej.status, {"error": rej.reason, "errors": rej.errors}, rej.headers)
            if rej.unread:
                # Neither inflate the rest of a bomb nor re-read a corrupt stream after answering:
                # mark the body finished and close the connection once the answer is out.
                resp.force_close()
                request.content.feed_eof()
            return resp
        finally:
            ctx.inflight -= 1
            ctx.metrics.latency.observe(time.perf_counter() - started)

    return ingest
