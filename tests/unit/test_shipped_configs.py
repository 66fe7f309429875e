"""Every agent and collector config shipped under config/ (examples, demo, whatever is added)
passes the checks `check-config` runs: schema, credentials, profiles, and for a collector the
group members against the agent configs beside it. Secrets they read from the environment
are set to placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.loading import load_agent_setup
from collector.config import load_collector_config

CONFIG = Path(__file__).resolve().parents[2] / "config"
NOT_OURS = {"profiles", "prometheus", "alertmanager", "systemd"}  # other formats, checked by their own tests


def shipped(kind: str) -> list[Path]:
    return sorted(p for p in CONFIG.rglob(f"*{kind}*.y*ml") if not NOT_OURS & set(p.relative_to(CONFIG).parts))


AGENTS, COLLECTORS = shipped("agent"), shipped("collector")


@pytest.fixture
def placeholder_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for path in (*AGENTS, *COLLECTORS):
        for name in re.findall(r"env:([A-Za-z_][A-Za-z0-9_]*)", path.read_text(encoding="utf-8")):
            monkeypatch.setenv(name, f"placeholder-{name.lower()}-secret")


def test_the_examples_and_the_demo_configs_are_all_found() -> None:
    names = {str(p.relative_to(CONFIG)) for p in (*AGENTS, *COLLECTORS)}
    assert {"agent.example.yaml", "collector.example.yaml", "demo/collector.yaml"} <= names
    assert any(name.startswith("demo/") for name in names & {str(p.relative_to(CONFIG)) for p in AGENTS})


@pytest.mark.parametrize("path", AGENTS, ids=lambda p: str(p.relative_to(CONFIG)))
def test_a_shipped_agent_config_passes_check_config(path: Path, placeholder_secrets: None) -> None:
    config, profiles = load_agent_setup(path)
    assert all(name == "auto" or name in profiles for t in config.targets for name in t.profiles)


@pytest.mark.parametrize("path", COLLECTORS, ids=lambda p: str(p.relative_to(CONFIG)))
def test_a_shipped_collector_config_passes_check_config_against_the_agents_beside_it(
        path: Path, placeholder_secrets: None) -> None:
    beside = [a for a in AGENTS if a.parent == path.parent]
    config = load_collector_config(path, beside)
    assert config.listen.port > 0
