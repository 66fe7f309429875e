"""Ingest: series per second into tierwatch's collector and into Debian's Pushgateway, side by side.

Each peer first holds `series_live` series (one 1,000-series push per agent/group); then rounds
alternate between the peers, each round re-pushing every agent's 1,000 series once more (new
values, the same series) one push at a time over one kept-alive connection, so the number held
stays `series_live`. The figure is series pushed per second of wall time, median of the rounds.
Prints, for 10k and 100k live series:

    BENCH ingest series_live=10000 tierwatch=<series/s> pushgateway=<series/s> ratio=<tierwatch/pushgateway>

Environment: INGEST_SIZES (10000,100000), INGEST_ROUNDS (5), INGEST_PUSHES (pushes per round per
peer, default: every agent at 10k, 10 at 100k).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.harness import PUSH_SERIES, Held, median, write_result


def measure(series_live: int, rounds: int, pushes: int | None) -> dict[str, list[float]]:
    work = Path(tempfile.mkdtemp(prefix="tierwatch-bench-ingest-"))
    try:
        with Held(work, series_live) as held:
            count = pushes or min(held.agents, 10)
            rates: dict[str, list[float]] = {"tierwatch": [], "pushgateway": []}
            for r in range(1, rounds + 1):
                for name, push in (("tierwatch", held.pusher.tierwatch), ("pushgateway", held.pusher.pushgateway)):
                    started = time.perf_counter()
                    for i in range(count):
                        push((r * count + i) % held.agents, r)
                    rates[name].append(count * PUSH_SERIES / (time.perf_counter() - started))
            return rates
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    sizes = [int(s) for s in os.environ.get("INGEST_SIZES", "10000,100000").split(",")]
    rounds = int(os.environ.get("INGEST_ROUNDS", "5"))
    pushes = int(os.environ["INGEST_PUSHES"]) if os.environ.get("INGEST_PUSHES") else None
    lines, data = [], {}
    for size in sizes:
        rates = measure(size, rounds, pushes)
        tw, pg = median(rates["tierwatch"]), median(rates["pushgateway"])
        lines.append(f"BENCH ingest series_live={size} tierwatch={tw:.0f} pushgateway={pg:.0f} ratio={tw / pg:.2f}")
        data[str(size)] = rates
    write_result("ingest", lines, {"rounds": rounds, "series_per_push": PUSH_SERIES, "series_per_s": data})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
