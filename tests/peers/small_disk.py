"""A small file system for disk-full tests: a tmpfs mounted for one test and unmounted after.

Mounting needs root (CI runs as root). Nothing is skipped: if the mount fails, the fixture fails
with mount's own message.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

SIZE = "2m"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"cannot mount a {SIZE} tmpfs on {mount} (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path) -> Path:
    """Take every byte left on `disk` with one file; delete the file to give the space back."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as f:  # unbuffered: a short write takes the last bytes too
        try:
            while f.write(b"\0" * 65536):
                pass
        except OSError:
            pass
    return filler
