"""The agent → collector wire format (version 1): its names, its limits and the agent's encoders.

This module needs nothing beyond the standard library, so the agent, which only encodes
batches, loads none of the validation machinery: `tierwatch_common.wire` (the collector's
side) validates a batch against these same names and limits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tierwatch_common.models import MetricInfo, Outcome, Reading

VERSION = 1

# `\Z`, not `$`: `$` also matches before a trailing newline, which no name may end with.
METRIC_NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*\Z")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}\Z")


# Hard limits; the collector may lower them in its config.
MAX_METRIC_NAME = 200
MAX_HELP = 500
MAX_LABELS = 32
MAX_LABEL_VALUE = 1024
MAX_REASON = 1024
MAX_READINGS = 100_000
MAX_OUTCOMES = 10_000
MAX_ERRORS_REPORTED = 50
MAX_SECONDS = 86400  # the longest interval or duration a batch may carry
MAX_TIME = 1e11  # unix times are below this (year 5138)
MAX_NUMBER = 1e300  # values beyond this are refused as not finite enough to add up


@dataclass(frozen=True)
class Limits:
    max_labels: int = MAX_LABELS
    max_readings: int = MAX_READINGS
    max_label_value: int = MAX_LABEL_VALUE


def encode_reading(r: Reading) -> dict[str, Any]:
    return {"target": r.target, "metric": r.metric, "labels": dict(r.labels), "value": r.value, "ts": r.ts}


def encode_outcome(o: Outcome) -> dict[str, Any]:
    return {"target": o.target, "status": o.status, "started_at": o.started_at, "duration": o.duration,
            "interval": o.interval, "readings": o.readings, "health": o.health, "reason": o.reason,
            "varbinds": o.varbinds}


def encode_metrics(metrics: dict[str, MetricInfo]) -> dict[str, dict[str, str]]:
    return {name: {"type": m.type, "help": m.help} for name, m in metrics.items()}
