"""Benchmark (not a test): the availability exporter's /metrics text, kept lines against a
from-scratch render of the same engine at the same instants.

    .venv/bin/python -m bench.availability_metrics [--services 1000] [--scrapes 21]

Prints on stdout::

    BENCH availability_metrics services=1000 ms=<kept lines, median> from_scratch_ms=<median>
          ratio=<ms / from_scratch_ms> lines=<per scrape>

(one line).

The fleet is the shape of a site: every target polled every 30 s and answering, a few percent
with an outage in the last hour (their ratios move at every scrape), one percent down now, groups
of two in redundancy over some; scrapes 15 s apart, as Prometheus sends them. Both renderings
run in turn at each instant (alternating which goes first) and their texts are checked equal.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time

from collector.availability.engine import AvailabilityEngine
from collector.availability.exporter import AvailabilityExporter
from collector.availability.restore import open_engine
from collector.availability.settings import AvailabilitySettings
from collector.textformat import TextSink
from tierwatch_common.logs import setup_logging

NOW = 1_780_000_000.0
POLL = 30.0
SCRAPE_EVERY = 15.0
_COMPUTE = re.compile(rb"^tierwatch_availability_compute_duration_seconds .*$", re.M)


def build(services: int, seed: int = 11) -> tuple[AvailabilityEngine, list[float], list[str]]:
    """`services` services: four fifths targets, a group of two over each pair of the first
    two fifths; two hours of history."""
    rng = random.Random(seed)
    names = [f"pdu-{i:05d}" for i in range(services - services // 5)]
    groups = {f"rack-{i:05d}": {"any_of": [names[2 * i], names[2 * i + 1]]} for i in range(services // 5)}
    clock = [NOW - 7200.0]
    engine = AvailabilityEngine(AvailabilitySettings.model_validate({"groups": groups}), clock=lambda: clock[0])
    open_engine(engine, now=clock[0])
    outage = {name for name in names if rng.random() < 0.05}
    down_now = {name for name in names if rng.random() < 0.01}
    t = clock[0]
    while t < NOW:                                   # one outcome per target every 30 s
        t += POLL
        clock[0] = t
        for name in names:
            failing = (name in outage and NOW - 3000 < t < NOW - 2800) or (name in down_now and t > NOW - 600)
            engine.observe(name, t - rng.random(), "timeout" if failing else "ok", "ok", "", 3 * POLL)
    return engine, clock, names


def render(exporter: AvailabilityExporter) -> tuple[float, bytes]:
    began = time.perf_counter()
    sink = TextSink()
    for _ in exporter.emit(sink):
        pass
    text = sink.text()
    return time.perf_counter() - began, text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--scrapes", type=int, default=21)
    args = parser.parse_args(argv)
    setup_logging("error", json=True, stream=sys.stderr)
    began = time.perf_counter()
    engine, clock, names = build(args.services)
    print(f"availability_metrics: built {len(engine.services)} services, {engine.transitions} transitions "
          f"in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    kept = AvailabilityExporter(engine)
    scratch = AvailabilityExporter(engine, from_scratch=True)
    render(kept)                                    # the first scrape renders every line: not counted
    times: dict[str, list[float]] = {"kept": [], "scratch": []}
    rng = random.Random(5)
    lines = 0
    for round_ in range(args.scrapes):
        clock[0] += SCRAPE_EVERY                    # half the targets report between two scrapes
        for name in names[round_ % 2::2]:
            engine.observe(name, clock[0] - rng.random(), "ok", "ok", "", 3 * POLL)
        order = [("kept", kept), ("scratch", scratch)]
        texts = {}
        for label, exporter in (order if round_ % 2 == 0 else order[::-1]):
            seconds, texts[label] = render(exporter)
            times[label].append(seconds)
        if _COMPUTE.sub(b"", texts["kept"]) != _COMPUTE.sub(b"", texts["scratch"]):
            print("availability_metrics: kept lines differ from the from-scratch render", file=sys.stderr)
            return 1
        lines = texts["kept"].count(b"\n")
    ms, scratch_ms = (statistics.median(times[k]) * 1000 for k in ("kept", "scratch"))
    print(f"availability_metrics: kept {', '.join(f'{t * 1000:.1f}' for t in times['kept'])} ms", file=sys.stderr)
    print(f"BENCH availability_metrics services={len(engine.services)} ms={ms:.1f} from_scratch_ms={scratch_ms:.1f} "
          f"ratio={ms / scratch_ms:.3f} lines={lines}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
