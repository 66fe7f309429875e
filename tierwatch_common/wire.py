"""The agent → collector wire format (version 1) and its strict validation.

A batch is JSON (optionally gzip-compressed)::

    {"version": 1, "agent": "row-a-01", "seq": 1842, "sent_at": 1764000000.0,
     "interval": 15.0,
     "metrics": {"tierwatch_ups_battery_charge_ratio": {"type": "gauge", "help": "..."}},
     "outcomes": [{"target": "ups-a", "status": "ok", "started_at": ..., "duration": 0.21,
                   "interval": 30.0, "readings": 42, "health": "ok", "reason": ""}],
     "readings": [{"target": "ups-a", "metric": "...", "labels": {"phase": "1"},
                   "value": 0.98, "ts": ...}]}

`validate_batch` collects every problem instead of stopping at the first, so a
400 answer tells the agent's operator all that is wrong at once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from tierwatch_common.vocabulary import HEALTHS, METRIC_TYPES, RESERVED_LABELS, STATUSES, UNKNOWN

VERSION = 1

METRIC_NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")


# Hard limits; the collector may lower them in its config.
MAX_METRIC_NAME = 200
MAX_LABELS = 32
MAX_LABEL_VALUE = 1024
MAX_READINGS = 100_000
MAX_OUTCOMES = 10_000
MAX_ERRORS_REPORTED = 50


@dataclass(slots=True, frozen=True)
class Reading:
    target: str
    metric: str
    labels: tuple[tuple[str, str], ...]
    value: float
    ts: float


@dataclass(slots=True, frozen=True)
class Outcome:
    target: str
    status: str
    started_at: float
    duration: float
    interval: float
    readings: int
    health: str = UNKNOWN
    reason: str = ""
    varbinds: int = 0


@dataclass(slots=True)
class Batch:
    agent: str
    seq: int
    sent_at: float
    interval: float
    outcomes: list[Outcome] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    metrics: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Limits:
    max_labels: int = MAX_LABELS
    max_readings: int = MAX_READINGS
    max_label_value: int = MAX_LABEL_VALUE


class _Errors:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.dropped = 0

    def add(self, msg: str) -> None:
        if len(self.items) < MAX_ERRORS_REPORTED:
            self.items.append(msg)
        else:
            self.dropped += 1

    def result(self) -> list[str]:
        if self.dropped:
            return [*self.items, f"... and {self.dropped} more problems"]
        return self.items


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _finite(v: Any) -> bool:
    return _number(v) and math.isfinite(v) and abs(v) < 1e300


def _ident(v: Any) -> bool:
    return isinstance(v, str) and ID_RE.match(v) is not None


def _time(v: Any) -> bool:
    return _finite(v) and 0 <= v < 1e11


def _check_obj(obj: Any, where: str, allowed: frozenset[str], required: tuple[str, ...], errs: _Errors) -> bool:
    if not isinstance(obj, dict):
        errs.add(f"{where}: must be an object")
        return False
    for k in obj:
        if k not in allowed:
            errs.add(f"{where}.{k}: unknown field")
    for k in required:
        if k not in obj:
            errs.add(f"{where}.{k}: required field is missing")
    return True


_BATCH_FIELDS = frozenset({"version", "agent", "seq", "sent_at", "interval", "outcomes", "readings", "metrics"})
_OUTCOME_FIELDS = frozenset({"target", "status", "started_at", "duration", "interval", "readings", "health", "reason",
                             "varbinds"})
_READING_FIELDS = frozenset({"target", "metric", "labels", "value", "ts"})


def validate_batch(obj: Any, limits: Limits = Limits()) -> tuple[Batch | None, list[str]]:
    """Return (batch, []) when `obj` is a valid batch, else (None, every problem found)."""
    errs = _Errors()
    if not _check_obj(obj, "batch", _BATCH_FIELDS, ("version", "agent", "seq", "sent_at", "interval"), errs):
        return None, errs.result()
    if "version" in obj and obj["version"] != VERSION:
        errs.add(f"batch.version: unsupported version {obj['version']!r}; this collector speaks {VERSION}")
    agent = obj.get("agent")
    if "agent" in obj and not _ident(agent):
        errs.add("batch.agent: must be 1-128 characters of letters, digits, '.', '_', ':' or '-'")
    seq = obj.get("seq")
    if "seq" in obj and not (isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq < 2**63):
        errs.add("batch.seq: must be an integer from 0 to 2^63-1")
    if "sent_at" in obj and not _time(obj["sent_at"]):
        errs.add("batch.sent_at: must be a finite unix time in seconds")
    interval = obj.get("interval")
    if "interval" in obj and not (_finite(interval) and 0 < interval <= 86400):
        errs.add("batch.interval: must be a number of seconds in (0, 86400]")

    metrics: dict[str, tuple[str, str]] = {}
    meta = obj.get("metrics", {})
    if not isinstance(meta, dict):
        errs.add("batch.metrics: must be an object")
    else:
        for name, m in meta.items():
            if not _metric_name_ok(name):
                errs.add(f"batch.metrics.{str(name)[:80]}: invalid metric name")
                continue
            if not isinstance(m, dict) or m.get("type") not in METRIC_TYPES or not isinstance(m.get("help", ""), str):
                errs.add(f"batch.metrics.{name}: must be {{\"type\": \"gauge\"|\"counter\", \"help\": str}}")
                continue
            metrics[name] = (m["type"], m.get("help", "")[:500])

    outcomes = _outcomes(obj.get("outcomes", []), errs)
    readings = _readings(obj.get("readings", []), errs, limits)
    problems = errs.result()
    if problems:
        return None, problems
    return Batch(agent, seq, float(obj["sent_at"]), float(interval), outcomes, readings, metrics), []


def _metric_name_ok(name: Any) -> bool:
    return isinstance(name, str) and 0 < len(name) <= MAX_METRIC_NAME and METRIC_NAME_RE.match(name) is not None


def _outcomes(items: Any, errs: _Errors) -> list[Outcome]:
    out: list[Outcome] = []
    if not isinstance(items, list):
        errs.add("batch.outcomes: must be a list")
        return out
    if len(items) > MAX_OUTCOMES:
        errs.add(f"batch.outcomes: {len(items)} outcomes exceed the limit of {MAX_OUTCOMES}")
        return out
    for i, o in enumerate(items):
        where = f"batch.outcomes[{i}]"
        n = len(errs.items) + errs.dropped
        if not _check_obj(o, where, _OUTCOME_FIELDS, ("target", "status", "started_at", "duration"), errs):
            continue
        if "target" in o and not _ident(o["target"]):
            errs.add(f"{where}.target: invalid target name")
        if "status" in o and o["status"] not in STATUSES:
            errs.add(f"{where}.status: must be one of {', '.join(STATUSES)}")
        if o.get("health", UNKNOWN) not in HEALTHS:
            errs.add(f"{where}.health: must be one of {', '.join(HEALTHS)}")
        if "started_at" in o and not _time(o["started_at"]):
            errs.add(f"{where}.started_at: must be a finite unix time in seconds")
        if "duration" in o and not (_finite(o["duration"]) and 0 <= o["duration"] <= 86400):
            errs.add(f"{where}.duration: must be seconds in [0, 86400]")
        iv = o.get("interval", 0)
        if not (_finite(iv) and 0 <= iv <= 86400):
            errs.add(f"{where}.interval: must be seconds in [0, 86400]")
        rc, vb = o.get("readings", 0), o.get("varbinds", 0)
        for name, count in (("readings", rc), ("varbinds", vb)):
            if not (isinstance(count, int) and not isinstance(count, bool) and 0 <= count < 2**31):
                errs.add(f"{where}.{name}: must be a non-negative integer")
        reason = o.get("reason", "")
        if not isinstance(reason, str) or len(reason) > 1024:
            errs.add(f"{where}.reason: must be a string of at most 1024 characters")
        if len(errs.items) + errs.dropped == n:
            out.append(Outcome(o["target"], o["status"], float(o["started_at"]), float(o["duration"]),
                               float(iv), rc, o.get("health", UNKNOWN), reason, vb))
    return out


def _readings(items: Any, errs: _Errors, limits: Limits) -> list[Reading]:
    out: list[Reading] = []
    if not isinstance(items, list):
        errs.add("batch.readings: must be a list")
        return out
    if len(items) > limits.max_readings:
        errs.add(f"batch.readings: {len(items)} readings exceed the limit of {limits.max_readings}")
        return out
    for i, r in enumerate(items):
        where = f"batch.readings[{i}]"
        if not isinstance(r, dict) or r.keys() - _READING_FIELDS or not {"target", "metric", "value", "ts"} <= r.keys():
            _check_obj(r, where, _READING_FIELDS, ("target", "metric", "value", "ts"), errs)
            continue
        ok = True
        target, metric, value, ts = r["target"], r["metric"], r["value"], r["ts"]
        if not _ident(target):
            errs.add(f"{where}.target: invalid target name")
            ok = False
        if not _metric_name_ok(metric):
            errs.add(f"{where}.metric: invalid metric name {str(metric)[:80]!r}")
            ok = False
        if not _finite(value):
            errs.add(f"{where}.value: must be a finite number")
            ok = False
        if not _time(ts):
            errs.add(f"{where}.ts: must be a finite unix time in seconds")
            ok = False
        labels = r.get("labels", {})
        pairs: tuple[tuple[str, str], ...] = ()
        if not isinstance(labels, dict):
            errs.add(f"{where}.labels: must be an object of string values")
            ok = False
        elif len(labels) > limits.max_labels:
            errs.add(f"{where}.labels: {len(labels)} labels exceed the limit of {limits.max_labels}")
            ok = False
        else:
            for k, v in labels.items():
                if not LABEL_NAME_RE.match(k) or k.startswith("__") or k in RESERVED_LABELS:
                    errs.add(f"{where}.labels: invalid or reserved label name {k[:80]!r}")
                    ok = False
                elif not isinstance(v, str) or len(v) > limits.max_label_value:
                    errs.add(f"{where}.labels.{k}: must be a string of at most {limits.max_label_value} characters")
                    ok = False
            if ok:
                pairs = tuple(sorted(labels.items()))
        if ok:
            out.append(Reading(target, metric, pairs, float(value), float(ts)))
    return out


def encode_reading(r: Reading) -> dict[str, Any]:
    return {"target": r.target, "metric": r.metric, "labels": dict(r.labels), "value": r.value, "ts": r.ts}


def encode_outcome(o: Outcome) -> dict[str, Any]:
    return {"target": o.target, "status": o.status, "started_at": o.started_at, "duration": o.duration,
            "interval": o.interval, "readings": o.readings, "health": o.health, "reason": o.reason,
            "varbinds": o.varbinds}
