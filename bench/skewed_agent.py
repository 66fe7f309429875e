"""Run `tierwatch-agent` with its wall clock shifted (fault runs only): `python -m bench.skewed_agent
SECONDS AGENT-ARGS...` makes `time.time()` in the agent process SECONDS behind the machine's clock."""

from __future__ import annotations

import sys
import time


def main() -> int:
    behind = float(sys.argv[1])
    real = time.time
    time.time = lambda: real() - behind  # before the agent's modules are imported
    from agent.cli import main as agent_main

    return agent_main(sys.argv[2:])


if __name__ == "__main__":
    raise SystemExit(main())
