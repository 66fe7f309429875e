"""`/metrics` that stays short for the event loop, so ingest keeps flowing during a scrape.

The large exporters (the latest-value store, the availability engine) write their exposition
text themselves (`render_text`, see collector.textformat), about ten times faster than
prometheus-client's per-sample formatting; the small rest (the collector's own counters and
histograms) goes through prometheus-client. Rendering stays on the event loop, in steps: every
few milliseconds it lets the loop apply waiting batches (measured under ingest load, a worker
thread made things worse: the loop then waits for the GIL at every socket call).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Iterator

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.core import Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.openmetrics.exposition import CONTENT_TYPE_LATEST as OPENMETRICS_TYPE
from prometheus_client.registry import Collector


OPENMETRICS = OPENMETRICS_TYPE.split(";")[0]
PAUSE_EVERY = 0.005  # seconds of rendering between two chances for the loop to serve others


class _Chain(Collector):
    def __init__(self, parts: Iterable[Collector]) -> None:
        self._parts = list(parts)

    def collect(self) -> Iterator[Metric]:
        for part in self._parts:
            yield from part.collect()


class ExpositionRegistry(CollectorRegistry):
    """A registry that remembers its collectors in order, so a scrape can snapshot them first."""

    def __init__(self) -> None:
        super().__init__(auto_describe=False)
        self._ordered: list[Collector] = []

    def register(self, collector: Collector) -> None:
        super().register(collector)
        self._ordered.append(collector)

    def unregister(self, collector: Collector) -> None:
        super().unregister(collector)
        self._ordered.remove(collector)

    def collectors(self) -> list[Collector]:
        return list(self._ordered)


async def render(parts: list[Collector], encoder: Callable[[Collector], bytes], openmetrics: bool) -> bytes:
    """Exporters that can write their own text do (fast), letting the event loop run other work
    (ingest) every few milliseconds; the rest go through prometheus-client's encoder, last, so
    OpenMetrics' closing `# EOF` ends the page."""
    texts = []
    for part in parts:
        if not hasattr(part, "render_steps"):
            continue
        steps = part.render_steps(openmetrics)
        mark = time.perf_counter()
        while True:
            try:
                next(steps)
            except StopIteration as done:
                texts.append(done.value)
                break
            if time.perf_counter() - mark > PAUSE_EVERY:
                await asyncio.sleep(0)
                mark = time.perf_counter()
    rest = _Chain(p for p in parts if not hasattr(p, "render_steps"))
    return "".join(texts).encode("utf-8") + encoder(rest)


def metrics_handler(registry: CollectorRegistry):  # noqa: ANN201 - an aiohttp handler
    async def metrics(request: web.Request) -> web.Response:
        encoder, content_type = choose_encoder(",".join(request.headers.getall("Accept", [])))
        if isinstance(registry, ExpositionRegistry):
            output = await render(registry.collectors(), encoder, content_type.startswith(OPENMETRICS))
        else:
            output = encoder(registry)
        response = web.Response(body=output, headers={"Content-Type": content_type})
        response.enable_compression()
        return response

    return metrics
