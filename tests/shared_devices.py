"""Where the shared device recordings live, and the skip marker for tests that need them.

The recordings (`../shared/devices` beside the project) are used from there, never copied in.
When they are absent, tests marked `requires_shared_devices` skip with the reason below;
CI turns such skips into failures.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DEVICES = Path(os.environ.get("TIERWATCH_SHARED_DEVICES",
                                     Path(__file__).resolve().parents[2] / "shared" / "devices"))
SNMPREC_DIR = SHARED_DEVICES / "snmprec"
EXPECTED_DIR = SHARED_DEVICES / "expected"

requires_shared_devices = pytest.mark.skipif(
    not SNMPREC_DIR.is_dir(),
    reason=f"device recordings not found at {SHARED_DEVICES} (expected ../shared/devices beside the project)",
)


def snmprec(device: str) -> Path:
    return SNMPREC_DIR / f"{device}.snmprec"
