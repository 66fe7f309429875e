"""`/metrics` that stays short for the event loop, so ingest keeps flowing during a scrape.

The large exporters (the latest-value store, the availability engine) are `Exposable`: one
emitter writes their samples into a sink (collector.textformat). Here it is a `TextSink`, which
writes the exposition text directly, several times faster than prometheus-client's per-sample
formatting (`bench/exposition.py` measures both); the small rest (the collector's own counters
and histograms) goes through prometheus-client. Rendering stays on the event loop, in steps:
every few milliseconds it lets the loop apply waiting batches (measured under ingest load, a
worker thread made things worse: the loop then waits for the GIL at every socket call).
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.core import Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.openmetrics.exposition import CONTENT_TYPE_LATEST as OPENMETRICS_TYPE
from prometheus_client.registry import Collector

from collector.textformat import Sink, TextSink

OPENMETRICS = OPENMETRICS_TYPE.split(";")[0]
PAUSE_EVERY = 0.005  # seconds of rendering between two chances for the loop to serve others


class Exposable(Protocol):
    """An exporter with one emitter (see collector.textformat) and the Collector protocol."""

    def emit(self, sink: Sink) -> Iterator[None]: ...

    def collect(self) -> Iterable[Metric]: ...


class _Chain(Collector):
    def __init__(self, parts: Iterable[Collector]) -> None:
        self._parts = list(parts)

    def collect(self) -> Iterator[Metric]:
        for part in self._parts:
            yield from part.collect()


class ExpositionRegistry(CollectorRegistry):
    """A registry whose large exporters are `expose`d: a scrape writes them as text directly.
    Every collector, exposed or registered, still answers prometheus-client's `collect`."""

    def __init__(self) -> None:
        super().__init__(auto_describe=False)
        self._ordered: list[Collector] = []
        self._exposed: dict[int, dict] = {}  # id(exporter) -> its label cache, kept across scrapes

    def register(self, collector: Collector) -> None:
        super().register(collector)
        self._ordered.append(collector)

    def expose(self, exporter: Exposable) -> None:
        self.register(exporter)  # type: ignore[arg-type]
        self._exposed[id(exporter)] = {}

    def unregister(self, collector: Collector) -> None:
        super().unregister(collector)
        self._ordered.remove(collector)
        self._exposed.pop(id(collector), None)

    def exposed(self) -> list[tuple[Exposable, dict]]:
        return [(c, self._exposed[id(c)]) for c in self._ordered if id(c) in self._exposed]  # type: ignore[misc]

    def others(self) -> list[Collector]:
        return [c for c in self._ordered if id(c) not in self._exposed]


def expose(registry: CollectorRegistry, exporter: Exposable) -> None:
    """Register a large exporter: written directly as text by an ExpositionRegistry, through its
    `collect` by any other registry."""
    if isinstance(registry, ExpositionRegistry):
        registry.expose(exporter)
    else:
        registry.register(exporter)  # type: ignore[arg-type]


async def render(registry: ExpositionRegistry, encoder: Callable[[Collector], bytes], openmetrics: bool) -> bytes:
    """The whole page in one piece (see `render_chunks`)."""
    return b"".join(await render_chunks(registry, encoder, openmetrics))


async def render_chunks(registry: ExpositionRegistry, encoder: Callable[[Collector], bytes],
                        openmetrics: bool) -> list[bytes]:
    """The exposed exporters' text, written directly (letting the event loop run other work, such
    as ingest, every few milliseconds), then the rest through prometheus-client's encoder, last,
    so OpenMetrics' closing `# EOF` ends the page. In pieces, in order."""
    texts: list[bytes] = []
    for exporter, cache in registry.exposed():
        sink = TextSink(openmetrics, cache)
        steps = exporter.emit(sink)
        mark = time.perf_counter()
        try:
            for _ in steps:
                if time.perf_counter() - mark > PAUSE_EVERY:
                    await asyncio.sleep(0)
                    mark = time.perf_counter()
        finally:
            steps.close()  # type: ignore[attr-defined]  (a scrape cancelled midway ends its emitter now)
        texts.extend(sink.chunks())
    texts.append(encoder(_Chain(registry.others())))
    return texts


async def gzipped(chunks: list[bytes]) -> bytes:
    """The page gzip'd at level 1: level 6 (aiohttp's) costs about 3 times the CPU for a page 15 %
    smaller. On the loop, a piece at a time, letting other work run every PAUSE_EVERY seconds:
    compressing in a worker thread instead delayed other requests (healthz up to 200 ms under
    bench-load) as the thread and the loop handed the GIL to each other."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    out: list[bytes] = []
    mark = time.perf_counter()
    for chunk in chunks:
        for start in range(0, len(chunk), 1 << 18):
            out.append(compressor.compress(chunk[start:start + (1 << 18)]))
            if time.perf_counter() - mark > PAUSE_EVERY:
                await asyncio.sleep(0)
                mark = time.perf_counter()
    out.append(compressor.flush())
    return b"".join(out)


def metrics_handler(registry: CollectorRegistry):  # noqa: ANN201 - an aiohttp handler
    async def metrics(request: web.Request) -> web.Response:
        encoder, content_type = choose_encoder(",".join(request.headers.getall("Accept", [])))
        if not isinstance(registry, ExpositionRegistry):
            response = web.Response(body=encoder(registry), headers={"Content-Type": content_type})
            response.enable_compression()
            return response
        chunks = await render_chunks(registry, encoder, content_type.startswith(OPENMETRICS))
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            body = await gzipped(chunks)
            return web.Response(body=body, headers={"Content-Type": content_type, "Content-Encoding": "gzip",
                                                    "Vary": "Accept-Encoding"})
        stream = web.StreamResponse(headers={"Content-Type": content_type})
        stream.enable_compression()
        if "deflate" not in request.headers.get("Accept-Encoding", ""):
            stream.content_length = sum(len(c) for c in chunks)
        await stream.prepare(request)
        for chunk in chunks:  # the pieces go out as they are: no joined copy of a large page
            await stream.write(chunk)
        await stream.write_eof()
        return stream

    return metrics
