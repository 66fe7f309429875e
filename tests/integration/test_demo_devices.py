"""Every kind of device in the demo hall, probed over the wire by `tierwatch-agent probe`, is
detected with the bundled profile written for its vendor's MIB and reads healthy."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.peers.processes import ROOT, Proc, free_udp_port, wait_until

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


@pytest.mark.parametrize(("device", "profiles"), KINDS.items(), ids=list(KINDS))
def test_each_kind_of_demo_device_is_detected_by_its_vendor_profile_and_healthy(hall: int, device: str,
                                                                                profiles: list[str]):
    done = subprocess.run([sys.executable, "-m", "agent.cli", "probe", f"127.0.0.1:{hall}", "--community", device,
                           "--format", "json"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["profiles"] == profiles
    assert (out["status"], out["health"]) == ("ok", "ok"), out["reason"]
    assert len(out["readings"]) >= 8
