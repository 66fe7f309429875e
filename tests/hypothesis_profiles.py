"""Hypothesis profiles: `ci` runs every property test at its full count, `dev` (the default off
CI) runs a tenth of it, so a local run of the suite stays quick and CI still searches wide.

CI sets CI=true; HYPOTHESIS_PROFILE=ci (or dev) picks one by hand. A test that names its own
count writes `max_examples=examples(N)`: N under `ci`, a tenth (at least 10) under `dev`.
Tests that name no count take the profile's (100 under `ci`, 20 under `dev`).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", max_examples=100, print_blob=True)
settings.register_profile("dev", max_examples=20)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI", "").lower() == "true" else "dev")
if PROFILE not in ("ci", "dev"):
    raise ValueError(f"HYPOTHESIS_PROFILE={PROFILE!r}: the profiles are 'ci' and 'dev'")
settings.load_profile(PROFILE)


def examples(full: int) -> int:
    """How many examples a test that asks for `full` runs under the loaded profile."""
    return full if PROFILE == "ci" else max(10, full // 10)
