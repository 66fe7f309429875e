"""`tierwatch-demo`: the simulated Tier III hall and what you can break in it.

  up          the whole demo: collector, hall, agents, live summary (what `make demo` runs)
  hall        only the hall (SNMP devices, uplink relays, control channel), e.g. in a container
  configs     write the agent and collector configs derived from the hall file
  scenarios   list the scenarios
  scenario    start one (`tierwatch-demo scenario crac-failure`)
  status      what is active, and the hall's power and cooling at a glance
  restore     end every scenario
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from tierwatch_common.cli import load_or_exit

DEFAULT_WORKDIR = Path(".demo")


def default_hall() -> Path:
    import tierwatch_config

    return tierwatch_config.path("demo", "hall.yaml")


def _spec(args: argparse.Namespace):  # noqa: ANN202 - HallSpec
    from tierwatch_demo.spec import load_hall

    spec = load_or_exit(load_hall, str(args.hall))
    hall = spec.hall
    if getattr(args, "time_scale", None):
        hall = hall.model_copy(update={"time_scale": args.time_scale})
    update: dict[str, object] = {"hall": hall}
    if getattr(args, "snmp_port", None) is not None:
        update["snmp"] = spec.snmp.model_copy(update={"port": args.snmp_port})
    if getattr(args, "control_port", None) is not None:
        update["control"] = spec.control.model_copy(update={"port": args.control_port})
    if getattr(args, "free_uplinks", False):
        update["agents"] = [a.model_copy(update={"uplink_port": 0}) for a in spec.agents]
    return spec.model_copy(update=update)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tierwatch-demo", description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 2)[2])
    sub = p.add_subparsers(dest="command", required=True)

    def hall_args(q: argparse.ArgumentParser) -> None:
        q.add_argument("--hall", type=Path, default=None, help="hall file (default: the bundled config/demo/hall.yaml)")
        q.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="logs, state, control file (default .demo)")
        q.add_argument("--time-scale", type=float, help="hall seconds per wall second (overrides the hall file)")
        q.add_argument("--snmp-port", type=int, help="UDP port of the devices (0: any free port)")
        q.add_argument("--control-port", type=int, help="TCP port of the control channel (0: any free port)")
        q.add_argument("--free-uplinks", action="store_true", help="uplink relays on any free ports")

    q = sub.add_parser("up", help="collector + hall + agents + live summary")
    hall_args(q)
    q.add_argument("--port", type=int, default=9847, help="collector port on 127.0.0.1 (default 9847)")
    q.add_argument("--poll-interval", type=float, help="agents' poll interval in seconds (default: the hall's)")
    q.add_argument("--no-summary", action="store_true", help="no live screen (default when not on a terminal)")
    q = sub.add_parser("hall", help="only the hall")
    hall_args(q)
    q.add_argument("--collector", default="127.0.0.1:9847", help="where the uplink relays forward (host:port)")
    q = sub.add_parser("configs", help="write the derived agent and collector configs")
    q.add_argument("--hall", type=Path, default=None)
    q.add_argument("--out", type=Path, default=Path("."), help="folder to write them to")
    sub.add_parser("scenarios", help="list the scenarios")
    q = sub.add_parser("scenario", help="start a scenario")
    q.add_argument("name")
    q.add_argument("--target", help="device, feed or agent it acts on (default: the scenario's own pick)")
    q.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    q = sub.add_parser("status", help="active scenarios and the hall at a glance")
    q.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    q.add_argument("--json", action="store_true")
    q = sub.add_parser("restore", help="end every scenario")
    q.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if getattr(args, "hall", "unset") is None:
        args.hall = default_hall()
    if args.command == "scenarios":
        from tierwatch_demo.scenarios import SCENARIOS

        for s in SCENARIOS.values():
            print(f"{s.name:<16} {s.description}")
        return 0
    if args.command == "configs":
        from tierwatch_demo.derive import write_all

        for path in write_all(_spec(args), args.out).values():
            print(path)
        return 0
    if args.command in ("scenario", "status", "restore"):
        return _control(args)
    spec = _spec(args)
    from tierwatch_common.logs import setup_logging

    if args.command == "hall":
        setup_logging("info")
        from tierwatch_demo.hall import run_hall

        host, _, port = args.collector.rpartition(":")
        try:
            asyncio.run(run_hall(spec, args.workdir, (host or "127.0.0.1", int(port))))
        except KeyboardInterrupt:
            pass
        return 0
    from tierwatch_demo.supervisor import up

    args.workdir.mkdir(parents=True, exist_ok=True)
    setup_logging("info", json=True, stream=open(args.workdir / "hall.log", "a"))  # noqa: SIM115 - for the process
    summary = not args.no_summary and sys.stdout.isatty()
    return asyncio.run(up(spec, args.workdir, port=args.port, interval=args.poll_interval, summary=summary))


def _control(args: argparse.Namespace) -> int:
    from tierwatch_demo.control import ControlClient, ControlError

    try:
        client = ControlClient(args.workdir)
        if args.command == "scenario":
            body = {"target": args.target} if args.target else {}
            done = client.call("POST", f"/api/scenarios/{args.name}", body)
            print(f"started {done['started']} on {done['target']}")
        elif args.command == "restore":
            done = client.call("POST", "/api/restore")
            ended = ", ".join(f"{e['scenario']} ({e['target']})" for e in done["ended"]) or "nothing was active"
            print(f"restored: {ended}")
        else:
            st = client.call("GET", "/api/status")
            if args.json:
                print(json.dumps(st, indent=2))
            else:
                print(f"{st['hall']}: hall time {st['hall_seconds']:.0f} s (x{st['time_scale']:g}), "
                      f"IT load {st['it_watts'] / 1000:.1f} kW")
                for a in st["active"] or [{"scenario": "(no scenario active)", "target": "", "description": ""}]:
                    print(f"  {a['scenario']:<16} {a['target']:<14} {a['description']}")
                print(f"  feeds A {st['feeds']['A']}, B {st['feeds']['B']}; generator {st['generator']}")
                for name, u in st["ups"].items():
                    print(f"  {name}: {u['source']}, charge {u['charge']:.0%}, runtime {u['runtime_seconds'] // 60} min")
                print("  cooling: " + ", ".join(f"{n} {s}" for n, s in st["cooling"].items()))
                print("  hottest inlet: " + ", ".join(f"{z} {t} °C" for z, t in st["inlet_max_celsius"].items()))
    except ControlError as exc:
        print(f"tierwatch-demo: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
