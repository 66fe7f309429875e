"""`tierwatch-agent probe ADDRESS[:PORT]`: poll one SNMP device once and print what it yields.

Shows the detected profiles, the sysObjectID and every reading with the OID it came from,
as an aligned table or as JSON. Secrets may come from the environment
(TIERWATCH_SNMP_COMMUNITY, TIERWATCH_SNMP_AUTH_KEY, TIERWATCH_SNMP_PRIV_KEY) so they need
not appear in the process list. Exit codes: 0 ok, 1 the device failed (timeout, auth error,
other SNMP error), 2 usage or profile errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from typing import Any, TextIO

from agent.config import AUTH_PROTOCOLS, PRIV_PROTOCOLS, SnmpTarget
from agent.profiles.loader import load_profiles
from agent.snmp.protocol import SnmpClientProtocol
from agent.snmp.types import Endpoint, V3Auth
from agent.sources.base import PollResult
from agent.vocabulary import AUTO
from tierwatch_common.configfile import ConfigError
from tierwatch_common.vocabulary import OK

ENV_COMMUNITY = "TIERWATCH_SNMP_COMMUNITY"
ENV_AUTH_KEY = "TIERWATCH_SNMP_AUTH_KEY"
ENV_PRIV_KEY = "TIERWATCH_SNMP_PRIV_KEY"
EXIT_OK, EXIT_DEVICE, EXIT_USAGE = 0, 1, 2


class UsageError(ValueError):
    pass


def add_probe_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("probe", help="poll one SNMP device once and print its profiles and readings",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("address", metavar="ADDRESS[:PORT]", help="host name or IP, optionally :port ([v6]:port)")
    p.add_argument("--community", help=f"SNMP v1/v2c community (or set {ENV_COMMUNITY})")
    p.add_argument("--snmp-version", choices=("1", "2c"), default="2c", help="version when using a community")
    p.add_argument("--v3-user", help="SNMPv3 user name")
    p.add_argument("--auth-proto", choices=AUTH_PROTOCOLS, type=str.upper)
    p.add_argument("--auth-key", help=f"SNMPv3 authentication key (or set {ENV_AUTH_KEY})")
    p.add_argument("--priv-proto", choices=PRIV_PROTOCOLS, type=str.upper)
    p.add_argument("--priv-key", help=f"SNMPv3 privacy key (or set {ENV_PRIV_KEY})")
    p.add_argument("--profile", action="append", dest="profiles", metavar="NAME",
                   help="use this profile instead of detecting (repeatable)")
    p.add_argument("--profiles-dir", action="append", default=[], metavar="DIR",
                   help="extra folder of profile YAML files (repeatable)")
    p.add_argument("--timeout", type=float, default=10.0, help="deadline for the whole poll, seconds")
    p.add_argument("--format", choices=("table", "json"), default="table")
    return p


def parse_address(text: str) -> tuple[str, int]:
    """'host', 'host:port', '[v6]' or '[v6]:port' → (host, port)."""
    host, port = text, 161
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise UsageError(f"address {text!r}: missing ']'")
        host, rest = text[1:end], text[end + 1:]
        if rest:
            if not rest.startswith(":"):
                raise UsageError(f"address {text!r}: expected ':PORT' after ']'")
            port = _port(rest[1:], text)
    elif text.count(":") == 1:
        host, raw = text.split(":")
        port = _port(raw, text)
    if not host:
        raise UsageError(f"address {text!r}: empty host")
    return host, port


def _port(raw: str, text: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise UsageError(f"address {text!r}: port must be a number from 1 to 65535")
    return int(raw)


def endpoint_from_args(args: argparse.Namespace) -> Endpoint:
    host, port = parse_address(args.address)
    community = args.community or os.environ.get(ENV_COMMUNITY)
    auth_key = args.auth_key or os.environ.get(ENV_AUTH_KEY)
    priv_key = args.priv_key or os.environ.get(ENV_PRIV_KEY)
    packet_timeout = max(0.2, min(2.0, args.timeout / 3))
    if args.v3_user:
        if args.community:
            raise UsageError("give either --community or --v3-user, not both")
        if (args.auth_proto is None) != (auth_key is None):
            raise UsageError(f"--auth-proto and --auth-key (or {ENV_AUTH_KEY}) go together")
        if (args.priv_proto is None) != (priv_key is None):
            raise UsageError(f"--priv-proto and --priv-key (or {ENV_PRIV_KEY}) go together")
        if args.priv_proto and not args.auth_proto:
            raise UsageError("privacy needs authentication too: add --auth-proto and --auth-key")
        v3 = V3Auth(args.v3_user, args.auth_proto, auth_key, args.priv_proto, priv_key)
        return Endpoint(host, port, "3", v3=v3, timeout=packet_timeout, retries=1)
    if args.auth_proto or args.priv_proto or args.auth_key or args.priv_key:
        raise UsageError("--auth-*/--priv-* options need --v3-user")
    if not community:
        raise UsageError(f"give --community (or set {ENV_COMMUNITY}) or --v3-user")
    return Endpoint(host, port, args.snmp_version, community=community, timeout=packet_timeout, retries=1)


async def probe(endpoint: Endpoint, *, profiles: list[str] | None = None, profile_dirs: list[str] | None = None,
                timeout: float = 10.0, client: SnmpClientProtocol | None = None) -> PollResult:
    """Poll one device once with detected (or the named) profiles. Raises ConfigError for bad
    profiles and ValueError for unknown profile names; device failures are in the result."""
    from agent.sources.snmp import SnmpSource

    loaded = load_profiles(profile_dirs or [])
    target = SnmpTarget(name="probe", address=endpoint.host, port=endpoint.port, credentials="probe",
                        profiles=profiles or [AUTO], timeout=timeout)
    own = client is None
    if client is None:
        from agent.snmp.backends import make_client

        client = make_client()
    try:
        source = SnmpSource(target, endpoint, loaded, client, interval=timeout)
        return await source.poll()
    finally:
        if own:
            await client.close()


def as_json(result: PollResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "health": result.health,
        "reason": result.reason,
        "profiles": result.profiles,
        "sysObjectID": result.sys_object_id,
        "readings": [{"metric": r.metric, "labels": dict(r.labels), "value": r.value, "oid": oid}
                     for r, oid in zip(result.readings, result.oids)],
    }


def format_table(result: PollResult) -> str:
    lines = [f"sysObjectID: {result.sys_object_id or '-'}",
             f"profiles:    {', '.join(result.profiles) or '-'}",
             f"health:      {result.health}{' (' + result.reason + ')' if result.reason else ''}",
             ""]
    rows = [("METRIC", "LABELS", "VALUE", "OID")]
    for r, oid in zip(result.readings, result.oids):
        labels = ",".join(f'{k}="{v}"' for k, v in r.labels)
        rows.append((r.metric, labels, f"{r.value:g}", " ".join(oid) if isinstance(oid, list) else oid))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        lines.append("  ".join([row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2]),
                                row[3]]).rstrip())
    lines.append(f"\n{len(result.readings)} readings from {result.varbinds} varbinds")
    return "\n".join(lines)


def run_probe(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    _quiet_logs(err)
    try:
        endpoint = endpoint_from_args(args)
    except UsageError as exc:
        print(f"tierwatch-agent probe: {exc}", file=err)
        return EXIT_USAGE
    try:
        result = asyncio.run(probe(endpoint, profiles=args.profiles, profile_dirs=args.profiles_dir,
                                   timeout=args.timeout))
    except ConfigError as exc:
        print(f"tierwatch-agent probe: profile errors:\n{exc}", file=err)
        return EXIT_USAGE
    except ValueError as exc:
        print(f"tierwatch-agent probe: {exc}", file=err)
        return EXIT_USAGE
    if result.status != OK:
        print(f"tierwatch-agent probe: {endpoint.host}:{endpoint.port}: {result.status}: {result.reason}", file=err)
        return EXIT_DEVICE
    if args.format == "json":
        json.dump(as_json(result), out, indent=2)
        out.write("\n")
    else:
        out.write(format_table(result) + "\n")
    return EXIT_OK


def _quiet_logs(err: TextIO) -> None:
    """Keep stdout for the result: only warnings and errors, on stderr."""
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
                        logger_factory=structlog.PrintLoggerFactory(err))


__all__ = ["add_probe_parser", "run_probe", "probe", "as_json", "format_table", "parse_address"]
