"""Drains the outbox to the collector: gzip'd JSON batches, bearer token, back-off with jitter,
fail-over across collector URLs, Retry-After honoured. A batch leaves the outbox only once a
collector acknowledged it (or refused it for good with a 4xx that no retry can fix)."""

from __future__ import annotations

import asyncio
import gzip
import random
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
import structlog

from agent.config import CollectorLink
from agent.httpclient import Answer, StreamClient
from agent.outbox import Outbox, PendingBatch
from tierwatch_common.wireformat import VERSION, encode_metrics, encode_outcome, encode_reading

log = structlog.get_logger("agent.sender")

PERMANENT = frozenset({400, 413, 415, 422})  # the body itself is wrong: retrying cannot help


@dataclass
class SenderStats:
    sent: int = 0
    rejected: int = 0
    refused_readings: int = 0  # readings of acknowledged batches the collector refused (series limit)
    failures: int = 0
    last_error: str = ""


class HttpClient(Protocol):
    """What the sender needs of an HTTP client (`agent.httpclient.StreamClient`; the tests hold an
    aiohttp-based one to compare it with): POST a body, get the answer, close at the end."""

    def post(self, url: str, body: bytes) -> Awaitable[Answer]: ...

    async def __aenter__(self) -> Any: ...  # noqa: ANN401 - the client itself

    async def __aexit__(self, *exc: object) -> None: ...


ClientFactory = Callable[..., HttpClient]  # (headers=, timeout=, connect_timeout=, ssl_context=) -> client


def encode_batch(agent: str, interval: float, batch: PendingBatch) -> bytes:
    body = {
        "version": VERSION, "agent": agent, "seq": batch.seq, "sent_at": time.time(), "interval": interval,
        "metrics": encode_metrics(batch.metrics),
        "outcomes": [encode_outcome(o) for o in batch.outcomes],
        "readings": [encode_reading(r) for r in batch.readings],
    }
    return gzip.compress(orjson.dumps(body), compresslevel=5)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, min(float(value), 300.0)) if value else None
    except ValueError:
        return None


def ssl_context(link: CollectorLink) -> ssl.SSLContext | None:
    if not any(u.startswith("https://") for u in link.urls):
        return None
    ctx = ssl.create_default_context(cafile=str(link.ca_file) if link.ca_file else None)
    if link.cert_file and link.key_file:
        ctx.load_cert_chain(str(link.cert_file), str(link.key_file))
    return ctx


class Sender:
    """Delivers the outbox's batches one at a time, in seq order.

    Fail-over (default): the URLs are tried in order. Once a fallback URL answered, batches go
    there, and the first URL is re-probed at most every `failback_after` seconds, so a dead
    primary costs one connect attempt per period, not one per batch.

    Fan-out (`fan_out: true`): every URL has its own delivery loop and cursor, so each collector
    of an HA pair gets every batch as soon as it can take it, whatever its partner does. A batch
    leaves the outbox once every URL acknowledged it, or once the URLs that have not have been
    failing for `fan_out_wait` seconds or more (given up on: they no longer hold batches in the
    outbox). A URL that answers again resumes from its cursor: it receives every batch it missed
    that is still spooled, oldest first, then the new ones. Cursors are kept in the outbox under
    each URL (the spool persists them), so after an agent restart the same holds: the collector
    that was behind gets what it missed, the other is not sent again what it acknowledged.
    """

    def __init__(self, link: CollectorLink, agent: str, interval: float, outbox: Outbox,
                 rng: random.Random | None = None, clock: Callable[[], float] = time.monotonic,
                 client: ClientFactory = StreamClient) -> None:
        self.link = link
        self._client = client
        self.agent = agent
        self.interval = interval
        self.outbox = outbox
        self.stats = SenderStats()
        self._rng = rng or random.Random()
        self._clock = clock
        self._token = link.bearer()
        self._active = 0  # fail-over: index of the URL in use
        self._primary_due = 0.0  # fail-over: when to probe the first URL again
        self._failing_since: dict[int, float] = {}  # fan-out: target index -> first failure
        self._cursor: dict[int, int] = {}  # fan-out: target index -> last seq it acknowledged
        self._released = -1  # fan-out: every batch up to this seq has left the outbox
        self._first_settled = -1  # fan-out: highest seq some target acknowledged (for the stats)
        self._gave_up: set[int] = set()  # fan-out: targets already reported as given up on
        self._refusing: set[str] = set()  # collectors whose last answer refused some readings

    def _backoff(self, attempt: int) -> float:
        cap = min(self.link.backoff_max, self.link.backoff_initial * (2 ** min(attempt, 20)))
        return self._rng.uniform(cap / 2, cap)  # "equal jitter": never zero, never in lock-step

    async def run(self) -> None:
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip",
                   "User-Agent": "tierwatch-agent"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        client = self._client(headers=headers, timeout=self.link.timeout, connect_timeout=min(5.0, self.link.timeout),
                              ssl_context=ssl_context(self.link))
        async with client as session:
            if self.link.fan_out:
                await self._fan_out(session)
                return
            attempt = 0
            while True:
                await self.outbox.wait_nonempty()
                batch = await self.outbox.next_batch(self.link.batch_max_readings)
                if batch is None:
                    continue
                body = encode_batch(self.agent, self.interval, batch)
                delay = await self._fail_over(session, batch, body)
                if delay is None:
                    attempt = 0
                    continue
                self.stats.failures += 1
                wait = delay if delay > 0 else self._backoff(attempt)
                attempt += 1
                log.warning("batch_send_failed", seq=batch.seq, error=self.stats.last_error,
                            retry_in_s=round(wait, 2))
                await asyncio.sleep(wait)

    async def _post(self, session: HttpClient, i: int, batch: PendingBatch,
                    body: bytes) -> tuple[str, float]:
        """One attempt at URL i: ("acked" | "rejected" | "failed", Retry-After seconds or 0)."""
        base = self.link.urls[i]
        try:
            resp = await session.post(base + "/api/v1/ingest", body)
        except (asyncio.TimeoutError, OSError) as exc:
            self.stats.last_error = f"{base}: {type(exc).__name__}: {exc}"[:300]
            return "failed", 0.0
        text = resp.body
        if resp.status == 200:
            log.info("batch_sent", seq=batch.seq, readings=len(batch.readings),
                     outcomes=len(batch.outcomes), bytes=len(body), collector=base,
                     duplicate=b'"duplicate":true' in text)
            self._note_refused(base, batch.seq, text)
            return "acked", 0.0
        if resp.status in PERMANENT:
            log.error("batch_rejected", seq=batch.seq, status=resp.status, collector=base,
                      readings=len(batch.readings), answer=text[:2000].decode("utf-8", "replace"))
            return "rejected", 0.0
        self.stats.last_error = f"{base} answered {resp.status}"
        if resp.status in (401, 403):
            log.error("collector_refused_credentials", status=resp.status, collector=base)
        if resp.status in (429, 503):
            return "failed", _retry_after(resp.headers.get("retry-after")) or 0.0
        return "failed", 0.0

    def _note_refused(self, base: str, seq: int, answer: bytes) -> None:
        """Count readings the collector took the batch without (`"refused": {reason: n}`, e.g. its
        series limit); say so when it starts and when it stops."""
        refused: dict[str, int] = {}
        if b'"refused"' in answer:
            try:
                refused = {str(k): int(v) for k, v in orjson.loads(answer).get("refused", {}).items()}
            except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
                refused = {}
        if refused:
            self.stats.refused_readings += sum(refused.values())
            if base not in self._refusing:
                self._refusing.add(base)
                log.warning("collector_refusing_readings", collector=base, seq=seq, refused=refused,
                            hint="the collector holds series.max_live series; see its series_limit_reached log")
        elif base in self._refusing:
            self._refusing.discard(base)
            log.info("collector_refusing_readings_stopped", collector=base, seq=seq,
                     refused_total=self.stats.refused_readings)

    async def _settle(self, batch: PendingBatch, result: str) -> None:
        await self.outbox.ack(batch.seq)
        if result == "rejected":
            self.stats.rejected += 1
        else:
            self.stats.sent += 1

    def _failover_order(self) -> list[int]:
        n = len(self.link.urls)
        if self._active != 0 and self._clock() >= self._primary_due:
            self._primary_due = self._clock() + self.link.failback_after
            return list(range(n))  # probe the first URL again
        return [self._active, *(i for i in range(n) if i != self._active)]

    async def _fail_over(self, session: HttpClient, batch: PendingBatch, body: bytes) -> float | None:
        """Send to the first URL that takes it. None: settled; a float: wait that long (0 = back-off)."""
        retry_after = 0.0
        for i in self._failover_order():
            result, ra = await self._post(session, i, batch, body)
            if result == "failed":
                retry_after = max(retry_after, ra)
                continue
            if i != self._active:
                log.warning("collector_switched", collector=self.link.urls[i], was=self.link.urls[self._active])
                if self._active == 0:
                    self._primary_due = self._clock() + self.link.failback_after
                self._active = i
            await self._settle(batch, result)
            return None
        return retry_after

    async def _fan_out(self, session: HttpClient) -> None:
        """One delivery loop per URL, owned here: cancelled and awaited together."""
        stored = await self.outbox.cursors()
        self._cursor = {i: stored[url] for i, url in enumerate(self.link.urls) if url in stored}
        self._first_settled = max(self._cursor.values(), default=-1)
        tasks = [asyncio.create_task(self._deliver_to(session, i), name=f"fan-out-{i}")
                 for i in range(len(self.link.urls))]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _deliver_to(self, session: HttpClient, i: int) -> None:
        """Feed URL i from its own cursor, independently of the other URLs."""
        attempt = 0
        while True:
            puts = self.outbox.puts
            batch = await self.outbox.next_batch(self.link.batch_max_readings, after=self._cursor.get(i))
            if batch is None:
                await self.outbox.wait_put(puts)
                continue
            result, retry_after = await self._post(session, i, batch, encode_batch(self.agent, self.interval, batch))
            now = self._clock()
            if result == "failed":
                since = self._failing_since.setdefault(i, now)
                if self._given_up(i, now) and i not in self._gave_up:
                    self._gave_up.add(i)
                    log.warning("fan_out_target_given_up", collector=self.link.urls[i], seq=batch.seq,
                                failing_s=round(now - since, 1))
                    await self._release()
                self.stats.failures += 1
                wait = retry_after if retry_after > 0 else self._backoff(attempt)
                attempt += 1
                log.warning("batch_send_failed", seq=batch.seq, collector=self.link.urls[i],
                            error=self.stats.last_error, retry_in_s=round(wait, 2))
                await asyncio.sleep(wait)
                continue
            attempt = 0
            if self._failing_since.pop(i, None) is not None:
                self._gave_up.discard(i)
                log.warning("fan_out_target_recovered", collector=self.link.urls[i], resumes_at=batch.seq)
            self._cursor[i] = batch.seq
            await self.outbox.set_cursor(self.link.urls[i], batch.seq)
            if batch.seq > self._first_settled:
                self._first_settled = batch.seq
                if result == "rejected":
                    self.stats.rejected += 1
                else:
                    self.stats.sent += 1
            await self._release()

    async def _release(self) -> None:
        """Remove from the outbox every batch all URLs not given up on have acknowledged."""
        now = self._clock()
        live = [self._cursor.get(i, -1) for i in range(len(self.link.urls)) if not self._given_up(i, now)]
        floor = min(live) if live else max(self._cursor.values(), default=-1)
        if floor > self._released:
            self._released = floor
            await self.outbox.ack_through(floor)
    def _given_up(self, i: int, now: float) -> bool:
        since = self._failing_since.get(i)
        return since is not None and now - since >= self.link.fan_out_wait
