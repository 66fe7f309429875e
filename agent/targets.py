"""Turning the agent config's SNMP targets into sources, with profiles checked up front.

`load_agent_setup` is what `run` and `check-config` use: it loads the config file and every
profile, and reports a target naming an unknown profile like any other config problem.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from agent.config import AgentConfig, load_agent_config
from agent.profiles.loader import ProfileSet, load_profiles
from tierwatch_common.configfile import ConfigError, ConfigProblem
from tierwatch_common.yamlsource import load_yaml

AUTO = "auto"


def load_agent_setup(path: str | Path) -> tuple[AgentConfig, ProfileSet]:
    config = load_agent_config(path)
    base = Path(path).resolve().parent
    dirs = [d if d.is_absolute() else base / d for d in config.profile_dirs]
    profiles = load_profiles(dirs)
    problems: list[ConfigProblem] = []
    positions = None
    for i, target in enumerate(config.targets):
        for j, name in enumerate(target.profiles):
            if name == AUTO or name in profiles:
                continue
            if positions is None:
                _, positions = load_yaml(Path(path).read_text(encoding="utf-8"))
            line, col = positions.of(("targets", i, "profiles", j))
            close = difflib.get_close_matches(name, profiles.names(), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known: auto, {', '.join(profiles.names())}"
            problems.append(ConfigProblem(line, col, f"targets[{i}].profiles[{j}]",
                                          f"unknown profile '{name}'{hint}", str(path)))
    if problems:
        raise ConfigError(problems)
    return config, profiles


def build_snmp_sources(config: AgentConfig, profiles: ProfileSet):  # noqa: ANN201 - list[SnmpSource]
    """One SnmpSource per target, all sharing one SNMP client (one engine)."""
    from agent.snmp.client import SnmpClient
    from agent.snmp.endpoints import endpoint_for
    from agent.sources.snmp import SnmpSource

    client = SnmpClient()
    sources = []
    for target in config.targets:
        cred = config.credentials[target.credentials]
        sources.append(SnmpSource(target, endpoint_for(target, cred), profiles, client,
                                  interval=target.interval or config.agent.interval))
    return sources, client
