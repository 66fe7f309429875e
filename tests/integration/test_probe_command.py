"""`tierwatch-agent probe` against snmpsim-served recordings, run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shared_devices import requires_shared_devices

pytestmark = [pytest.mark.integration, pytest.mark.shared, requires_shared_devices]

PROJECT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent.cli", "probe", *args], cwd=PROJECT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})})


def test_probe_prints_profiles_and_readings_with_their_oids_as_json(snmpsim):
    done = run(f"127.0.0.1:{snmpsim.port}", "--format", "json", env={"TIERWATCH_SNMP_COMMUNITY": "netmanplus_204"})
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["sysObjectID"] == "1.3.6.1.4.1.5491.304"
    assert "ups-mib" in out["profiles"]
    charge = [r for r in out["readings"] if r["metric"] == "tierwatch_ups_battery_charge_ratio"]
    assert charge == [{"metric": "tierwatch_ups_battery_charge_ratio", "labels": {"device_class": "ups"},
                       "value": 1.0, "oid": "1.3.6.1.2.1.33.1.2.4.0"}]


def test_probe_lists_both_oids_of_a_derived_value_in_json(snmpsim):
    done = run(f"127.0.0.1:{snmpsim.port}", "--community", "raritan-pdu_px2-temp", "--format", "json")
    assert done.returncode == 0, done.stderr
    temps = [r for r in json.loads(done.stdout)["readings"] if r["metric"] == "tierwatch_environment_temperature_celsius"]
    assert temps and all(isinstance(r["oid"], list) and len(r["oid"]) == 2 for r in temps)


def test_probe_prints_an_aligned_table(snmpsim):
    done = run(f"127.0.0.1:{snmpsim.port}", "--community", "apc_ap8853", "--format", "table")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "sysObjectID: 1.3.6.1.4.1.318.1.3.4.6"
    assert lines[1].split() == ["profiles:", "apc-rpdu"]
    header = next(i for i, line in enumerate(lines) if line.startswith("METRIC"))
    value_col = lines[header].index("VALUE")
    row = next(line for line in lines if line.startswith("tierwatch_pdu_phase_voltage_volts"))
    assert row.split()[-2] == "242" and row.split()[-1] == "1.3.6.1.4.1.318.1.1.26.6.3.1.6.1"
    assert row[value_col + len("VALUE") - 1] == "2"  # values right-aligned under VALUE


def test_probe_with_a_named_profile_skips_detection(snmpsim):
    done = run(f"127.0.0.1:{snmpsim.port}", "--community", "liebert_weblbds", "--profile", "ups-mib",
               "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["profiles"] == ["ups-mib"]


def test_probe_reports_a_silent_device_as_a_timeout_with_exit_code_1(snmpsim):
    # snmpsim does not answer an unknown community at all, like a wrong v2c community on a real device
    done = run(f"127.0.0.1:{snmpsim.port}", "--community", "no-such-recording", "--timeout", "1.5")
    assert done.returncode == 1
    assert "timeout" in done.stderr
    assert done.stdout == ""


def test_probe_without_credentials_is_a_usage_error_with_exit_code_2():
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERWATCH_SNMP_")}
    done = subprocess.run([sys.executable, "-m", "agent.cli", "probe", "127.0.0.1"], cwd=PROJECT,
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 2
    assert "--community" in done.stderr
