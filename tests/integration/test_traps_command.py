"""`tierwatch-agent traps` as a real process: it prints each notification net-snmp sends as one
JSON line, names it from the profiles and never prints the community."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.peers.processes import free_udp_port

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("snmptrap") is None, reason="Debian package snmp is not installed")]


def test_the_traps_command_prints_a_decoded_ups_trap_as_a_json_line(tmp_path):
    port = free_udp_port()
    proc = subprocess.Popen([sys.executable, "-m", "agent.cli", "traps", "--listen", f"127.0.0.1:{port}",
                             "--count", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # readiness: it says where it listens once the socket is bound
            if line.startswith("listening on"):
                break
        env = dict(os.environ, MIBS="", SNMP_PERSISTENT_DIR=str(tmp_path))
        subprocess.run(["snmptrap", "-v", "2c", "-c", "secret-community", f"127.0.0.1:{port}", "",
                        "1.3.6.1.2.1.33.2.3", "1.3.6.1.2.1.33.1.6.2.1.2.4", "o", "1.3.6.1.2.1.33.1.6.3.3"],
                       check=True, env=env, timeout=20)
        out, _ = proc.communicate(timeout=20)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 0
    note = json.loads(out.strip())
    assert (note["version"], note["kind"], note["trap"], note["severity"]) == ("2c", "trap", "upsTrapAlarmEntryAdded",
                                                                             "major")
    assert note["labels"] == {"alarm": "lowBattery", "alarm_id": "4"}
    assert "secret-community" not in out
