"""tierwatch as a user installs it: the wheel in a fresh virtualenv outside the checkout.

The bundled profiles and example configs come with the wheel (package `tierwatch_config`), so
`probe` detects profiles, `check-config` passes and `run` delivers, with no environment variable
pointing anywhere and no source tree in reach. pip works from its cache and the package index it
is configured with.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.peers.processes import ROOT, free_tcp_port, http_get, wait_until
from tests.shared_devices import requires_shared_devices

pytestmark = [pytest.mark.integration, pytest.mark.shared, requires_shared_devices]

PIP = [sys.executable, "-m", "pip"]
ENV = {"TIERWATCH_AGENT_TOKEN": "agent-token-0123456789", "TIERWATCH_SNMP_AUTH_KEY": "auth-key-0123",
       "TIERWATCH_SNMP_PRIV_KEY": "priv-key-0123", "TIERWATCH_SNMP_COMMUNITY": "public",
       "TIERWATCH_TOKEN_ROW_B_01": "row-b-token-0123", "TIERWATCH_OPERATOR_TOKEN": "operator-token-0123"}


class Installed:
    def __init__(self, venv: Path, home: Path) -> None:
        self.bin, self.home = venv / "bin", home

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "TIERWATCH_", "VIRTUAL_ENV"))}
        return {**env, **ENV, "PATH": f"{self.bin}:{env.get('PATH', '')}"}

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.bin / args[0]), *args[1:]], cwd=self.home, env=self.env(),
                              capture_output=True, text=True, timeout=timeout)

    def start(self, *args: str) -> subprocess.Popen:
        with open(self.home / f"{args[0]}.log", "ab") as log:      # the child keeps its own descriptor
            return subprocess.Popen([str(self.bin / args[0]), *args[1:]], cwd=self.home, env=self.env(),
                                    stdout=log, stderr=subprocess.STDOUT)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(self.home.glob("*.log")))

    def data(self, *parts: str) -> Path:
        out = self.run("python", "-c", "import sys, tierwatch_config; print(tierwatch_config.path(*sys.argv[1:]))", *parts)
        assert out.returncode == 0, out.stderr
        return Path(out.stdout.strip())


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    work = tmp_path_factory.mktemp("wheel")
    wheels, venv, home = work / "dist", work / "venv", work / "home"
    home.mkdir()
    built = subprocess.run([*PIP, "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
                           capture_output=True, text=True, timeout=240)
    assert built.returncode == 0, built.stderr[-3000:]
    [wheel] = wheels.glob("tierwatch-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    done = subprocess.run([*PIP, "--python", str(venv / "bin" / "python"), "install", "-q", "--no-compile", str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    yield Installed(venv, home)


def test_the_installed_package_carries_every_profile_and_example_of_the_source_tree(installed: Installed):
    profiles = installed.data("profiles")
    assert ROOT not in profiles.parents
    assert sorted(p.name for p in profiles.glob("*.yaml")) == sorted(p.name for p in (ROOT / "config" / "profiles").glob("*.yaml"))
    for name in ("agent.example.yaml", "collector.example.yaml", "demo/hall.yaml", "systemd/tierwatch-agent.service"):
        assert installed.data(*name.split("/")).is_file(), name


def test_the_installed_probe_detects_the_profiles_of_a_recording_served_by_snmpsim(installed: Installed, snmpsim):
    done = installed.run("tierwatch-agent", "probe", f"127.0.0.1:{snmpsim.port}", "--community", "apc_ap8853",
                         "--format", "json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert "apc-rpdu" in out["profiles"] and out["status"] == "ok"
    assert any(r["metric"] == "tierwatch_pdu_phase_current_amperes" for r in out["readings"])


def test_the_installed_check_config_passes_the_shipped_examples_and_demo_configs(installed: Installed):
    configs = [installed.data("agent.example.yaml"), *sorted(installed.data("demo").glob("agent-*.yaml"))]
    for path in configs:
        done = installed.run("tierwatch-agent", "check-config", str(path))
        assert done.returncode == 0, done.stdout + done.stderr
    for path in (installed.data("collector.example.yaml"), installed.data("demo", "collector.yaml")):
        done = installed.run("tierwatch-collector", "check-config", str(path))
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_installed_agent_and_collector_run_and_deliver_a_polled_device(installed: Installed, snmpsim):
    port = free_tcp_port()
    token = "wheel-agent-token-0123"
    (installed.home / "collector.yaml").write_text(yaml.safe_dump({
        "listen": {"address": "127.0.0.1", "port": port}, "agents": {"wheel-agent": {"token": token}},
        "state_dir": str(installed.home / "state")}))
    (installed.home / "agent.yaml").write_text(yaml.safe_dump({
        "agent": {"id": "wheel-agent", "interval": "2s"},
        "collector": {"urls": [f"http://127.0.0.1:{port}"], "token": token},
        "host": {"enabled": False},
        "credentials": {"v2": {"version": "2c", "community": "apc_ap8853"}},
        "targets": [{"name": "pdu-1", "address": "127.0.0.1", "port": snmpsim.port, "credentials": "v2",
                     "timeout": "10s"}]}))
    collector = installed.start("tierwatch-collector", "run", "--config", str(installed.home / "collector.yaml"))
    agent = None
    try:
        wait_until(lambda: http_get(f"http://127.0.0.1:{port}/readyz", timeout=1)[0] == 200, 30, what="collector ready")
        agent = installed.start("tierwatch-agent", "run", "--config", str(installed.home / "agent.yaml"))
        line = 'tierwatch_target_up{agent="wheel-agent",target="pdu-1"} 1.0'
        wait_until(lambda: line in http_get(f"http://127.0.0.1:{port}/metrics")[1].decode(), 40,
                   what="the installed agent's target up in the installed collector")
        assert "tierwatch_pdu_phase_current_amperes{" in http_get(f"http://127.0.0.1:{port}/metrics")[1].decode()
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\n{installed.logs()}") from None
    finally:
        for proc in (agent, collector):
            if proc is not None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=15)
