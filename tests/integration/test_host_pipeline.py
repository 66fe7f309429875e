"""The spine end to end: a real agent process → a real collector process → /metrics → promtool."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.peers.processes import free_tcp_port, http_get, start_agent, start_collector, wait_until

pytestmark = pytest.mark.integration

TOKEN = "pipeline-test-token-0123456789"
INTERVAL = 1.0


def sample(text: str, metric: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if not line.startswith(metric + "{"):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.fixture
def stack(tmp_path: Path):  # noqa: ANN201 - yields (url, collector, agent)
    port = free_tcp_port()
    (tmp_path / "collector.yaml").write_text(
        f"listen: {{address: 127.0.0.1, port: {port}}}\nagents:\n  host-agent: {{token: {TOKEN}}}\n"
        f"state_dir: {tmp_path / 'state'}\nseries: {{ttl_factor: 3, min_ttl: 1s, sweep_interval: 0.5s}}\n"
        "log: {format: json}\n")
    (tmp_path / "agent.yaml").write_text(
        f"agent: {{id: host-agent, interval: {INTERVAL}}}\n"
        f"collector: {{urls: ['http://127.0.0.1:{port}'], token: {TOKEN}}}\n"
        "host: {name: test-host, labels: {site: bamako-1, rack: a01}}\nlog: {format: json}\n")
    collector = start_collector(tmp_path / "collector.yaml", tmp_path / "collector.log", port)
    agent = start_agent(tmp_path / "agent.yaml", tmp_path / "agent.log")
    yield f"http://127.0.0.1:{port}", collector, agent
    agent.stop()
    collector.stop()


def test_host_readings_reach_metrics_match_psutil_pass_promtool_and_expire_after_the_ttl(stack, tmp_path: Path) -> None:
    url, collector, agent = stack
    metric = "tierwatch_host_memory_total_bytes"
    wait_until(lambda: metric in http_get(url + "/metrics")[1].decode(), 20, what="host readings on /metrics")
    time.sleep(2 * INTERVAL)  # two agent intervals
    cpu_before = psutil.cpu_times()
    text = http_get(url + "/metrics")[1].decode()
    cpu_after = psutil.cpu_times()

    ids = {"target": "test-host", "agent": "host-agent", "site": "bamako-1", "rack": "a01"}
    assert sample(text, metric, **ids) == psutil.virtual_memory().total
    assert sample(text, "tierwatch_host_boot_time_seconds", **ids) == pytest.approx(psutil.boot_time(), abs=1)
    assert sample(text, "tierwatch_host_cpus", **ids) == psutil.cpu_count()
    user = sample(text, "tierwatch_host_cpu_seconds_total", mode="user", **ids)
    assert user is not None and cpu_before.user - 5 * INTERVAL <= user <= cpu_after.user
    st = os.statvfs("/")
    assert sample(text, "tierwatch_host_filesystem_size_bytes", mountpoint="/", **ids) == st.f_blocks * st.f_frsize
    ratio = sample(text, "tierwatch_host_memory_used_ratio", **ids)
    assert ratio is not None and 0 <= ratio <= 1
    assert 'fstype="proc"' not in text and 'fstype="sysfs"' not in text
    assert sample(text, "tierwatch_target_up", target="test-host") == 1.0
    assert re.search(r'tierwatch_collector_batches_total\{reason="",result="accepted"\} [1-9]', text)
    assert TOKEN not in text

    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus) is required: `make test` installs it"
    check = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr

    stopped_at = time.monotonic()
    agent.stop()
    still_there = http_get(url + "/metrics")[1].decode()
    assert metric in still_there  # not dropped at once: the TTL is 3 intervals
    wait_until(lambda: metric not in http_get(url + "/metrics")[1].decode(), 15, what="host series to expire")
    gone_after = time.monotonic() - stopped_at
    assert 3 * INTERVAL - 1.5 <= gone_after <= 3 * INTERVAL + 4
    assert collector.alive()
    assert http_get(url + "/healthz")[0] == 200
    assert "tierwatch_target_up{" not in http_get(url + "/metrics")[1].decode()
    assert TOKEN not in (tmp_path / "collector.log").read_text() + (tmp_path / "agent.log").read_text()
