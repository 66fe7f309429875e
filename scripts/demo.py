"""Runs the demo data center in the foreground: a collector on 127.0.0.1:9847, simulated devices
(when snmpsim is installed) and an agent polling this host and those devices. Ctrl-C stops all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
DEMO = ROOT / "config" / "demo"
URL = "http://127.0.0.1:9847"


def wait_http(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def main() -> int:
    os.chdir(ROOT)
    (ROOT / ".demo").mkdir(exist_ok=True)
    procs: list[subprocess.Popen[bytes]] = []
    agent_cfg = DEMO / "agent.yaml"
    try:
        procs.append(subprocess.Popen([str(BIN / "tierwatch-collector"), "run", "--config", str(DEMO / "collector.yaml")]))
        if not wait_http(URL + "/readyz", 30):
            print("demo: the collector did not become ready; see its log above", file=sys.stderr)
            return 1
        devices = ROOT / "scripts" / "demo_devices.py"
        sim = ROOT / ".venv-snmpsim" / "bin" / "snmpsim-command-responder"
        if devices.exists() and sim.exists() and (DEMO / "agent-devices.yaml").exists():
            procs.append(subprocess.Popen([sys.executable, str(devices)]))
            agent_cfg = DEMO / "agent-devices.yaml"
        procs.append(subprocess.Popen([str(BIN / "tierwatch-agent"), "run", "--config", str(agent_cfg)]))
        print(f"\n  tierwatch demo is up:\n    metrics       {URL}/metrics\n"
              f"    availability  {URL}/api/v1/availability\n    status page   {URL}/\n"
              "  Ctrl-C stops it.\n", flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        print("demo: a process exited; stopping the others", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    raise SystemExit(main())
