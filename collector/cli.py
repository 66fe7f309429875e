"""`tierwatch-collector`: run the collector, check a config file, hash a token or a password,
back up or restore its state."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import shutil
import signal
import sqlite3
import ssl
import sys

import structlog
from aiohttp import web

from collector import names
from collector.app import build_app
from collector.backup import BackupError, StateDirBusy, backup, restore
from collector.config import CollectorConfig, hash_token, load_collector_config
from tierwatch_common.cli import EXIT_STARTUP_FAILURE, check_config, configure_logging, load_or_exit, program_parser

log = structlog.get_logger("collector.cli")


def _ssl_context(config: CollectorConfig) -> ssl.SSLContext | None:
    if config.tls is None:
        return None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(str(config.tls.cert_file), str(config.tls.key_file))
    if config.tls.client_ca_file is not None:
        ctx.load_verify_locations(cafile=str(config.tls.client_ca_file))
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


async def serve(config: CollectorConfig) -> None:
    app = build_app(config)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=5.0)
    await runner.setup()
    site = web.TCPSite(runner, config.listen.address, config.listen.port, ssl_context=_ssl_context(config),
                       reuse_address=True)
    await site.start()
    scheme = "https" if config.tls else "http"
    host = config.listen.address if ":" not in config.listen.address else f"[{config.listen.address}]"
    port = runner.addresses[0][1] if runner.addresses else config.listen.port
    log.info("collector_started", metrics_url=f"{scheme}://{host}:{port}/metrics", agents=len(config.agents))
    print(f"tierwatch collector serving {scheme}://{host}:{port}/metrics", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("collector_stopping")
    await runner.cleanup()
    log.info("collector_stopped")


def write_report(args) -> int:  # noqa: ANN001
    from pathlib import Path

    from collector.reports import make_report, period_from
    config = load_or_exit(load_collector_config, args.config)
    settings = config.availability
    try:
        period = period_from(settings.zone, args.period, args.start, args.end)
    except ValueError as exc:
        print(f"tierwatch-collector report: {exc}", file=sys.stderr)
        return 2
    store = Path(config.state_dir) / names.AVAILABILITY_DB
    if not store.is_file():
        print(f"tierwatch-collector report: no availability history at {store} (state_dir in {args.config})",
              file=sys.stderr)
        return 2
    _, body = make_report(Path(config.state_dir), settings, config.site, period, args.lang, args.format)
    if args.output == "-":
        sys.stdout.buffer.write(body)
    else:
        Path(args.output).write_bytes(body)
        print(f"report {period.label} ({args.lang}, {args.format}) written to {args.output}", file=sys.stderr)
    return 0


def backup_or_restore(args) -> int:  # noqa: ANN001
    from pathlib import Path

    config = load_or_exit(load_collector_config, args.config)
    state_dir = Path(config.state_dir)
    try:
        if args.command == "backup":
            manifest = backup(state_dir, Path(args.to))
            files = ", ".join(f"{n} ({m['bytes']} bytes)" for n, m in manifest["files"].items())  # type: ignore[union-attr]
            print(f"backup of {state_dir} written to {args.to}: {files}", file=sys.stderr)
        else:
            aside = restore(Path(args.source), state_dir)
            moved = f"; the replaced state is kept in {aside}" if aside else ""
            print(f"restored {args.source} into {state_dir}{moved}; start the collector", file=sys.stderr)
    except (BackupError, StateDirBusy) as exc:
        print(f"tierwatch-collector {args.command}: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser, sub = program_parser("tierwatch-collector", __doc__, "collector",
                                 "validate a config file and exit (2 on problems)")
    sub.choices["check-config"].add_argument(
        "--agent-config", action="append", default=[], metavar="AGENT_YAML",
        help="an agent config reporting to this collector (repeatable): group members must be its targets")
    ht = sub.add_parser("hash-token", help="print the sha256 of a token (read from stdin) for token_sha256")
    ht.add_argument("--token-stdin", action="store_true", help="read the token from standard input")
    hp = sub.add_parser("hash-password", help="print a bcrypt hash (password read from stdin) for web.basic_auth_users")
    hp.add_argument("--rounds", type=int, default=12, help="bcrypt cost (default 12)")
    rp = sub.add_parser("report", help="write an availability report (HTML or PDF) for a month or a span")
    rp.add_argument("--config", "-c", required=True, help="the collector's config file (state_dir, SLOs, groups)")
    rp.add_argument("--period", help="a calendar month, YYYY-MM (in the availability time zone)")
    rp.add_argument("--from", dest="start", help="start date or ISO 8601 time (with --to)")
    rp.add_argument("--to", dest="end", help="end date or ISO 8601 time (exclusive)")
    rp.add_argument("--lang", choices=("fr", "en"), default="fr")
    rp.add_argument("--format", choices=("html", "pdf"), default="pdf")
    rp.add_argument("-o", "--output", required=True, help="file to write ('-' for standard output)")
    bp = sub.add_parser("backup", help="copy the state (availability history, ledger, audit) while the collector runs")
    bp.add_argument("--config", "-c", required=True, help="the collector's config file (its state_dir)")
    bp.add_argument("--to", required=True, dest="to", help="a new, empty folder for the backup")
    sp = sub.add_parser("restore", help="put a backup back into state_dir (the collector must be stopped)")
    sp.add_argument("--config", "-c", required=True, help="the collector's config file (its state_dir)")
    sp.add_argument("--from", required=True, dest="source", help="a folder written by `backup`")
    args = parser.parse_args(argv)

    if args.command == "check-config":
        return check_config(lambda path: load_collector_config(path, args.agent_config), args.file)
    if args.command == "hash-token":
        token = sys.stdin.readline().strip() if args.token_stdin or not sys.stdin.isatty() else getpass.getpass("token: ")
        print(hash_token(token))
        return 0
    if args.command == "hash-password":
        from collector.access import hash_password
        password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass("password: ")
        print(hash_password(password, args.rounds))
        return 0
    if args.command == "report":
        return write_report(args)
    if args.command in ("backup", "restore"):
        return backup_or_restore(args)
    config = load_or_exit(load_collector_config, args.config)
    configure_logging(config.log.level, config.log.format)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(config))
    except StateDirBusy as exc:
        log.error("collector_start_failed", error=str(exc), state_dir=str(config.state_dir))
        print(f"tierwatch-collector: cannot start: {exc}", file=sys.stderr)
        return EXIT_STARTUP_FAILURE
    except OSError as exc:
        log.error("collector_start_failed", error=str(exc))
        print(f"tierwatch-collector: cannot start: {exc}", file=sys.stderr)
        return EXIT_STARTUP_FAILURE
    except sqlite3.Error as exc:  # a state database cannot be opened: most often a full disk
        free = _free_bytes(config.state_dir)
        log.error("collector_start_failed", error=str(exc), state_dir=str(config.state_dir), free_bytes=free)
        print(f"tierwatch-collector: cannot start: cannot open the state databases in {config.state_dir}: {exc}"
              f" ({free} bytes free there; SQLite needs room to open them: free space on that file system)",
              file=sys.stderr)
        return EXIT_STARTUP_FAILURE
    return 0


def _free_bytes(path: object) -> int | str:
    try:
        return shutil.disk_usage(str(path)).free
    except OSError:
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
