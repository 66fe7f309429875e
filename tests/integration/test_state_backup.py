"""The collector's state as its operator handles it: one collector per state_dir, a backup taken
while it runs, a restore refused while it runs and, once it is stopped, a restore that brings
back exactly the history the backup held (the newer stores kept aside, nothing deleted)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.peers.ingest import TOKENS, body
from tests.peers.processes import BIN, free_tcp_port, http_get, http_post, start_collector

pytestmark = pytest.mark.integration


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "tierwatch-collector"), *args], capture_output=True, text=True, timeout=60)


def outcome(url: str, seq: int, at: float, status: str) -> None:
    b = body(seq=seq, outcomes=[{"target": "pdu-a", "status": status, "started_at": at, "duration": 0.0,
                                 "interval": 15.0, "readings": 0, "health": "ok" if status == "ok" else "unknown"}],
             readings=[])
    code, answer = http_post(url + "/api/v1/ingest", json.dumps(b).encode(),
                             {"Authorization": f"Bearer {TOKENS['row-a-01']}", "Content-Type": "application/json"})
    assert code == 200 and answer["accepted"] >= 0, answer


def down_seconds(url: str) -> float:
    services = json.loads(http_get(url + "/api/v1/availability")[1])["services"]
    return services["pdu-a"]["windows"]["30d"]["down_seconds"]


def test_a_backup_taken_while_running_restores_exactly_its_history_and_only_when_stopped(tmp_path: Path) -> None:
    port = free_tcp_port()
    state = tmp_path / "state"
    config = tmp_path / "collector.yaml"
    config.write_text(f"listen: {{address: 127.0.0.1, port: {port}}}\nagents:\n  row-a-01: {{token: {TOKENS['row-a-01']}}}\n"
                      f"state_dir: {state}\nlog: {{format: json}}\n")
    url = f"http://127.0.0.1:{port}"
    t0 = time.time() - 120
    collector = start_collector(config, tmp_path / "collector.log", port)
    try:
        outcome(url, 1, t0, "ok")
        outcome(url, 2, t0 + 10, "timeout")          # 20 s down
        outcome(url, 3, t0 + 30, "ok")
        assert down_seconds(url) == pytest.approx(20.0)

        # a second collector on the same state_dir is refused, naming the first
        second = cli("run", "--config", str(config))
        assert second.returncode == 3, second.stderr
        assert f"is in use by another collector (pid {collector.popen.pid})" in second.stderr

        saved = tmp_path / "backup-1"
        made = cli("backup", "--config", str(config), "--to", str(saved))
        assert made.returncode == 0, made.stderr
        manifest = json.loads((saved / "manifest.json").read_text())
        assert set(manifest["files"]) == {"availability.sqlite", "ledger.sqlite", "audit.sqlite"}
        for name in manifest["files"]:
            with sqlite3.connect(saved / name) as db:
                assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        again = cli("backup", "--config", str(config), "--to", str(saved))
        assert again.returncode == 2 and "not empty" in again.stderr     # a backup never overwrites one

        outcome(url, 4, t0 + 60, "timeout")          # history after the backup: 30 s more down
        outcome(url, 5, t0 + 90, "ok")
        assert down_seconds(url) == pytest.approx(50.0)

        busy = cli("restore", "--config", str(config), "--from", str(saved))
        assert busy.returncode == 2 and "in use by another collector" in busy.stderr
    finally:
        assert collector.stop() == 0

    restored = cli("restore", "--config", str(config), "--from", str(saved))
    assert restored.returncode == 0, restored.stderr
    aside = sorted(state.glob("replaced-*"))
    assert len(aside) == 1 and (aside[0] / "availability.sqlite").is_file()    # the newer state kept, not deleted

    collector = start_collector(config, tmp_path / "collector-2.log", port)
    try:
        assert down_seconds(url) == pytest.approx(20.0)           # the backup's history, not the newer one
    finally:
        collector.stop()


def test_a_damaged_backup_is_refused_before_anything_is_touched(tmp_path: Path) -> None:
    port = free_tcp_port()
    state = tmp_path / "state"
    config = tmp_path / "collector.yaml"
    config.write_text(f"listen: {{address: 127.0.0.1, port: {port}}}\nstate_dir: {state}\n")
    collector = start_collector(config, tmp_path / "collector.log", port)
    collector.stop()
    saved = tmp_path / "backup"
    assert cli("backup", "--config", str(config), "--to", str(saved)).returncode == 0
    with open(saved / "availability.sqlite", "r+b") as f:       # one flipped byte
        f.seek(200)
        byte = f.read(1)
        f.seek(200)
        f.write(bytes([byte[0] ^ 0xFF]))
    before = sorted(p.name for p in state.iterdir())
    refused = cli("restore", "--config", str(config), "--from", str(saved))
    assert refused.returncode == 2 and "does not match its sha256" in refused.stderr
    assert sorted(p.name for p in state.iterdir()) == before
    nothing = cli("restore", "--config", str(config), "--from", str(tmp_path / "nowhere"))
    assert nothing.returncode == 2 and "is not a tierwatch backup" in nothing.stderr
