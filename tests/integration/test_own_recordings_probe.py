"""`tierwatch-agent probe` on the device recordings of our own (tests/data: Supermicro BMC and
SuperDoctor, Rittal CMC III, APC InRow RC and NetworkAIR FM), served by snmpsim across the real
wire: each selects its profile by itself and reads a value in base units and its health."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.peers.snmpsim import RESPONDER, SnmpsimPeer

pytestmark = [pytest.mark.integration]

PROJECT = Path(__file__).resolve().parents[2]
DATA = PROJECT / "tests" / "data"

# recording → (profile it must select, metric, labels it must carry, value, health)
CASES = {
    "supermicro-bmc": ("supermicro-bmc", "tierwatch_server_power_supply_input_voltage_volts", {"supply": "1"},
                       229.5, "degraded"),
    "supermicro-superdoctor": ("supermicro-superdoctor", "tierwatch_server_voltage_volts", {"sensor": "12V"},
                               12.096, "degraded"),
    "rittal-cmc3": ("rittal-cmc3", "tierwatch_cooling_temperature_celsius", {"unit": "2", "sensor": "Temperature.Value"},
                    23.5, "degraded"),
    "apc-air-irrc": ("apc-air-irrc", "tierwatch_cooling_return_air_temperature_celsius", {"unit": "1"}, 33.8, "ok"),
    "apc-air-fm": ("apc-air-fm", "tierwatch_cooling_supply_air_temperature_celsius", {"unit": "2"}, 14.8, "degraded"),
}


@pytest.fixture(scope="module")
def own_snmpsim():
    if not RESPONDER.exists():
        pytest.skip(f"snmpsim is not installed at {RESPONDER}; run: bash scripts/setup.sh --with-debs")
    peer = SnmpsimPeer(data_dir=DATA, ready_community="rittal-cmc3").start(ready_timeout=30)
    try:
        yield peer
    finally:
        peer.stop()


@pytest.mark.parametrize("recording", sorted(CASES))
def test_probe_selects_the_profile_of_our_own_recording_and_reads_it_in_base_units(own_snmpsim, recording):
    profile, metric, labels, value, health = CASES[recording]
    done = subprocess.run([sys.executable, "-m", "agent.cli", "probe", f"127.0.0.1:{own_snmpsim.port}",
                           "--community", recording, "--format", "json", "--timeout", "30"],
                          cwd=PROJECT, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    assert out["status"] == "ok" and profile in out["profiles"], out["profiles"]
    assert out["health"] == health, out.get("reason")
    got = [r["value"] for r in out["readings"]
           if r["metric"] == metric and all(r["labels"].get(k) == v for k, v in labels.items())]
    assert got == [pytest.approx(value)], got
