"""`tierwatch-agent probe` picks every recording's profiles by itself, run as a real process.

For each recording in ../shared/devices (served by the snmpsim session fixture, community = the
recording's name), `tierwatch-agent probe 127.0.0.1:PORT --format json` without `--profile` must
select exactly the profiles listed for it in tests/data/probe-expected-profiles.yaml. The probes
run a few at a time; every mismatch is reported at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tests.shared_devices import SNMPREC_DIR, requires_shared_devices

pytestmark = [pytest.mark.integration, pytest.mark.shared, requires_shared_devices]

PROJECT = Path(__file__).resolve().parents[2]
EXPECTED_FILE = PROJECT / "tests" / "data" / "probe-expected-profiles.yaml"
RECORDINGS = sorted(p.stem for p in SNMPREC_DIR.glob("*.snmprec")) if SNMPREC_DIR.is_dir() else []
PARALLEL = 4  # probe processes at a time: snmpsim answers one request after the other anyway


def expected_profiles() -> dict[str, list[str]]:
    data = yaml.safe_load(EXPECTED_FILE.read_text()) or {}
    assert isinstance(data, dict), f"{EXPECTED_FILE}: a mapping recording → [profiles]"
    for device, names in data.items():
        assert isinstance(names, list) and all(isinstance(n, str) for n in names), \
            f"{EXPECTED_FILE}: {device}: give a list of profile names"
    return data


def probe_profiles(port: int, device: str) -> tuple[str, list[str] | str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERWATCH_SNMP_")}
    done = subprocess.run([sys.executable, "-m", "agent.cli", "probe", f"127.0.0.1:{port}", "--community", device,
                           "--format", "json", "--timeout", "60"],
                          cwd=PROJECT, capture_output=True, text=True, timeout=120, env=env)
    if done.returncode != 0:
        return device, f"exit {done.returncode}: {done.stderr.strip()[-300:]}"
    out = json.loads(done.stdout)
    if out["status"] != "ok":
        return device, f"poll {out['status']}: {out['reason']}"
    return device, out["profiles"]


def test_every_recording_has_its_expected_profiles_listed():
    listed = set(expected_profiles())
    assert len(RECORDINGS) >= 24, f"only {len(RECORDINGS)} recordings in {SNMPREC_DIR}"
    assert not set(RECORDINGS) - listed, f"recordings without a line in {EXPECTED_FILE.name}: " \
                                         f"{sorted(set(RECORDINGS) - listed)}"
    assert not listed - set(RECORDINGS), f"lines for recordings that do not exist: {sorted(listed - set(RECORDINGS))}"


def test_probe_selects_exactly_the_expected_profiles_for_every_recording_by_itself(snmpsim):
    expected = expected_profiles()
    devices = [d for d in RECORDINGS if d in expected]
    with ThreadPoolExecutor(PARALLEL) as pool:
        got = dict(pool.map(lambda d: probe_profiles(snmpsim.port, d), devices))
    wrong = {d: (sorted(expected[d]), got[d]) for d in devices if got[d] != sorted(expected[d])}
    table = "\n".join(f"  {d:40} expected {want}, probe selected {have}" for d, (want, have) in sorted(wrong.items()))
    assert not wrong, f"{len(wrong)} of {len(devices)} recordings got other profiles:\n{table}"
