"""/metrics: one scrape of tierwatch's collector against one of Debian's Pushgateway, side by side.

Each peer holds `series_live` series (1,000-series pushes, as in bench/ingest.py); rounds alternate
one scrape of each, asking as Prometheus does for text 0.0.4, without compression (the `metrics_gzip`
line is the same scrape with `Accept-Encoding: gzip`). Median of the rounds. Prints:

    BENCH metrics series_live=10000 tierwatch_ms=<..> pushgateway_ms=<..> ratio=<tierwatch/pushgateway>
    BENCH metrics_gzip series_live=10000 tierwatch_ms=<..> pushgateway_ms=<..> ratio=<..>

Environment: METRICS_SIZES (10000,100000), METRICS_ROUNDS (5).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from bench.harness import Held, alternate, median, scrape, write_result


def measure(series_live: int, rounds: int) -> dict[str, list[float]]:
    work = Path(tempfile.mkdtemp(prefix="tierwatch-bench-metrics-"))
    try:
        with Held(work, series_live) as held:
            for url in (held.tw_url, held.pg_url):
                scrape(url)  # a first scrape of each warms caches
            sides = {"tierwatch": lambda: scrape(held.tw_url)[0], "pushgateway": lambda: scrape(held.pg_url)[0],
                     "gzip_tierwatch": lambda: scrape(held.tw_url, gzip=True)[0],
                     "gzip_pushgateway": lambda: scrape(held.pg_url, gzip=True)[0]}
            return alternate(rounds, sides)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    sizes = [int(s) for s in os.environ.get("METRICS_SIZES", "10000,100000").split(",")]
    rounds = int(os.environ.get("METRICS_ROUNDS", "5"))
    lines, data = [], {}
    for size in sizes:
        seconds = measure(size, rounds)
        ms = {k: median(v) * 1000 for k, v in seconds.items()}
        lines.append(f"BENCH metrics series_live={size} tierwatch_ms={ms['tierwatch']:.1f} "
                     f"pushgateway_ms={ms['pushgateway']:.1f} ratio={ms['tierwatch'] / ms['pushgateway']:.2f}")
        lines.append(f"BENCH metrics_gzip series_live={size} tierwatch_ms={ms['gzip_tierwatch']:.1f} "
                     f"pushgateway_ms={ms['gzip_pushgateway']:.1f} "
                     f"ratio={ms['gzip_tierwatch'] / ms['gzip_pushgateway']:.2f}")
        data[str(size)] = seconds
    write_result("metrics", lines, {"rounds": rounds, "seconds": data})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
