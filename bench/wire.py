"""Batch validation: the wire model against the hand-written validator it replaced.

The hand-written validator is loaded from the project's own history (the last commit that had it),
so both are measured side by side in one run on one 5,000-reading batch (50 targets, 100 readings
each, one or two labels). Prints:

    BENCH wire_validate readings=5000 ms=<model> hand_written_ms=<old> speedup=<old/model>

(the hand-written figure is left out when the history is not at hand, e.g. in a shallow clone).
Environment: WIRE_ROUNDS (15).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

from bench.harness import alternate, median, write_result
from tierwatch_common.wire import validate_batch

ROOT = Path(__file__).resolve().parents[1]
HAND_WRITTEN_AT = "e9a467fb85934a68529c2ad51bb8a1ffcdbbe93a"  # the last commit whose tierwatch_common/wire.py validated by hand
READINGS = 5000


def sample_batch(readings: int = READINGS, seed: int = 5000) -> dict[str, Any]:
    rng = random.Random(seed)
    now = 1_764_000_000.0
    targets = [f"pdu-{i:03d}" for i in range(50)]
    return {"version": 1, "agent": "row-a-01", "seq": 1842, "sent_at": now, "interval": 15.0,
            "metrics": {f"tierwatch_pdu_m{i}_watts": {"type": "gauge", "help": "Outlet power."} for i in range(5)},
            "outcomes": [{"target": t, "status": "ok", "started_at": now, "duration": 0.2, "interval": 30.0,
                          "readings": readings // 50, "health": "ok", "reason": "", "varbinds": readings // 50}
                         for t in targets],
            "readings": [{"target": targets[i % 50], "metric": f"tierwatch_pdu_m{i % 5}_watts",
                          "labels": {"outlet": str(i % 24), "phase": str(i % 3)} if i % 4 else {"phase": "1"},
                          "value": rng.uniform(0, 500), "ts": now + i * 1e-3} for i in range(readings)]}


def hand_written() -> Any | None:
    """`validate_batch` of the hand-written validator, from git history, or None."""
    try:
        source = subprocess.run(["git", "show", f"{HAND_WRITTEN_AT}:tierwatch_common/wire.py"], cwd=ROOT,
                                capture_output=True, text=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    module = types.ModuleType("hand_written_wire")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, "hand_written_wire.py", "exec"), module.__dict__)  # noqa: S102 - our own past code
    return module.validate_batch


def main() -> int:
    rounds = int(os.environ.get("WIRE_ROUNDS", "15"))
    batch = sample_batch()
    new, problems = validate_batch(batch)
    assert new is not None and not problems, problems
    old = hand_written()
    sides: dict[str, Any] = {"model": lambda: validate_batch(batch) and None}
    if old is not None:
        ref, ref_problems = old(batch)
        assert not ref_problems and len(ref.readings) == len(new.readings)
        sides["hand_written"] = lambda: old(batch) and None
    figures = alternate(rounds, sides)
    ms = {k: median(v) * 1000 for k, v in figures.items()}
    line = f"BENCH wire_validate readings={READINGS} ms={ms['model']:.2f}"
    if "hand_written" in ms:
        line += f" hand_written_ms={ms['hand_written']:.2f} speedup={ms['hand_written'] / ms['model']:.2f}"
    write_result("wire", [line], {"rounds": rounds, "ms": figures})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
