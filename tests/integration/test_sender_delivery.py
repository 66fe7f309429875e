"""The sender against stand-in collectors on loopback: fail-over and fail-back, fan-out, Retry-After."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from agent.config import SpoolSettings
from agent.outbox import MemoryOutbox, Outbox
from agent.spool import Spool
from tests.peers.collector_app import base_url
from tests.peers.sender import sending
from tierwatch_common.models import Outcome, Reading

pytestmark = pytest.mark.integration


@dataclass
class StandIn:
    """A collector stand-in: answers with `status` (a callable can vary it) and records what came."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    seqs: list[int] = field(default_factory=list)
    hits: list[float] = field(default_factory=list)
    answer: Callable[[int], tuple[int, dict[str, str]]] | None = None
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.hits.append(time.monotonic())
        body = json.loads(await request.read())  # aiohttp inflates Content-Encoding: gzip itself
        status, headers = self.answer(len(self.hits)) if self.answer else (self.status, self.headers)
        if status == 200:
            self.seqs.append(body["seq"])
            return web.json_response({"accepted": len(body["readings"]), "duplicate": False})
        return web.json_response({"error": "x", "errors": []}, status=status, headers=headers)


Serving = Callable[[StandIn], contextlib.AbstractAsyncContextManager[StandIn]]


@pytest.fixture
def serving(aiohttp_server: Any) -> Serving:
    """Serve a stand-in on a loopback port (pytest-aiohttp's aiohttp_server) for the block's length."""

    @contextlib.asynccontextmanager
    async def serve(stand_in: StandIn) -> AsyncIterator[StandIn]:
        app = web.Application()
        app.router.add_post("/api/v1/ingest", stand_in.handle)
        server = await aiohttp_server(app, host="127.0.0.1")
        stand_in.url = base_url(server)
        try:
            yield stand_in
        finally:
            await server.close()

    return serve


def closed_port_url() -> str:
    from tests.peers.processes import free_tcp_port

    return f"http://127.0.0.1:{free_tcp_port()}"


async def put(outbox: Outbox, i: int) -> None:
    ts = time.time()
    await outbox.put([Outcome("pdu-a", "ok", ts, 0.01, 1.0, 1, "ok")],
                     [Reading("pdu-a", "tierwatch_test_value", (), float(i), ts)], {})


async def until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_batches_fail_over_to_the_second_url_and_come_back_to_the_first_after_failback_after(serving: Serving) -> None:
    primary = StandIn(status=503)
    async with serving(primary), serving(StandIn()) as secondary:
        outbox = MemoryOutbox(first_seq=1)
        async with sending([primary.url, secondary.url], outbox, failback_after=0.6) as sender:
            for i in range(5):
                await put(outbox, i)
                await until(lambda: outbox.stats().depth_items == 0)
            assert secondary.seqs == [1, 2, 3, 4, 5]
            assert len(primary.hits) == 1  # not re-tried for every batch while it is down
            primary.status = 200
            await asyncio.sleep(0.7)
            await put(outbox, 5)
            await until(lambda: primary.seqs == [6])
            await put(outbox, 6)
            await until(lambda: primary.seqs == [6, 7])
            assert secondary.seqs == [1, 2, 3, 4, 5]
            assert sender.stats.sent == 7


async def test_a_dead_first_url_costs_nothing_per_batch_once_the_agent_has_failed_over(serving: Serving) -> None:
    async with serving(StandIn()) as secondary:
        outbox = MemoryOutbox(first_seq=1)
        async with sending([closed_port_url(), secondary.url], outbox, failback_after=60):
            started = time.monotonic()
            for i in range(20):
                await put(outbox, i)
                await until(lambda: outbox.stats().depth_items == 0)
            assert secondary.seqs == list(range(1, 21))
            assert time.monotonic() - started < 3


async def test_retry_after_from_an_overloaded_collector_is_honoured(serving: Serving) -> None:
    collector = StandIn(answer=lambda n: (503, {"Retry-After": "1"}) if n == 1 else (200, {}))
    async with serving(collector):
        outbox = MemoryOutbox(first_seq=1)
        async with sending([collector.url], outbox):
            await put(outbox, 0)
            await until(lambda: collector.seqs == [1])
    assert collector.hits[1] - collector.hits[0] >= 0.95


async def test_429_without_retry_after_falls_back_to_jittered_back_off(serving: Serving) -> None:
    collector = StandIn(answer=lambda n: (429, {}) if n <= 2 else (200, {}))
    async with serving(collector):
        outbox = MemoryOutbox(first_seq=1)
        async with sending([collector.url], outbox) as sender:
            await put(outbox, 0)
            await until(lambda: collector.seqs == [1])
            assert sender.stats.failures == 2


async def test_fan_out_sends_every_batch_to_both_collectors_and_acks_only_when_both_have_it(serving: Serving) -> None:
    flaky = StandIn(answer=lambda n: (503, {"Retry-After": "0.3"}) if n <= 2 else (200, {}))
    async with serving(StandIn()) as steady, serving(flaky):
        outbox = MemoryOutbox(first_seq=1)
        async with sending([steady.url, flaky.url], outbox, fan_out=True) as sender:
            await put(outbox, 0)
            await until(lambda: steady.seqs == [1])
            assert outbox.stats().depth_items > 0  # held back until the second one acknowledges
            await until(lambda: flaky.seqs == [1])
            await until(lambda: outbox.stats().depth_items == 0)
            assert steady.seqs == [1]  # not sent again to the one that already had it
            for i in range(1, 4):
                await put(outbox, i)
                await until(lambda: outbox.stats().depth_items == 0)
            assert steady.seqs == flaky.seqs == [1, 2, 3, 4]
            assert sender.stats.sent == 4


async def test_fan_out_keeps_feeding_the_live_collector_when_its_partner_stays_down(serving: Serving) -> None:
    dead = closed_port_url()
    async with serving(StandIn()) as live:
        outbox = MemoryOutbox(first_seq=1)
        async with sending([live.url, dead], outbox, fan_out=True, fan_out_wait=0.5):
            for i in range(10):
                await put(outbox, i)
                await until(lambda: len(live.seqs) == i + 1, timeout=2)
            assert live.seqs == list(range(1, 11))
            await until(lambda: outbox.stats().depth_items == 0)  # given up on after fan_out_wait


async def test_fan_out_feeds_the_survivor_at_once_while_its_dead_partner_holds_the_batches(serving: Serving) -> None:
    """Pins "fan-out blinds the survivor": with the partner dead, each batch used to wait
    fan_out_wait (60 s) before the healthy collector got the next one."""
    dead = closed_port_url()
    async with serving(StandIn()) as live:
        outbox = MemoryOutbox(first_seq=1)
        async with sending([live.url, dead], outbox, fan_out=True) as sender:  # default fan_out_wait
            for i in range(5):
                await put(outbox, i)
                await until(lambda: len(live.seqs) == i + 1, timeout=2)
            assert live.seqs == [1, 2, 3, 4, 5]
            assert sender.stats.sent == 5
            assert outbox.stats().depth_items == 10  # still held for the partner (5 outcomes, 5 readings)


async def test_a_collector_that_comes_back_receives_every_batch_it_missed_then_the_outbox_empties(serving: Serving) -> None:
    """Pins the other half of the fan-out defect: what a returning collector missed is still
    spooled and reaches it, oldest first, while its partner is never sent a batch twice."""
    returning = StandIn(status=503)
    async with serving(StandIn()) as steady, serving(returning):
        outbox = MemoryOutbox(first_seq=1)
        async with sending([steady.url, returning.url], outbox, fan_out=True):
            for i in range(6):
                await put(outbox, i)
                await until(lambda: len(steady.seqs) == i + 1, timeout=2)
            assert returning.seqs == []
            returning.status = 200
            await until(lambda: returning.seqs == [1, 2, 3, 4, 5, 6])
            await until(lambda: outbox.stats().depth_items == 0)
            await put(outbox, 6)
            await until(lambda: steady.seqs == returning.seqs == [1, 2, 3, 4, 5, 6, 7])


@pytest.mark.parametrize("order", ["same", "reversed"])
async def test_after_an_agent_restart_the_lagging_collector_gets_what_it_missed_and_the_other_nothing_twice(
        serving: Serving, tmp_path: Path, order: str) -> None:
    """Pins "fan-out cursors kept in memory only": a restarted agent used to start both collectors
    from the oldest spooled batch, so the one that was current got the whole backlog a second time
    (duplicates for its ledger) before anything new. The spool now keeps each URL's cursor."""
    def open_spool() -> Spool:
        return Spool(SpoolSettings.model_validate({"path": str(tmp_path / "spool.sqlite"), "fsync": "batch"}))

    lagging = StandIn(status=503)
    async with serving(StandIn()) as current, serving(lagging):
        urls = [current.url, lagging.url]
        spool = open_spool()
        async with sending(urls, spool, fan_out=True, batch_max_readings=1):
            for i in range(6):
                await put(spool, i)
                await until(lambda: len(current.seqs) == i + 1)
        await spool.close()                                  # the agent stops
        missed = list(current.seqs)
        assert lagging.seqs == [] and len(set(missed)) == 6

        lagging.status = 200                                 # its partner answers again
        spool = open_spool()                                 # the agent starts again on the same spool
        again = urls if order == "same" else urls[::-1]      # cursors follow the URL, not its position
        async with sending(again, spool, fan_out=True, batch_max_readings=1):
            await until(lambda: lagging.seqs == missed)
            await put(spool, 6)
            await until(lambda: len(lagging.seqs) == 7 and spool.stats().depth_items == 0)
        await spool.close()
        assert current.seqs == [*missed, lagging.seqs[6]]    # nothing sent to it twice
