"""Collector memory with a million live series: resident set size of the collector process.

1,000 simulated agents push 1,000 series each (one push per agent, as in bench/ingest.py); the
RSS is read from /proc once every series is held, then again after one scrape of the whole page
(about 100 MB of text). Prints:

    BENCH collector_rss series_live=1000000 mib=<after ingest>
    BENCH collector_rss_detail series_live=1000000 baseline_mib=<..> after_scrape_mib=<..> bytes_per_series=<..>

Environment: RSS_SERIES (1000000).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from bench.harness import PUSH_SERIES, Pusher, rss_mib, scrape, start_tierwatch, write_result


def main() -> int:
    series = int(os.environ.get("RSS_SERIES", "1000000"))
    agents = max(1, series // PUSH_SERIES)
    work = Path(tempfile.mkdtemp(prefix="tierwatch-bench-rss-"))
    proc, url = start_tierwatch(work, agents)
    try:
        baseline = rss_mib(proc.popen.pid)
        pusher = Pusher(url, url)
        for agent in range(agents):
            pusher.tierwatch(agent)
        pusher.close()
        held = rss_mib(proc.popen.pid)
        seconds, size = scrape(url)
        after = rss_mib(proc.popen.pid)
    finally:
        proc.stop()
        shutil.rmtree(work, ignore_errors=True)
    per_series = (held - baseline) * 1024 * 1024 / (agents * PUSH_SERIES)
    lines = [f"BENCH collector_rss series_live={agents * PUSH_SERIES} mib={held:.0f}",
             f"BENCH collector_rss_detail series_live={agents * PUSH_SERIES} baseline_mib={baseline:.0f} "
             f"after_scrape_mib={after:.0f} bytes_per_series={per_series:.0f}"]
    write_result("collector_rss", lines, {"baseline_mib": baseline, "held_mib": held, "after_scrape_mib": after,
                                           "scrape_seconds": seconds, "scrape_bytes": size})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
