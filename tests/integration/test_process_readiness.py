"""The readiness wait the fault runs and process tests start their peers with: it returns once the
process answers, fails at once when the process exits (naming it, with the end of its output), and
gives up after a bounded time on one that never answers. Ports that must survive a restart are
picked where the kernel never hands out ports by itself."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
import yaml

from tests.peers.processes import Proc, stable_tcp_port, start_collector, wait_ready

pytestmark = pytest.mark.integration


def collector_yaml(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "collector.yaml"
    path.write_text(yaml.safe_dump({"listen": {"address": "127.0.0.1", "port": port},
                                    "state_dir": str(tmp_path / "state"),
                                    "agents": {"row-a-01": {"token": "token-for-row-a-01-xyz"}}}))
    return path


def test_a_collector_whose_port_is_taken_is_reported_by_name_with_its_error_as_soon_as_it_exits(
        tmp_path: Path) -> None:
    port = stable_tcp_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        with pytest.raises(AssertionError) as failure:
            start_collector(collector_yaml(tmp_path, port), tmp_path / "collector.log", port, "collector b")
    message = str(failure.value)
    assert message.startswith("collector b exited with code ")
    assert "collector_start_failed" in message and "address already in use" in message.lower()


def test_a_process_that_never_answers_is_stopped_after_the_timeout_with_its_last_output(tmp_path: Path) -> None:
    port = stable_tcp_port()
    proc = Proc([sys.executable, "-c", "import time; print('warming up', flush=True); time.sleep(120)"],
                tmp_path / "silent.log")
    with pytest.raises(AssertionError) as failure:
        wait_ready(proc, "victoria-metrics", f"http://127.0.0.1:{port}/health", timeout=1.0)
    message = str(failure.value)
    assert message.startswith(f"victoria-metrics was not ready at http://127.0.0.1:{port}/health within 1 s")
    assert message.rstrip().endswith("warming up")
    assert not proc.alive()


def test_a_collector_that_comes_up_is_returned_running(tmp_path: Path) -> None:
    port = stable_tcp_port()
    proc = start_collector(collector_yaml(tmp_path, port), tmp_path / "collector.log", port)
    try:
        assert proc.alive()
    finally:
        proc.stop()


def test_stable_ports_lie_below_the_kernels_ephemeral_range_and_are_free() -> None:
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = {stable_tcp_port() for _ in range(20)}
    assert all(1024 <= p < low for p in ports) and len(ports) > 1
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", port))   # each was free when picked
