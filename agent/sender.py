"""Drains the outbox to the collector: gzip'd JSON batches, bearer token, back-off with jitter,
fail-over across collector URLs, Retry-After honoured. A batch leaves the outbox only once a
collector acknowledged it (or refused it for good with a 4xx that no retry can fix)."""

from __future__ import annotations

import asyncio
import gzip
import random
import ssl
import time
from dataclasses import dataclass

import aiohttp
import orjson
import structlog

from agent.config import CollectorLink
from agent.outbox import Outbox, PendingBatch
from tierwatch_common.wire import VERSION, encode_outcome, encode_reading

log = structlog.get_logger("agent.sender")

PERMANENT = frozenset({400, 413, 415, 422})  # the body itself is wrong: retrying cannot help


@dataclass
class SenderStats:
    sent: int = 0
    rejected: int = 0
    failures: int = 0
    last_error: str = ""


def encode_batch(agent: str, interval: float, batch: PendingBatch) -> bytes:
    body = {
        "version": VERSION, "agent": agent, "seq": batch.seq, "sent_at": time.time(), "interval": interval,
        "metrics": {k: {"type": t, "help": h} for k, (t, h) in batch.metrics.items()},
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
    def __init__(self, link: CollectorLink, agent: str, interval: float, outbox: Outbox,
                 rng: random.Random | None = None) -> None:
        self.link = link
        self.agent = agent
        self.interval = interval
        self.outbox = outbox
        self.stats = SenderStats()
        self._rng = rng or random.Random()
        self._token = link.bearer()

    def _backoff(self, attempt: int) -> float:
        cap = min(self.link.backoff_max, self.link.backoff_initial * (2 ** min(attempt, 20)))
        return self._rng.uniform(cap / 2, cap)  # "equal jitter": never zero, never in lock-step

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self.link.timeout, connect=min(5.0, self.link.timeout))
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip",
                   "User-Agent": "tierwatch-agent"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        connector = aiohttp.TCPConnector(ssl=ssl_context(self.link) or True, limit=4)
        async with aiohttp.ClientSession(timeout=timeout, headers=headers, connector=connector) as session:
            attempt = 0
            while True:
                await self.outbox.wait_nonempty()
                batch = await self.outbox.next_batch(self.link.batch_max_readings)
                if batch is None:
                    continue
                delay = await self._deliver(session, batch)
                if delay is None:
                    attempt = 0
                    continue
                self.stats.failures += 1
                wait = delay if delay > 0 else self._backoff(attempt)
                attempt += 1
                log.warning("batch_send_failed", seq=batch.seq, error=self.stats.last_error,
                            retry_in_s=round(wait, 2))
                await asyncio.sleep(wait)

    async def _deliver(self, session: aiohttp.ClientSession, batch: PendingBatch) -> float | None:
        """Send one batch. None: done (acked). A float: wait that long (0 = use back-off) and retry."""
        body = encode_batch(self.agent, self.interval, batch)
        urls = self.link.urls
        retry_after: float = 0.0
        for i in range(len(urls)):  # in order, so the first URL is used again as soon as it is back
            url = urls[i] + "/api/v1/ingest"
            try:
                async with session.post(url, data=body) as resp:
                    text = await resp.read()
                    if resp.status == 200:
                        await self.outbox.ack(batch.seq)
                        self.stats.sent += 1
                        log.info("batch_sent", seq=batch.seq, readings=len(batch.readings),
                                 outcomes=len(batch.outcomes), bytes=len(body), collector=urls[i],
                                 duplicate=b'"duplicate":true' in text)
                        return None
                    if resp.status in PERMANENT:
                        await self.outbox.ack(batch.seq)
                        self.stats.rejected += 1
                        log.error("batch_rejected", seq=batch.seq, status=resp.status,
                                  readings=len(batch.readings), answer=text[:2000].decode("utf-8", "replace"))
                        return None
                    self.stats.last_error = f"{urls[i]} answered {resp.status}"
                    if resp.status in (401, 403):
                        log.error("collector_refused_credentials", status=resp.status, collector=urls[i])
                    if resp.status in (429, 503):
                        retry_after = max(retry_after, _retry_after(resp.headers.get("Retry-After")) or 0.0)
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                self.stats.last_error = f"{urls[i]}: {type(exc).__name__}: {exc}"[:300]
        return retry_after
