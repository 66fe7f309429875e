"""Pieces both command-line programs share: config error reporting and exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TypeVar

from tierwatch_common.configfile import EXIT_CONFIG_ERROR, ConfigError
from tierwatch_common.logs import setup_logging

T = TypeVar("T")

EXIT_OK = 0
EXIT_STARTUP_FAILURE = 3


def program_parser(prog: str, description: str | None, what: str, check_help: str) -> tuple[
        argparse.ArgumentParser, argparse._SubParsersAction]:
    """The parser both programs share: `run --config FILE` and `check-config FILE`; add more to `sub`."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help=f"run the {what} in the foreground")
    run.add_argument("--config", required=True, help=f"{what} YAML config file")
    chk = sub.add_parser("check-config", help=check_help)
    chk.add_argument("file")
    return parser, sub


def load_or_exit(loader: Callable[[str], T], path: str) -> T:
    """Load a config file; on problems print every one to stderr and exit 2 (no traceback)."""
    try:
        return loader(path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem.render(), file=sys.stderr)
        n = len(exc.problems)
        print(f"{path}: {n} problem{'s' if n != 1 else ''} found", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG_ERROR) from None


def check_config(loader: Callable[[str], object], path: str) -> int:
    load_or_exit(loader, path)
    print(f"{path}: ok")
    return EXIT_OK


def configure_logging(level: str, fmt: str) -> None:
    setup_logging(level, json=None if fmt == "auto" else fmt == "json")
