"""`tierwatch-agent`: run the agent, check a config file, probe one SNMP device, watch its traps."""

from __future__ import annotations

import asyncio
import contextlib
import sys

from agent.probe import add_probe_parser, run_probe
from agent.loading import load_agent_setup
from agent.traps.command import add_traps_parser, run_traps
from tierwatch_common.cli import check_config, configure_logging, load_or_exit, program_parser


def main(argv: list[str] | None = None) -> int:
    parser, sub = program_parser("tierwatch-agent", __doc__, "agent",
                                 "validate a config file (and its profiles) and exit (2 on problems)")
    add_probe_parser(sub)
    add_traps_parser(sub)
    args = parser.parse_args(argv)

    if args.command == "check-config":
        return check_config(load_agent_setup, args.file)
    if args.command == "probe":
        return run_probe(args)
    if args.command == "traps":
        return run_traps(args)
    config, profiles = load_or_exit(load_agent_setup, args.config)
    configure_logging(config.log.level, config.log.format)
    from agent.runtime import run_agent

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_agent(config, profiles=profiles))
    return 0


if __name__ == "__main__":
    sys.exit(main())
