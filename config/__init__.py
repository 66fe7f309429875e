"""tierwatch_config: the files shipped with tierwatch (profiles, example configs, the demo hall, systemd units).

Installed from config/ in the source tree; `tierwatch_config.path("profiles")` finds them without any setting."""

from pathlib import Path


def path(*parts: str) -> Path:
    return Path(__file__).resolve().parent.joinpath(*parts)
