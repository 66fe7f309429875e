"""No secret (agent or operator token, SNMP community, v3 keys) appears in a real process's logs, in
`/metrics`, in error bodies or in config error messages."""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.peers.processes import BIN, free_tcp_port, free_udp_port, http_get, http_post, start_agent, \
    start_collector, wait_until

pytestmark = pytest.mark.integration

AGENT_TOKEN = "agent-token-SECRET-5b2f9c1e"
HASHED_TOKEN = "hashed-agent-token-SECRET-77aa01"
OPERATOR_TOKEN = "operator-token-SECRET-0c3d"
COMMUNITY = "community-SECRET-e41a"
AUTH_KEY = "auth-key-SECRET-9f8e7d6c"
PRIV_KEY = "priv-key-SECRET-1a2b3c4d"
WRONG_TOKEN = "wrong-token-SECRET-dead"
SECRETS = (AGENT_TOKEN, HASHED_TOKEN, OPERATOR_TOKEN, COMMUNITY, AUTH_KEY, PRIV_KEY, WRONG_TOKEN)


def leaked(text: str) -> list[str]:
    return [s for s in SECRETS if s in text or s.lower() in text.lower()]


def test_secrets_never_appear_in_logs_metrics_error_bodies_or_config_errors(tmp_path: Path) -> None:
    port = free_tcp_port()
    dead_udp = free_udp_port()  # SNMP targets that never answer: error paths get logged
    digest = hashlib.sha256(HASHED_TOKEN.encode()).hexdigest()
    (tmp_path / "collector.yaml").write_text(
        f"listen: {{address: 127.0.0.1, port: {port}}}\n"
        f"agents:\n  edge-1: {{token: {AGENT_TOKEN}}}\n  edge-2: {{token_sha256: {digest}}}\n"
        f"operators:\n  noc: {{token: {OPERATOR_TOKEN}}}\n"
        f"state_dir: {tmp_path / 'state'}\nlog: {{format: json, level: debug}}\n")
    (tmp_path / "agent.yaml").write_text(
        "agent: {id: edge-1, interval: 0.5}\n"
        f"collector: {{urls: ['http://127.0.0.1:{port}'], token: {AGENT_TOKEN}}}\n"
        "host: {name: edge-1-host}\n"
        f"credentials:\n  v2: {{version: 2c, community: {COMMUNITY}}}\n"
        f"  v3: {{version: '3', user: noc, auth_proto: SHA256, auth_key: {AUTH_KEY}, priv_proto: AES,"
        f" priv_key: {PRIV_KEY}}}\n"
        "targets:\n"
        f"  - {{name: pdu-v2, address: 127.0.0.1, port: {dead_udp}, credentials: v2, interval: 0.5, timeout: 0.4,"
        " packet_timeout: 0.2, retries: 0}\n"
        f"  - {{name: pdu-v3, address: 127.0.0.1, port: {dead_udp}, credentials: v3, interval: 0.5, timeout: 0.4,"
        " packet_timeout: 0.2, retries: 0}\n"
        "log: {format: json, level: debug}\n")
    collector = start_collector(tmp_path / "collector.yaml", tmp_path / "collector.log", port)
    agent = start_agent(tmp_path / "agent.yaml", tmp_path / "agent.log")
    bodies: list[str] = []
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: "tierwatch_target_up{" in http_get(url + "/metrics")[1].decode()
                   and 'target="pdu-v3"' in http_get(url + "/metrics")[1].decode(), 20, what="targets on /metrics")
        batch = {"version": 1, "agent": "edge-2", "seq": 1, "sent_at": time.time(), "interval": 1.0}
        for token, payload in ((WRONG_TOKEN, batch), (HASHED_TOKEN, batch), (AGENT_TOKEN, batch),
                               (HASHED_TOKEN, {**batch, "readings": "x"}), (f"{AGENT_TOKEN} {WRONG_TOKEN}", batch)):
            status, answer = http_post(url + "/api/v1/ingest", json.dumps(payload).encode(),
                                       {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            bodies.append(f"{status} {json.dumps(answer)}")
        assert [b.split()[0] for b in bodies] == ["401", "200", "403", "400", "401"]
        for path in ("/api/v1/availability", "/", "/readyz"):
            bodies.append(http_get(url + path, {"Authorization": f"Bearer {OPERATOR_TOKEN}"})[1].decode())
        metrics = http_get(url + "/metrics")[1].decode()
    finally:
        agent.stop()
        collector.stop()
    logs = (tmp_path / "collector.log").read_text() + (tmp_path / "agent.log").read_text()
    assert '"pdu-v3"' in logs and "poll_completed" in logs  # the error paths did run and log
    assert leaked(logs) == []
    assert leaked(metrics) == []
    assert leaked("\n".join(bodies)) == []


def test_config_errors_never_echo_secret_values(tmp_path: Path) -> None:
    bad_agent = tmp_path / "agent.yaml"
    bad_agent.write_text(
        f"collector: {{token: {AGENT_TOKEN}, token_file: /nonexistent, urls: [ftp://x]}}\n"
        f"credentials:\n  v2: {{version: 2c, community: {COMMUNITY}, user: nobody}}\n"
        f"  v3: {{version: '3', user: noc, auth_proto: SHA256, auth_key: {AUTH_KEY}, priv_key: {PRIV_KEY}}}\n"
        f"  short: {{version: '3', user: noc, auth_proto: SHA, auth_key: short}}\n")
    bad_collector = tmp_path / "collector.yaml"
    bad_collector.write_text(f"agents:\n  a: {{token: {AGENT_TOKEN}, token_sha256: nothex}}\n"
                             f"  b: {{token: {AGENT_TOKEN}}}\noperators: {{noc: {{token: [{OPERATOR_TOKEN}]}}}}\n")
    outputs = []
    for prog, cfg in (("tierwatch-agent", bad_agent), ("tierwatch-collector", bad_collector)):
        run = subprocess.run([str(BIN / prog), "check-config", str(cfg)], capture_output=True, text=True, timeout=60)
        assert run.returncode == 2, run.stderr
        outputs.append(run.stdout + run.stderr)
    assert "problems found" in outputs[0] and "problems found" in outputs[1]
    assert leaked("\n".join(outputs)) == []
