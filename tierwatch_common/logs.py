"""structlog set-up shared by both programs: JSON off a TTY, readable console on one."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from tierwatch_common.vocabulary import is_secret_name


def _redact(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in list(event):
        if is_secret_name(key):
            event[key] = "<secret>"
    return event


def setup_logging(level: str = "info", *, json: bool | None = None, stream: Any = None) -> None:
    """Configure structlog once per process. `json=None` picks JSON unless stderr is a TTY."""
    stream = stream or sys.stderr
    if json is None:
        json = not stream.isatty()
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info if json else structlog.dev.set_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
