"""`tierwatch-agent`: run the agent, check a config file, probe one SNMP device."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from agent.probe import add_probe_parser, run_probe
from agent.targets import load_agent_setup
from tierwatch_common.cli import check_config, configure_logging, load_or_exit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tierwatch-agent", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the agent in the foreground")
    run.add_argument("--config", required=True, help="agent YAML config file")
    chk = sub.add_parser("check-config", help="validate a config file (and its profiles) and exit (2 on problems)")
    chk.add_argument("file")
    add_probe_parser(sub)
    args = parser.parse_args(argv)

    if args.command == "check-config":
        return check_config(load_agent_setup, args.file)
    if args.command == "probe":
        return run_probe(args)
    config, profiles = load_or_exit(load_agent_setup, args.config)
    configure_logging(config.log.level, config.log.format)
    from agent.runtime import run_agent

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_agent(config, profiles=profiles))
    return 0


if __name__ == "__main__":
    sys.exit(main())
