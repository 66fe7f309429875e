"""`make demo`'s program, as a user runs it: host and device metrics, and availability for every service."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.peers.processes import ROOT, free_tcp_port, free_udp_port, http_get, wait_until

pytestmark = pytest.mark.integration

SNMPSIM = ROOT / ".venv-snmpsim" / "bin" / "snmpsim-command-responder"
DEVICES = ("ups-a", "pdu-a01-a", "pdu-a01-b", "crac-1")


def test_the_demo_serves_host_and_device_metrics_and_availability_within_60_seconds(tmp_path: Path) -> None:
    assert SNMPSIM.exists(), "snmpsim is installed by `make test` (scripts/setup.sh --with-debs)"
    port = free_tcp_port()
    url = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "demo.log", "wb")  # noqa: SIM115
    demo = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "demo.py"), "--port", str(port),
                             "--devices-port", str(free_udp_port()), "--workdir", str(tmp_path / "demo")],
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        def all_up() -> bool:
            text = http_get(url + "/metrics", timeout=2)[1].decode()
            return "tierwatch_host_memory_total_bytes{" in text and all(
                f'tierwatch_target_up{{agent="demo-agent",target="{d}"}} 1.0' in text for d in DEVICES)

        try:
            wait_until(all_up, 60, interval=0.5, what="host and device metrics from the demo")
        except TimeoutError:
            raise AssertionError((tmp_path / "demo.log").read_text(errors="replace")[-4000:]) from None
        text = http_get(url + "/metrics")[1].decode()
        assert 'tierwatch_ups_battery_charge_ratio{' in text
        assert 'feed="B"' in text and 'feed="A"' in text

        status, body, _ = http_get(url + "/api/v1/availability")
        assert status == 200
        services = json.loads(body)["services"]
        for name in ("demo-host", *DEVICES, "rack-a01-power", "hall-1"):
            assert name in services, sorted(services)
            assert {"1h", "1d", "7d", "30d", "365d"} <= set(services[name]["windows"]), name
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            assert demo.wait(timeout=20) == 0
        finally:
            if demo.poll() is None:
                demo.kill()
            log.close()
