"""Every kind of device in the demo hall, probed over the wire by `tierwatch-agent probe`, is
detected with the bundled profile written for its vendor's MIB and reads healthy."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.peers.processes import ROOT, Proc, free_udp_port, wait_until
from tierwatch_demo.spec import load_hall

pytestmark = pytest.mark.integration

KINDS = {
    "pdu-a01-a": ["apc-rpdu"], "pdu-b01-b": ["raritan-pdu2"], "pdu-b05-a": ["sentry4"], "ups-b": ["ups-mib"],
    "crac-1": ["liebert-env"], "irc-3": ["apc-cooling-unit"], "probe-b06": ["akcp-sensorprobe"],
    "srv-b02": ["host-resources", "if-mib", "ucd-snmp"],
}


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    work = tmp_path_factory.mktemp("hall")
    port = free_udp_port()
    proc = Proc([sys.executable, "-m", "tierwatch_demo.cli", "hall", "--workdir", str(work), "--snmp-port", str(port),
                 "--control-port", "0", "--free-uplinks"], work / "hall.log")
    try:
        wait_until(lambda: (work / "control.json").exists(), 30, what="the hall's control file")
        yield port
    finally:
        proc.stop(signal.SIGINT)
    assert not (work / "control.json").exists()       # a stopped hall leaves no stale control file


V3 = load_hall(ROOT / "config" / "demo" / "hall.yaml").snmp.v3     # the hall's power gear answers v3 only


def probe(port: int, device: str, v3: bool, auth_key: str = V3.auth_key,
          timeout: float = 5.0) -> subprocess.CompletedProcess[str]:
    """`tierwatch-agent probe` of one demo device: v3 authPriv (secrets from the environment) or v2c."""
    how = (["--v3-user", device, "--auth-proto", V3.auth_proto, "--priv-proto", V3.priv_proto] if v3
           else ["--community", device])
    env = {**os.environ, "TIERWATCH_SNMP_AUTH_KEY": auth_key, "TIERWATCH_SNMP_PRIV_KEY": V3.priv_key}
    return subprocess.run([sys.executable, "-m", "agent.cli", "probe", f"127.0.0.1:{port}", *how, "--timeout", f"{timeout:g}",
                           "--format", "json"], capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)


def test_power_gear_answers_snmpv3_authpriv_only_and_refuses_a_wrong_key(hall: int):
    assert sorted(V3.roles) == ["pdu", "ups"] and (V3.auth_proto, V3.priv_proto) == ("SHA256", "AES")
    assert probe(hall, "ups-a", v3=True).returncode == 0
    community = probe(hall, "ups-a", v3=False, timeout=1.5)  # v2c is off on a v3-only card: no answer
    assert community.returncode == 1 and "timeout" in community.stderr
    wrong = probe(hall, "pdu-a01-a", v3=True, auth_key="not-the-hall-key")
    assert wrong.returncode == 1 and "authentication error (wrong_digest)" in wrong.stderr, wrong.stderr
    older = probe(hall, "crac-1", v3=True)                  # an older card answers v2c only
    assert older.returncode == 1 and "authentication error (unknown_user" in older.stderr, older.stderr


@pytest.mark.parametrize(("device", "profiles"), KINDS.items(), ids=list(KINDS))
def test_each_kind_of_demo_device_is_detected_by_its_vendor_profile_and_healthy(hall: int, device: str,
                                                                                profiles: list[str]):
    done = probe(hall, device, v3=device.startswith(("pdu-", "ups-")))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["profiles"] == profiles
    assert (out["status"], out["health"]) == ("ok", "ok"), out["reason"]
    assert len(out["readings"]) >= 8
