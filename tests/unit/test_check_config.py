"""check-config keeps the README's promise: schema and cross-reference problems in one run,
sorted by line, exit code 2, and a schema error in one part never hides the checks of another."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agent.loading import load_agent_setup
from collector.config import load_collector_config
from tierwatch_common.configfile import ConfigError

BIN = Path(sys.executable).parent

AGENT = """\
agent: {id: row-a-01, intervall: 15s}
credentials:
  pdus-v3: {version: '3', user: u, auth_proto: SHA256, auth_key: abcdefgh12}
  broken: {version: '7', community: x}
targets:
  - {name: pdu-1, address: 10.0.0.1, port: 99999, credentials: pdus-v3, profiles: [ups_mib]}
  - {name: pdu-2, address: 10.0.0.2, credentials: pdu-v3}
  - {name: pdu-3, address: 10.0.0.3, credentials: pdus-v3, profiles: [auto, apc-rpdux]}
  - {name: pdu-2, address: 10.0.0.4, credentials: broken}
"""


def test_an_agent_config_reports_schema_and_cross_reference_problems_together_sorted_by_line(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(AGENT)
    with pytest.raises(ConfigError) as info:
        load_agent_setup(path)
    got = [(p.line, p.path, p.message) for p in info.value.problems]
    assert [line for line, _, _ in got] == sorted(line for line, _, _ in got)
    messages = {path_: message for _, path_, message in got}
    assert set(messages) == {"agent.intervall", "credentials.broken.version", "targets[0].port",
                             "targets[0].profiles[0]", "targets[1].credentials", "targets[2].profiles[1]",
                             "targets[3].name"}, got
    # a target with a schema error (port) still has its profiles checked
    assert messages["targets[0].profiles[0]"] == "unknown profile 'ups_mib'; did you mean 'ups-mib'?"
    assert "did you mean 'pdus-v3'" in messages["targets[1].credentials"]
    assert "did you mean 'apc-rpdu'" in messages["targets[2].profiles[1]"]
    assert "used twice" in messages["targets[3].name"]
    # a credential set that failed its own schema is not also reported as unknown where it is used
    assert not any(p == "targets[3].credentials" for _, p, _ in got)


def test_agent_check_config_prints_every_kind_of_problem_in_one_run_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(AGENT)
    proc = subprocess.run([str(BIN / "tierwatch-agent"), "check-config", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith(f"{path}:") and "problems found" not in line]
    numbers = [int(line.split(":")[1]) for line in lines]
    assert numbers == sorted(numbers) and set(numbers) == {1, 4, 6, 7, 8, 9}, proc.stderr
    assert "unknown key 'intervall'" in proc.stderr and "unknown profile 'ups_mib'" in proc.stderr
    assert "unknown credential set 'pdu-v3'" in proc.stderr
    assert "7 problems found" in proc.stderr and "Traceback" not in proc.stderr


COLLECTOR = """\
listen: {port: 99999}
availability:
  timezone: Mars/Olympus
  groups:
    rack-1-power: {any_of: [pdu-1-a, pdu-1-b]}
    hall: {all_of: [rack-1-power, crac-1]}
  services:
    pdu-1-c: {slo: 0.999}
  maintenance:
    - {services: [pdu-1-a], start: 2026-01-01T08:00, end: 2026-01-01T10:00, reason: breaker swap}
"""
AGENT_OF_HALL = """\
agent: {id: row-1}
credentials: {v2: {version: 2c, community: public}}
targets:
  - {name: pdu-1-a, address: 10.0.0.1, credentials: v2}
  - {name: pdu-1-b, address: 10.0.0.2, credentials: v2}
"""


def test_collector_check_config_reports_unknown_group_members_beside_schema_problems(tmp_path: Path) -> None:
    path, agent = tmp_path / "collector.yaml", tmp_path / "agent.yaml"
    path.write_text(COLLECTOR)
    agent.write_text(AGENT_OF_HALL)
    proc = subprocess.run([str(BIN / "tierwatch-collector"), "check-config", str(path), "--agent-config", str(agent)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith(f"{path}:") and "problems found" not in line]
    assert [int(line.split(":")[1]) for line in lines] == [1, 3, 6, 8], proc.stderr
    assert "availability.timezone" in lines[1]
    assert lines[2].startswith(f"{path}:6:35: availability.groups.hall.all_of[1]: unknown service 'crac-1'")
    assert "availability.services.pdu-1-c: unknown service 'pdu-1-c'" in lines[3]
    assert "; did you mean 'pdu-1-" in lines[3]


def test_group_members_are_only_checked_against_targets_when_agent_configs_are_given(tmp_path: Path) -> None:
    path = tmp_path / "collector.yaml"
    path.write_text("availability:\n  groups:\n    power: {any_of: [pdu-a, pdu-b]}\n")
    assert load_collector_config(path).availability.groups["power"].members == ("pdu-a", "pdu-b")
    agent = tmp_path / "agent.yaml"
    agent.write_text("agent: {id: pdu-a}\nhost: {enabled: false}\n")
    with pytest.raises(ConfigError) as info:
        load_collector_config(path, [agent])
    (problem,) = info.value.problems
    assert (problem.line, problem.path) == (3, "availability.groups.power.any_of[1]")
