"""What every benchmark shares: alternating rounds with medians, result files, the peers' processes.

A figure is measured side by side with its peer in the same run: rounds alternate between the
two (so a busy neighbour on a shared machine slows both alike), and the median of each side is
reported, with the ratio. Each benchmark writes `bench/results/<name>.json` and prints its
`BENCH <name> key=value ...` lines.
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "results"


def alternate(rounds: int, sides: dict[str, Callable[[], float | None]]) -> dict[str, list[float]]:
    """Run each side once per round, in turn; a side returns its figure (or None to time the call)."""
    figures: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, run in sides.items():
            started = time.perf_counter()
            got = run()
            figures[name].append(time.perf_counter() - started if got is None else got)
    return figures


def median(values: list[float]) -> float:
    return statistics.median(values)


def write_result(name: str, lines: list[str], data: dict[str, Any]) -> None:
    """Print the BENCH lines and keep them with the raw figures in bench/results/<name>.json."""
    for line in lines:
        print(line, flush=True)
    RESULTS.mkdir(exist_ok=True)
    record = {"bench": name, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "host": platform.node(),
              "python": platform.python_version(), "lines": lines, **data}
    (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
