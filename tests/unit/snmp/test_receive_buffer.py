"""The UDP receive buffer the kernel grants is checked, and a capped one is said with the sysctl that fixes it."""

from __future__ import annotations

import socket
from pathlib import Path

from structlog.testing import capture_logs

from agent.snmp.transport import set_receive_buffer

RMEM_MAX = int(Path("/proc/sys/net/core/rmem_max").read_text())


def test_a_buffer_the_kernel_grants_in_full_is_not_reported() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, capture_logs() as logs:
        granted = set_receive_buffer(sock, 64 << 10, "snmp_client")
    assert granted >= 64 << 10
    assert logs == []


def test_a_buffer_above_rmem_max_is_capped_and_logged_once_with_the_sysctl_to_raise() -> None:
    asked = RMEM_MAX * 4  # beyond what an unprivileged SO_RCVBUF may get on this machine
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, capture_logs() as logs:
        granted = set_receive_buffer(sock, asked, "traps")
    assert granted < asked
    assert [e["event"] for e in logs] == ["udp_receive_buffer_capped"]
    assert logs[0]["socket"] == "traps" and logs[0]["granted_bytes"] == granted
    assert f"net.core.rmem_max={asked}" in logs[0]["hint"]


def test_a_socket_that_is_not_there_is_left_alone() -> None:
    with capture_logs() as logs:
        assert set_receive_buffer(None, 1 << 20, "snmp_client") == 0
    assert logs == []
