"""The agent's config file and the profiles it names, parsed once and checked together.

`load_agent_setup` is what `run` and `check-config` use: one parse of the config file, the
profiles from the bundled folder and `profile_dirs`, then every cross-check over that one
model. Schema problems, unknown credentials, unknown profiles and broken profile files come
back in one ConfigError, sorted by file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from agent.config import AgentConfig, read_agent_config
from agent.profiles.loader import ProfileSet, load_profiles
from tierwatch_common.configfile import Check, ConfigError, ConfigProblem, Loaded


def profile_dirs(config: AgentConfig, config_file: str | Path) -> list[Path]:
    """`profile_dirs` of a config, relative ones taken from the config file's folder."""
    base = Path(config_file).resolve().parent
    return [d if d.is_absolute() else base / d for d in config.profile_dirs or ()]


def known_profiles(profiles: ProfileSet) -> Check[AgentConfig]:
    """The check that every target's profiles are `auto` or loaded ones."""

    def check(loaded: Loaded[AgentConfig]) -> Iterator[ConfigProblem]:
        for i, target in enumerate(loaded.model.targets or ()):
            if target is None or target.profiles is None:
                continue
            for j, name in enumerate(target.profiles):
                if isinstance(name, str) and profiles.unknown([name]):
                    yield loaded.at(("targets", i, "profiles", j), f"unknown profile '{name}'; {profiles.suggest(name)}")

    return check


def load_agent_setup(path: str | Path) -> tuple[AgentConfig, ProfileSet]:
    """The validated config and its profiles; ConfigError with every problem of both."""
    loaded = read_agent_config(path)
    problems: list[ConfigProblem] = list(loaded.problems)
    profiles = None
    dirs = loaded.model.profile_dirs
    if isinstance(dirs, list) and None not in dirs:  # else the profiles it names cannot be known: reported already
        try:
            profiles = load_profiles(profile_dirs(loaded.model, path))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if profiles is not None:
        problems.extend(known_profiles(profiles)(loaded))
    if problems:
        raise ConfigError(problems)
    return loaded.model, profiles
