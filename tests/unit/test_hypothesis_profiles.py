"""The hypothesis profile follows CI: the full counts there, a tenth locally, chosen by hand too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = ("from hypothesis import settings; from tests.hypothesis_profiles import PROFILE, examples; "
         "print(PROFILE, settings().max_examples, examples(1000))")


def profile_under(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOTHESIS_PROFILE")}
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env={**clean, **env}, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "dev 20 100"),
    ({"CI": "true"}, "ci 100 1000"),
    ({"CI": "true", "HYPOTHESIS_PROFILE": "dev"}, "dev 20 100"),
    ({"HYPOTHESIS_PROFILE": "ci"}, "ci 100 1000"),
])
def test_the_profile_is_the_full_one_in_ci_and_the_fast_one_elsewhere(env: dict[str, str], expected: str) -> None:
    assert profile_under(**env) == expected
