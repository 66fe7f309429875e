"""The systemd units in config/systemd pass `systemd-analyze verify` and are hardened."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "config" / "systemd").glob("*.service"))
pytestmark = pytest.mark.integration


def test_there_is_a_unit_for_the_agent_and_for_the_collector():
    assert [u.name for u in UNITS] == ["tierwatch-agent.service", "tierwatch-collector.service"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.stem)
def test_each_unit_verifies_with_systemd_when_its_programs_exist(unit: Path, tmp_path: Path):
    assert shutil.which("systemd-analyze"), "systemd-analyze is part of Debian's systemd package"
    binary = Path(sys.executable).parent              # the programs, where this test's tierwatch lives
    text = unit.read_text().replace("/opt/tierwatch/bin/", f"{binary}/")
    (tmp_path / unit.name).write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / unit.name)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.stem)
def test_each_unit_runs_as_its_own_user_on_a_read_only_system_with_a_state_directory(unit: Path):
    settings = dict(line.split("=", 1) for line in unit.read_text().splitlines()
                    if "=" in line and not line.startswith("#"))
    assert settings["User"] == "tierwatch" and settings["NoNewPrivileges"] == "yes"
    assert settings["ProtectSystem"] == "strict" and settings["ProtectHome"] == "yes"
    assert settings["StateDirectory"] == unit.stem and settings["WorkingDirectory"] == f"/var/lib/{unit.stem}"
    assert settings["CapabilityBoundingSet"] == "" and settings["RestartPreventExitStatus"] == "2"


def test_the_agent_unit_names_the_one_capability_a_trap_port_needs():
    text = (ROOT / "config" / "systemd" / "tierwatch-agent.service").read_text()
    assert "#   AmbientCapabilities=CAP_NET_BIND_SERVICE" in text and "port 162" in text
