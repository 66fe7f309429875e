"""`tierwatch-agent traps --listen HOST:PORT [--config agent.yaml]`: print the notifications a
device sends, decoded, one JSON line each (or a readable line with `--format table`).

Without a config every v1/v2c sender and community is accepted (communities are never
printed) and v3 is refused; with one, senders are matched to its targets and v3 users come
from its credential sets, exactly as the running agent does. Informs are acknowledged.
Runs until interrupted, or until `--count` notifications were printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from typing import Any, TextIO

from agent.traps.notification import Notification, printable


def add_traps_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("traps", help="print decoded SNMP traps and informs as they arrive",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--listen", default="127.0.0.1:10162", metavar="HOST:PORT")
    p.add_argument("--config", help="agent config: match senders to its targets, v3 users from its credentials")
    p.add_argument("--format", choices=("json", "table"), default="json")
    p.add_argument("--count", type=int, default=0, help="exit after this many notifications (0: never)")
    return p


def render(note: Notification, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(note.as_json(), separators=(",", ":"))
    head = (f"{note.received_at:.3f} {note.source}:{note.port} v{note.version} {note.kind} "
            f"target={note.target or '-'} {note.name or note.trap_oid}")
    if note.severity:
        head += f" severity={note.severity}"
    if note.labels:
        head += " " + " ".join(f"{k}={v}" for k, v in sorted(note.labels.items()))
    vbs = "".join(f"\n    {vb.oid} = {vb.kind}: {printable(vb.value)}" for vb in note.varbinds)
    return head + vbs


async def listen(args: argparse.Namespace, out: TextIO, ready: asyncio.Event | None = None) -> int:
    from agent.traps.wiring import receiver_for

    config = profiles = None
    if args.config:
        from agent.loading import load_agent_setup
        from tierwatch_common.cli import load_or_exit

        config, profiles = load_or_exit(load_agent_setup, args.config)
    else:
        from agent.profiles.loader import load_profiles

        profiles = load_profiles()  # the shipped profiles name the traps
    done = asyncio.Event()
    printed = 0

    def show(note: Notification) -> None:
        nonlocal printed
        print(render(note, args.format), file=out, flush=True)
        printed += 1
        if args.count and printed >= args.count:
            done.set()

    receiver = receiver_for(config, profiles, show, listen=args.listen)
    await receiver.start()
    assert receiver.address is not None
    print(f"listening on {receiver.address[0]}:{receiver.address[1]}", file=sys.stderr, flush=True)
    if ready is not None:
        ready.set()
    try:
        await done.wait()
    finally:
        await receiver.close()
    return 0


def run_traps(args: argparse.Namespace) -> int:
    from tierwatch_common.logs import setup_logging

    setup_logging("warning", stream=sys.stderr)  # stdout carries the notifications only
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(listen(args, sys.stdout))
    return 0
