"""`make chaos` in its short form: collector and agents killed, network cut, answers lost; nothing lost
or applied twice."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.peers.processes import ROOT

pytestmark = pytest.mark.integration


def test_a_short_chaos_run_loses_nothing_and_applies_nothing_twice() -> None:
    env = {**os.environ, "CHAOS_SECONDS": os.environ.get("CHAOS_SECONDS", "40")}
    run = subprocess.run([sys.executable, "-m", "bench.chaos"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=240)
    lines = run.stdout.strip().splitlines()
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    last = lines[-1]
    assert last.startswith("chaos: produced=") and " lost=0 duplicated=0" in last, last
    produced = int(last.split("produced=")[1].split()[0])
    applied = int(last.split("applied=")[1].split()[0])
    assert produced == applied > 1000
    detail = lines[-2]
    assert "collector_killed" in detail and "network_cut" in detail and "answers_lost" in detail
    assert "chaos-a_killed" in detail and "chaos-b_killed" in detail
    print(detail, last, sep="\n")
