"""Suite-wide fixtures: nothing global, every test builds what it needs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import hypothesis_profiles  # noqa: F401  (registers and loads the ci / dev profile)

# Session-wide peers, defined once here so every module shares one running snmpd / snmpsim; the
# collector on loopback through pytest-aiohttp's aiohttp_server (tests.peers.collector_app).
pytest_plugins = ["tests.peers.snmpd", "tests.peers.snmpsim", "tests.peers.collector_app", "tests.peers.small_disk"]

SHARED_DEVICES = Path(__file__).resolve().parents[1].parent / "shared" / "devices"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """CI sets TIERWATCH_REQUIRE_SHARED: there, a missing ../shared/devices fails instead of skipping."""
    if os.environ.get("TIERWATCH_REQUIRE_SHARED") and not (SHARED_DEVICES / "snmprec").is_dir():
        raise pytest.UsageError(f"TIERWATCH_REQUIRE_SHARED is set but {SHARED_DEVICES} is missing")
