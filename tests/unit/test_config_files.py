"""Config files: every problem at once, with file, line and a hint; exit code 2; no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agent.config import AgentConfig, load_agent_config
from collector.config import CollectorConfig, load_collector_config
from tierwatch_common.configfile import ConfigError

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

BROKEN_AGENT = """\
agent:
  id: row-a-01
  intervall: 15s
collector:
  urls: [http://127.0.0.1:9847]
  timeout: soon
credentials:
  v2:
    version: 2c
    community: public
targets:
  - name: pdu-a
    credentials: v2
"""


def test_a_file_with_a_typo_a_wrong_type_and_a_missing_field_reports_all_three_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(BROKEN_AGENT)
    with pytest.raises(ConfigError) as info:
        load_agent_config(path)
    rendered = [p.render() for p in info.value.problems]
    assert len(rendered) == 3, rendered
    assert rendered[0].startswith(f"{path}:3:3: agent.intervall: unknown key 'intervall'; did you mean 'interval'?")
    assert rendered[1].startswith(f"{path}:6:12: collector.timeout: invalid value 'soon'")
    assert "duration" in rendered[1]
    assert rendered[2] == f"{path}:12:5: targets[0].address: required field is missing"


def test_check_config_exits_2_and_prints_every_problem_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(BROKEN_AGENT)
    proc = subprocess.run([str(BIN / "tierwatch-agent"), "check-config", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith(str(path) + ":")]
    assert [int(line.split(":")[1]) for line in lines[:3]] == [3, 6, 12]
    assert "3 problems found" in proc.stderr


def test_yaml_syntax_errors_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("listen:\n  port: 9847\n agents: [\n")
    with pytest.raises(ConfigError) as info:
        load_collector_config(path)
    assert info.value.problems[0].line == 3
    assert "YAML" in info.value.problems[0].message


def test_an_unknown_credential_reference_is_reported_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text("credentials:\n  pdus-v3: {version: '3', user: u, auth_proto: SHA256, auth_key: abcdefgh12}\n"
                    "targets:\n  - {name: p, address: 127.0.0.1, credentials: pdu-v3}\n")
    with pytest.raises(ConfigError) as info:
        load_agent_config(path)
    (problem,) = info.value.problems
    assert problem.line == 4 and "did you mean 'pdus-v3'" in problem.message


def test_secrets_never_appear_in_config_errors(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text("credentials:\n  v3: {version: '3', user: u, auth_proto: SHA9, auth_key: s3cr3t-k3y-value}\n"
                    "collector: {token: [not-a-string-Tok3n]}\n")
    with pytest.raises(ConfigError) as info:
        load_agent_config(path)
    text = str(info.value)
    assert "s3cr3t-k3y-value" not in text and "Tok3n" not in text
    assert "SHA9" in text  # non-secret values are shown


def test_the_agent_example_config_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TIERWATCH_AGENT_TOKEN", "TIERWATCH_SNMP_AUTH_KEY", "TIERWATCH_SNMP_PRIV_KEY",
                 "TIERWATCH_SNMP_COMMUNITY"):
        monkeypatch.setenv(name, f"value-of-{name.lower()}")
    cfg = load_agent_config(ROOT / "config" / "agent.example.yaml")
    assert isinstance(cfg, AgentConfig)
    assert [t.name for t in cfg.targets] == ["pdu-a01-a", "ups-1"]
    assert cfg.credentials["pdus-v3"].auth_key.get_secret_value() == "value-of-tierwatch_snmp_auth_key"
    assert "value-of" not in repr(cfg)


def test_the_collector_example_config_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIERWATCH_TOKEN_ROW_B_01", "row-b-token")
    monkeypatch.setenv("TIERWATCH_OPERATOR_TOKEN", "operator-token")
    cfg = load_collector_config(ROOT / "config" / "collector.example.yaml")
    assert isinstance(cfg, CollectorConfig)
    assert set(cfg.agents) == {"row-a-01", "row-b-01"}
    assert cfg.ingest.max_body_bytes == 8 * 1024**2
    groups = cfg.effective_availability().groups      # derived from its topology
    assert groups["rack-a01-power"].members == ("pdu-a01-a", "pdu-a01-b")
    assert groups["hall-1-cooling"].need == 2 and groups["ups-2n"].need == 1


def test_a_missing_environment_variable_for_a_secret_is_a_config_error(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TW_NOPE", raising=False)
    path = tmp_path / "agent.yaml"
    path.write_text("collector:\n  token: env:TW_NOPE\n")
    with pytest.raises(ConfigError) as info:
        load_agent_config(path)
    assert "TW_NOPE is not set" in str(info.value) and info.value.problems[0].line == 2


def test_typos_inside_named_entries_get_a_did_you_mean_too(tmp_path: Path) -> None:
    path = tmp_path / "collector.yaml"
    path.write_text("availability:\n  groups:\n    power: {one_of: [a, b]}\nagents:\n  a1: {tokn: x, token: y}\n")
    with pytest.raises(ConfigError) as info:
        load_collector_config(path)
    rendered = [p.render() for p in info.value.problems]
    assert rendered == [
        f"{path}:3:13: availability.groups.power.one_of: unknown key 'one_of'; did you mean 'any_of'?",
        f"{path}:5:8: agents.a1.tokn: unknown key 'tokn'; did you mean 'token'?",
    ]
