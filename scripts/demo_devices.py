"""Serves the demo devices in config/demo/devices with snmpsim, in the foreground.

Each `<name>.snmprec` answers SNMP v1/v2c with community `<name>` (e.g. `pdu-a`) on
127.0.0.1:11161. snmpsim runs from its own virtualenv (.venv-snmpsim, made by
`scripts/setup.sh --with-debs`) because it needs pysmi, which the project's env must not have.
The process replaces itself with snmpsim, so a SIGTERM or Ctrl-C reaches snmpsim directly.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESPONDER = ROOT / ".venv-snmpsim" / "bin" / "snmpsim-command-responder"


def command(address: str, port: int, data_dir: Path, cache_dir: Path) -> list[str]:
    # An empty variation-modules dir: the recordings use none, and loading snmpsim's own
    # (redis, sql) only logs errors about their missing settings.
    variations = cache_dir / "no-variation-modules"
    variations.mkdir(parents=True, exist_ok=True)
    return [
        str(RESPONDER),
        f"--data-dir={data_dir}",
        f"--cache-dir={cache_dir}",
        f"--variation-modules-dir={variations}",
        f"--agent-udpv4-endpoint={address}:{port}",
        "--log-level=error",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=11161)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "config" / "demo" / "devices")
    parser.add_argument("--cache-dir", type=Path, default=ROOT / ".demo" / "snmpsim-cache")
    args = parser.parse_args(argv)
    if not RESPONDER.exists():
        print(f"demo-devices: {RESPONDER} is missing; run `bash scripts/setup.sh --with-debs`", file=sys.stderr)
        return 2
    devices = sorted(p.stem for p in args.data_dir.glob("*.snmprec"))
    if not devices:
        print(f"demo-devices: no .snmprec files in {args.data_dir}", file=sys.stderr)
        return 2
    print(f"demo-devices: serving {', '.join(devices)} on udp {args.address}:{args.port} "
          "(community = device name)", flush=True)
    env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
    cmd = command(args.address, args.port, args.data_dir.resolve(), args.cache_dir.resolve())
    os.execve(cmd[0], cmd, env)
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
