"""`make chaos-ha` in its short form: each collector of the pair killed in turn, an agent cut off, an
agent's clock two minutes behind; nothing lost, no unknown time left, no gap, equal availability."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.peers.processes import ROOT

pytestmark = pytest.mark.integration


def test_a_short_ha_chaos_run_ends_with_everything_applied_twice_and_no_unknown_time() -> None:
    env = {**os.environ, "CHAOS_SECONDS": os.environ.get("CHAOS_HA_SECONDS", "40")}
    run = subprocess.run([sys.executable, "-m", "bench.chaos_ha"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    last = run.stdout.strip().splitlines()[-1]
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    fields = dict(pair.split("=") for pair in last.removeprefix("chaos-ha: ").split())
    assert int(fields["produced"]) == int(fields["applied_a"]) == int(fields["applied_b"]) > 1000
    assert float(fields["survivor_unknown_s"]) == 0 and float(fields["repaired_unknown_s"]) == 0
    assert fields["vm_gaps"] == "0" and fields["availability_equal"] == "yes"
    assert "collector a SIGKILLed" in run.stdout and "collector b SIGKILLed" in run.stdout
    assert "ha-cut cut off" in run.stdout
