"""Benchmark of the availability engine (not a test): scrape cost, window-length cost, load time.

    .venv/bin/python -m bench.availability [--services 10000] [--transitions 1000000]

Prints on stdout exactly::

    BENCH availability_scrape services=10000 windows=7 ms=<median>
    BENCH availability_window_cost ratio=<365d time / 1h time>
    BENCH availability_load transitions=1000000 s=<median>

and details on stderr. Targets: scrape ≤ 50 ms on one core, ratio within 1 ± 0.1, load ≤ 5 s.

The history is deliberately unfriendly: every service alternates between ok and a random
other state (down, degraded, unknown, some under maintenance) at uniformly random instants
over 400 days. Scrapes are 15 s apart, as Prometheus would send them; the first (cold) one,
which positions every window from scratch, is reported on stderr.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from collector.availability.engine import AvailabilityEngine
from collector.availability.records import FlushBatch
from collector.availability.restore import open_engine
from collector.availability.settings import AvailabilitySettings
from collector.availability.store import AvailabilityStore
from collector.availability.timeline import MAINT
from collector.availability.vocabulary import DEGRADED, DOWN, OK, UNKNOWN
from tierwatch_common.logs import setup_logging

DAY = 86400.0
SPAN = 400 * DAY
SCRAPE_EVERY = 15.0
NOW = 1_780_000_000.0


def build_store(path: Path, services: int, transitions: int, seed: int = 7) -> None:
    """A store holding ``transitions`` over ``services`` targets, the last heartbeat at NOW."""
    rng = random.Random(seed)
    per = transitions // services
    rows: list[tuple[str, float, int, str]] = []
    meta: list[tuple[str, str, float, float, float, float]] = []
    bad = (DOWN, DEGRADED, UNKNOWN, MAINT + OK, MAINT + DOWN)
    for s in range(services):
        name = f"svc-{s:05d}"
        times = sorted(rng.uniform(NOW - SPAN, NOW - 60) for _ in range(per))
        for i, t in enumerate(times):
            rows.append((name, t, OK if i % 2 == 0 else rng.choice(bad), ""))
        meta.append((name, "target", times[0], NOW - 1, 3600.0, NOW - 1))
    store = AvailabilityStore(path)
    store.open()
    store.write(FlushBatch(heartbeat=NOW, rows=rows, services=meta, windows={}))
    store.close()


def load(path: Path, settings: AvailabilitySettings) -> tuple[AvailabilityEngine, float, int]:
    began = time.perf_counter()
    store = AvailabilityStore(path)
    store.open()
    loaded = store.load(settings.recent_transitions)
    engine = AvailabilityEngine(settings, clock=lambda: NOW)
    open_engine(engine, loaded, now=NOW)
    store.close()
    return engine, time.perf_counter() - began, loaded.transitions


def scrapes(engine: AvailabilityEngine, count: int) -> tuple[float, list[float]]:
    """Cold first computation, then ``count`` scrapes 15 s apart; times in seconds."""
    now = NOW
    began = time.perf_counter()
    engine.compute(now)
    cold = time.perf_counter() - began
    times = []
    for _ in range(count):
        now += SCRAPE_EVERY
        began = time.perf_counter()
        engine.compute(now)
        times.append(time.perf_counter() - began)
    return cold, times


def alternating(engines: dict[str, AvailabilityEngine], count: int) -> dict[str, float]:
    """Median scrape time of each engine, scraped in turn at the same instants."""
    times: dict[str, list[float]] = {name: [] for name in engines}
    now = NOW
    for engine in engines.values():
        engine.compute(now)
    for _ in range(count):
        now += SCRAPE_EVERY
        for name, engine in engines.items():
            began = time.perf_counter()
            engine.compute(now)
            times[name].append(time.perf_counter() - began)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--transitions", type=int, default=1_000_000)
    parser.add_argument("--scrapes", type=int, default=41)
    parser.add_argument("--loads", type=int, default=3)
    args = parser.parse_args(argv)
    setup_logging("error", json=True, stream=sys.stderr)

    def note(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="tierwatch-bench-") as tmp:
        path = Path(tmp) / "availability.sqlite"
        began = time.perf_counter()
        build_store(path, args.services, args.transitions)
        note(f"built {args.transitions} transitions for {args.services} services "
             f"in {time.perf_counter() - began:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")

        full = AvailabilitySettings()
        engine_loads = [load(path, full) for _ in range(args.loads)]
        load_times = [seconds for _, seconds, _ in engine_loads]
        engine, _, count = engine_loads[-1]
        gc.collect()
        note(f"load: {', '.join(f'{s:.2f}' for s in load_times)} s")

        cold, warm = scrapes(engine, args.scrapes)
        windows = len(full.windows)
        note(f"scrape: cold {cold * 1000:.1f} ms, warm median {statistics.median(warm) * 1000:.1f} ms, "
             f"max {max(warm) * 1000:.1f} ms over {len(warm)} scrapes")

        del engine_loads
        one_window = {name: load(path, AvailabilitySettings.model_validate({"windows": [spec]}))[0]
                      for name, spec in (("1h", {"name": "1h", "rolling": "1h"}),
                                         ("365d", {"name": "365d", "rolling": "365d"}))}
        gc.collect()
        costs = alternating(one_window, args.scrapes)
        for name, cost in costs.items():
            note(f"window {name} alone: warm median {cost * 1000:.2f} ms")

    print(f"BENCH availability_scrape services={len(engine.services)} windows={windows} "
          f"ms={statistics.median(warm) * 1000:.1f}")
    print(f"BENCH availability_window_cost ratio={costs['365d'] / costs['1h']:.3f}")
    print(f"BENCH availability_load transitions={count} s={statistics.median(load_times):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
