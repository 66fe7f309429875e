"""Runs the demo data center in the foreground: a collector on 127.0.0.1:9847, simulated devices
(a UPS, two PDUs on feeds A and B, a CRAC, served by snmpsim) and an agent polling this host and
those devices. Ctrl-C stops all of it.

`--port` and `--devices-port` move it to other loopback ports (the tests use them)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
DEMO = ROOT / "config" / "demo"
SIM = ROOT / ".venv-snmpsim" / "bin" / "snmpsim-command-responder"


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


def write_configs(work: Path, port: int, devices_port: int | None) -> tuple[Path, Path]:
    """The demo configs with the chosen ports, under .demo/ (the files in config/demo stay as shipped)."""
    collector = yaml.safe_load((DEMO / "collector.yaml").read_text())
    collector["listen"]["port"] = port
    collector["state_dir"] = str(work / "state")
    agent = yaml.safe_load((DEMO / ("agent-devices.yaml" if devices_port else "agent.yaml")).read_text())
    agent["collector"]["urls"] = [f"http://127.0.0.1:{port}"]
    for target in agent.get("targets", []):
        target["port"] = devices_port
    paths = work / "collector.yaml", work / "agent.yaml"
    paths[0].write_text(yaml.safe_dump(collector, sort_keys=False))
    paths[1].write_text(yaml.safe_dump(agent, sort_keys=False))
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9847, help="collector port on 127.0.0.1")
    parser.add_argument("--devices-port", type=int, default=11161, help="simulated devices' UDP port")
    parser.add_argument("--no-devices", action="store_true", help="only this host, no simulated devices")
    parser.add_argument("--workdir", type=Path, default=ROOT / ".demo")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    args.workdir.mkdir(parents=True, exist_ok=True)
    devices = not args.no_devices and SIM.exists()
    if not devices and not args.no_devices:
        print("demo: snmpsim is not installed (run `make demo`), showing this host only", file=sys.stderr)
    collector_cfg, agent_cfg = write_configs(args.workdir, args.port, args.devices_port if devices else None)
    url = f"http://127.0.0.1:{args.port}"
    procs: list[subprocess.Popen[bytes]] = []
    sim: subprocess.Popen[bytes] | None = None
    try:
        procs.append(subprocess.Popen([str(BIN / "tierwatch-collector"), "run", "--config", str(collector_cfg)]))
        if not wait_http(url + "/readyz", 30):
            print("demo: the collector did not become ready; see its log above", file=sys.stderr)
            return 1
        if devices:
            sim = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "demo_devices.py"),
                                    "--port", str(args.devices_port),
                                    "--cache-dir", str(args.workdir / "snmpsim-cache")])
        procs.append(subprocess.Popen([str(BIN / "tierwatch-agent"), "run", "--config", str(agent_cfg)]))
        print(f"\n  tierwatch demo is up:\n    metrics       {url}/metrics\n"
              f"    availability  {url}/api/v1/availability\n    status page   {url}/\n"
              "  Ctrl-C stops it.\n", flush=True)
        while all(p.poll() is None for p in procs):
            if sim is not None and sim.poll() is not None:
                print("demo: the simulated devices stopped; their targets will go down", file=sys.stderr)
                sim = None
            time.sleep(0.5)
        print("demo: the collector or the agent exited; stopping the others", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        if sim is not None:
            procs.append(sim)
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    raise SystemExit(main())
