"""The collector's state directory: one owner at a time, an online backup, a checked restore.

The availability history is the site's record of its promise (99.982 %), so it must be copied
safely and put back safely:

- **One owner.** A running collector holds an exclusive ``flock`` on ``state_dir/collector.lock``
  (the file says its pid). A second collector on the same directory would interleave two engines'
  writes in one store; it is refused at start with the pid of the first. The kernel drops the
  lock when the process dies, so a crash never leaves a stale lock behind.
- **Backup while running.** The stores are SQLite databases in WAL mode: copying the files
  with ``cp`` may catch a database without its WAL, or the WAL half-written. ``backup`` copies
  each through SQLite's online backup API (a consistent snapshot of committed transactions,
  readers and the writer never blocked for long), checks the copy with ``PRAGMA
  integrity_check``, and writes ``manifest.json`` (when, from which state_dir, each file's size
  and sha256). Cost: one read of each database; the collector keeps serving.
- **Restore while stopped.** ``restore`` takes the lock itself, so it refuses while a collector
  runs on the directory; it checks every file of the backup against the manifest and with
  ``integrity_check`` *before* touching anything, then moves the current stores (with their WAL
  and shared-memory files) aside to ``state_dir/replaced-<time>/`` (nothing is deleted) and
  copies the backup in. The next start reads the restored history as its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import time
from pathlib import Path
from typing import IO

from collector.names import STATE_FILES

LOCK_NAME = "collector.lock"
MANIFEST = "manifest.json"
STORES = STATE_FILES                       # what state_dir holds that matters
SIDE_FILES = ("-wal", "-shm", "-journal")


class StateDirBusy(Exception):
    """Another process holds the state directory."""

    def __init__(self, state_dir: Path, pid: str) -> None:
        super().__init__(f"state_dir {state_dir} is in use by another collector (pid {pid or 'unknown'}); "
                         "stop it first, or give this collector its own state_dir")
        self.pid = pid


class BackupError(Exception):
    """A backup that cannot be made or a restore that must not go on; the message says why."""


def hold_state_dir(state_dir: Path) -> IO[str]:
    """Take the state directory's lock for this process; keep the returned file open while running."""
    state_dir.mkdir(parents=True, exist_ok=True)
    f = open(state_dir / LOCK_NAME, "a+")  # noqa: SIM115 - held for the process's life, closed by release
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.seek(0)
        pid = f.read().strip()
        f.close()
        raise StateDirBusy(state_dir, pid) from None
    with contextlib.suppress(OSError):   # the pid is for people; the lock holds even on a full disk
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()}\n")
        f.flush()
    return f


def release_state_dir(f: IO[str]) -> None:
    with contextlib.suppress(OSError):
        f.truncate(0)
    f.close()   # closing drops the flock


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _integrity(path: Path) -> str:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        db.close()


def backup(state_dir: Path, out: Path, now: float | None = None) -> dict[str, object]:
    """Copy every store of ``state_dir`` into the new folder ``out``; return the manifest."""
    present = [name for name in STORES if (state_dir / name).is_file()]
    if not present:
        raise BackupError(f"no state in {state_dir} (none of {', '.join(STORES)}): is state_dir right?")
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} exists and is not empty: give a new folder, a backup never overwrites one")
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for name in present:
        target = out / name
        src = sqlite3.connect(f"file:{state_dir / name}?mode=ro", uri=True, timeout=10)
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst, pages=1024)       # in steps: the collector's writer waits at most one step
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        except sqlite3.Error as exc:
            raise BackupError(f"cannot copy {state_dir / name}: {exc}") from None
        finally:
            dst.close()
            src.close()
        verdict = _integrity(target)
        if verdict != "ok":
            raise BackupError(f"the copy of {name} fails integrity_check ({verdict}); the source may be damaged")
        files[name] = {"bytes": target.stat().st_size, "sha256": _sha256(target)}
    manifest = {"format": 1, "created_at": time.time() if now is None else now,
                "state_dir": str(state_dir.resolve()), "files": files}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def check_backup(source: Path) -> dict[str, object]:
    """The manifest of the backup in ``source``, once every file in it is verified."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{source} is not a tierwatch backup ({MANIFEST}: {exc})") from None
    for name, meta in files.items():
        path = source / name
        if name not in STORES or not path.is_file():
            raise BackupError(f"{source}: {name} is listed in the manifest but missing or unknown")
        if _sha256(path) != meta.get("sha256"):
            raise BackupError(f"{path} does not match its sha256 in the manifest: the backup is damaged")
        verdict = _integrity(path)
        if verdict != "ok":
            raise BackupError(f"{path} fails integrity_check ({verdict})")
    return manifest


def restore(source: Path, state_dir: Path, now: float | None = None) -> Path | None:
    """Put the backup in ``source`` into ``state_dir`` (the collector must be stopped); return the
    folder the replaced stores were moved to (None if there were none)."""
    manifest = check_backup(source)
    lock = hold_state_dir(state_dir)            # raises StateDirBusy while a collector runs
    try:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
        aside = state_dir / f"replaced-{stamp}"
        moved = False
        for name in STORES:
            for suffix in ("", *SIDE_FILES):
                path = state_dir / (name + suffix)
                if path.exists():
                    aside.mkdir(exist_ok=True)
                    path.rename(aside / path.name)
                    moved = True
        for name in manifest["files"]:          # type: ignore[union-attr]
            tmp = state_dir / f".{name}.restoring"
            shutil.copyfile(source / name, tmp)
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            tmp.rename(state_dir / name)
        return aside if moved else None
    finally:
        release_state_dir(lock)
