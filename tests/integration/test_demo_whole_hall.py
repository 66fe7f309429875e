"""`make demo`'s whole hall: every device and group of config/demo/hall.yaml reaches /metrics."""

from __future__ import annotations

import re
import signal
import sys
from pathlib import Path

import pytest

from tests.peers.processes import Proc, free_tcp_port, http_get, wait_until
from tierwatch_demo.derive import groups
from tierwatch_demo.mibs import hall_devices
from tierwatch_demo.model import HallModel
from tierwatch_demo.spec import load_hall
from tierwatch_config import path as config_path

pytestmark = pytest.mark.integration


def test_the_whole_demo_hall_serves_every_device_and_every_groups_availability(tmp_path: Path):
    spec = load_hall(config_path("demo", "hall.yaml"))
    devices = hall_devices(HallModel(spec))
    roles = [d.role for d in devices.values()]
    assert roles.count("pdu") >= 20 and roles.count("cooling") >= 4 and roles.count("ups") == 2
    assert roles.count("probe") == len(spec.racks) and roles.count("host") >= 2
    port = free_tcp_port()
    proc = Proc([sys.executable, "-m", "tierwatch_demo.cli", "up", "--workdir", str(tmp_path), "--port", str(port),
                 "--snmp-port", "0", "--control-port", "0", "--free-uplinks", "--poll-interval", "12", "--no-summary"],
                tmp_path / "up.log")
    wanted = set(devices) | {"demo-host"}

    def complete() -> bool:
        text = http_get(f"http://127.0.0.1:{port}/metrics", timeout=3)[1].decode()
        targets = set(re.findall(r'^tierwatch_target_up\{[^}]*target="([^"]+)"', text, re.M))
        grouped = set(re.findall(r'^tierwatch_group_state\{[^}]*group="([^"]+)"', text, re.M))
        ratios = set(re.findall(r'^tierwatch_service_availability_ratio\{[^}]*service="([^"]+)"', text, re.M))
        return targets >= wanted and grouped >= set(groups(spec)) and ratios >= set(groups(spec))

    try:
        wait_until(complete, 55, interval=1.0, what="every device and group of the hall in /metrics")
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\n{proc.log()[-3000:]}") from None
    finally:
        assert proc.stop(signal.SIGINT, timeout=20) == 0, proc.log()[-3000:]
