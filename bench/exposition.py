"""Why `/metrics` writes its large families itself: the same samples through prometheus-client.

A store of 100,000 live series (1,000 targets × 100 outlet readings) is exposed both ways from the
one emitter of `ReadingsExporter`: as text by our `TextSink` (what `/metrics` serves) and by
prometheus-client's `generate_latest` over the exporter's `collect` (its Collector protocol),
alternating rounds, medians. Prints:

    BENCH exposition series=100000 text_ms=<ours> prometheus_client_ms=<theirs> ratio=<theirs/ours>

Environment: EXPOSITION_SERIES (100000), EXPOSITION_ROUNDS (3), EXPOSITION_PER_TARGET (100).
"""

from __future__ import annotations

import asyncio
import os
import random

from prometheus_client.exposition import generate_latest

from bench.harness import alternate, median, write_result
from collector.exporter import ReadingsExporter
from collector.exposition import ExpositionRegistry, render
from collector.store import SeriesStore
from tierwatch_common.models import Batch, Outcome, Reading

PER_TARGET = int(os.environ.get("EXPOSITION_PER_TARGET", "100"))


def filled_store(series: int, now: float = 1_764_000_000.0) -> SeriesStore:
    """`series` live series: targets of PER_TARGET outlet power readings each, one batch per target."""
    rng = random.Random(series)
    store = SeriesStore(min_ttl=1e9)
    for t in range(max(1, series // PER_TARGET)):
        target = f"pdu-{t:05d}"
        readings = [Reading(target, "tierwatch_pdu_outlet_power_watts", (("outlet", str(k)),),
                            round(rng.uniform(0, 500), 2), now) for k in range(PER_TARGET)]
        store.apply(Batch(f"agent-{t // 100:03d}", t, now, 30.0, [Outcome(target, "ok", now, 0.2, 30.0, PER_TARGET,
                                                                        "ok")], readings), now=now)
    return store


def main() -> int:
    series = int(os.environ.get("EXPOSITION_SERIES", "100000"))
    rounds = int(os.environ.get("EXPOSITION_ROUNDS", "3"))
    store = filled_store(series)
    ours = ExpositionRegistry()
    ours.expose(ReadingsExporter(store, clock=lambda: 1_764_000_000.0))
    text = asyncio.run(render(ours, generate_latest, openmetrics=False))
    theirs = generate_latest(ours)
    assert text.count(b"\n") == theirs.count(b"\n"), (text.count(b"\n"), theirs.count(b"\n"))

    def ours_once() -> None:
        asyncio.run(render(ours, generate_latest, openmetrics=False))

    figures = alternate(rounds, {"text": ours_once, "prometheus_client": lambda: generate_latest(ours) and None})
    ms = {k: median(v) * 1000 for k, v in figures.items()}
    line = (f"BENCH exposition series={store.live_series} text_ms={ms['text']:.1f} "
            f"prometheus_client_ms={ms['prometheus_client']:.1f} ratio={ms['prometheus_client'] / ms['text']:.2f}")
    write_result("exposition", [line], {"rounds": rounds, "seconds": figures})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
