"""`tierwatch-collector`: run the collector, check a config file, hash a token or a password."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import signal
import ssl
import sys

import structlog
from aiohttp import web

from collector.app import build_app
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


def main(argv: list[str] | None = None) -> int:
    parser, sub = program_parser("tierwatch-collector", __doc__, "collector",
                                 "validate a config file and exit (2 on problems)")
    ht = sub.add_parser("hash-token", help="print the sha256 of a token (read from stdin) for token_sha256")
    ht.add_argument("--token-stdin", action="store_true", help="read the token from standard input")
    hp = sub.add_parser("hash-password", help="print a bcrypt hash (password read from stdin) for web.basic_auth_users")
    hp.add_argument("--rounds", type=int, default=12, help="bcrypt cost (default 12)")
    args = parser.parse_args(argv)

    if args.command == "check-config":
        return check_config(load_collector_config, args.file)
    if args.command == "hash-token":
        token = sys.stdin.readline().strip() if args.token_stdin or not sys.stdin.isatty() else getpass.getpass("token: ")
        print(hash_token(token))
        return 0
    if args.command == "hash-password":
        from collector.access import hash_password
        password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass("password: ")
        print(hash_password(password, args.rounds))
        return 0
    config = load_or_exit(load_collector_config, args.config)
    configure_logging(config.log.level, config.log.format)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(config))
    except OSError as exc:
        log.error("collector_start_failed", error=str(exc))
        print(f"tierwatch-collector: cannot start: {exc}", file=sys.stderr)
        return EXIT_STARTUP_FAILURE
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
