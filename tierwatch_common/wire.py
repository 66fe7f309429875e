"""The agent → collector wire format (version 1): its JSON form and its strict validation.

A batch is JSON (optionally gzip-compressed)::

    {"version": 1, "agent": "row-a-01", "seq": 1842, "sent_at": 1764000000.0,
     "interval": 15.0,
     "metrics": {"tierwatch_ups_battery_charge_ratio": {"type": "gauge", "help": "..."}},
     "outcomes": [{"target": "ups-a", "status": "ok", "started_at": ..., "duration": 0.21,
                   "interval": 30.0, "readings": 42, "health": "ok", "reason": ""}],
     "readings": [{"target": "ups-a", "metric": "...", "labels": {"phase": "1"},
                   "value": 0.98, "ts": ...}]}

`validate_batch` checks a parsed body against the wire model (pydantic, its checks compiled:
about three times faster than checking field by field in Python) and reports every problem
instead of stopping at the first, so a 400 answer tells the agent's operator all that is wrong
at once, each as `batch.readings[3].value: must be a finite number`. The in-memory types it
returns are those of `tierwatch_common.models`.
"""

from __future__ import annotations

import gc
from functools import lru_cache
from typing import Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, ConfigDict, Field, Strict, StringConstraints, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from tierwatch_common.models import Batch, MetricInfo, Outcome, Reading
from tierwatch_common.wireformat import (ID_RE, MAX_ERRORS_REPORTED, MAX_HELP, MAX_METRIC_NAME, MAX_NUMBER,
                                         MAX_OUTCOMES, MAX_REASON, MAX_SECONDS, MAX_TIME, METRIC_NAME_RE, VERSION, Limits)
from tierwatch_common.vocabulary import HEALTHS, METRIC_TYPES, RESERVED_LABELS, STATUSES, UNKNOWN

# -- the model ----------------------------------------------------------------------------------
# Every check is a pydantic-core constraint (compiled, no Python call per reading); the patterns
# run on pydantic's Rust regex engine, which has no look-ahead, hence `_identifier_except`.

def _identifier_except(words: frozenset[str], prefix: str) -> str:
    """A look-ahead-free pattern for `[a-zA-Z_][a-zA-Z0-9_]*` minus `words` and minus every name
    starting with `prefix` (a trie of the excluded names, each branch allowing every other path)."""
    first = "".join(sorted(set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")))
    rest = "".join(sorted(set(first + "0123456789")))

    def node(done: str) -> str | None:
        if done.startswith(prefix):
            return None
        nexts = sorted({w[len(done)] for w in (*words, prefix) if w.startswith(done) and len(w) > len(done)})
        alts = [""] if done and done not in words else []
        others = "".join(c for c in (rest if done else first) if c not in nexts)
        alts.append(f"[{others}][{rest}]*")
        alts += [c + sub for c in nexts if (sub := node(done + c)) is not None]
        return "(?:" + "|".join(alts) + ")"

    return "^" + (node("") or "") + "$"


LABEL_KEY_PATTERN = _identifier_except(RESERVED_LABELS, "__")

Ident = Annotated[str, Strict(), StringConstraints(pattern=ID_RE.pattern.replace("\\Z", "$"))]
MetricName = Annotated[str, Strict(), StringConstraints(pattern=METRIC_NAME_RE.pattern.replace("\\Z", "$"),
                                                        min_length=1, max_length=MAX_METRIC_NAME)]
Time = Annotated[float, Strict(), Field(allow_inf_nan=False, ge=0, lt=MAX_TIME)]
Seconds = Annotated[float, Strict(), Field(allow_inf_nan=False, ge=0, le=MAX_SECONDS)]
Count = Annotated[int, Strict(), Field(ge=0, lt=2**31)]
_FORBID = ConfigDict(extra="forbid", strict=True)


def _version(v: Any) -> Any:
    if v != VERSION:
        raise PydanticCustomError("version", "unsupported version {v}; this collector speaks {version}",
                                  {"v": repr(v), "version": VERSION})
    return v


class MetricModel(TypedDict):
    __pydantic_config__ = ConfigDict(extra="ignore")  # type: ignore[misc]  (room for fields to come)
    type: Literal[METRIC_TYPES]  # type: ignore[valid-type]
    help: NotRequired[Annotated[str, Strict()]]


class OutcomeModel(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]
    target: Ident
    status: Literal[STATUSES]  # type: ignore[valid-type]
    health: NotRequired[Literal[HEALTHS]]  # type: ignore[valid-type]
    started_at: Time
    duration: Seconds
    interval: NotRequired[Seconds]
    readings: NotRequired[Count]
    varbinds: NotRequired[Count]
    reason: NotRequired[Annotated[str, StringConstraints(max_length=MAX_REASON)]]


@lru_cache(maxsize=16)
def batch_model(limits: Limits) -> TypeAdapter[Any]:
    """The batch model for one set of limits (built once per set)."""

    class ReadingModel(TypedDict):
        __pydantic_config__ = _FORBID  # type: ignore[misc]
        target: Ident
        metric: MetricName
        value: Annotated[float, Strict(), Field(allow_inf_nan=False, gt=-MAX_NUMBER, lt=MAX_NUMBER)]
        ts: Time
        labels: NotRequired[Annotated[dict[Annotated[str, StringConstraints(pattern=LABEL_KEY_PATTERN)],
                                           Annotated[str, StringConstraints(max_length=limits.max_label_value)]],
                                      Field(max_length=limits.max_labels)]]

    class BatchModel(TypedDict):
        __pydantic_config__ = _FORBID  # type: ignore[misc]
        version: Annotated[Any, AfterValidator(_version)]
        agent: Ident
        seq: Annotated[int, Field(ge=0, lt=2**63)]
        sent_at: Time
        interval: Annotated[float, Field(allow_inf_nan=False, gt=0, le=MAX_SECONDS)]
        metrics: NotRequired[dict[MetricName, MetricModel]]
        outcomes: NotRequired[Annotated[list[OutcomeModel], Field(max_length=MAX_OUTCOMES)]]
        readings: NotRequired[Annotated[list[ReadingModel], Field(max_length=limits.max_readings)]]

    return TypeAdapter(BatchModel)


# Label sets repeat (the same outlets and phases on every PDU): each one seen, in the order it
# came, maps to its canonical form, so most readings cost a lookup, not a sort, and share one tuple.
_CANONICAL: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}
CANONICAL_CACHE = 65_536
_new = tuple.__new__  # builds a Reading without the Python-level __new__ of a NamedTuple


def _canonical(pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    if len(_CANONICAL) >= CANONICAL_CACHE:
        _CANONICAL.clear()
    canon = _CANONICAL[pairs] = tuple(sorted(pairs))
    return canon


def validate_batch(obj: Any, limits: Limits = Limits()) -> tuple[Batch | None, list[str]]:
    """Return (batch, []) when `obj` is a valid batch, else (None, every problem found)."""
    # Building a batch allocates thousands of objects and frees none: a garbage collection pass
    # meanwhile (one every 700 allocations) finds nothing to free, so none runs until it is built.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(batch_model(limits).validate_python(obj)), []
    except ValidationError as exc:
        return None, problems(exc, obj, limits)
    finally:
        if collecting:
            gc.enable()


def _build(valid: dict[str, Any]) -> Batch:
    known = _CANONICAL.get
    readings = [_new(Reading, (r["target"], r["metric"], (known(k) or _canonical(k))
                               if "labels" in r and (k := tuple(r["labels"].items())) else (), r["value"], r["ts"]))
                for r in valid.get("readings", ())]
    outcomes = [Outcome(o["target"], o["status"], o["started_at"], o["duration"], o.get("interval", 0.0),
                        o.get("readings", 0), o.get("health", UNKNOWN), o.get("reason", ""), o.get("varbinds", 0))
                for o in valid.get("outcomes", ())]
    metrics = {name: MetricInfo(m["type"], m.get("help", "")[:MAX_HELP]) for name, m in valid.get("metrics", {}).items()}
    return Batch(valid["agent"], valid["seq"], float(valid["sent_at"]), float(valid["interval"]), outcomes, readings,
                 metrics)



# -- problems, as sentences ---------------------------------------------------------------------
# pydantic reports every error with its location; each becomes one sentence, in the order a reader
# follows the batch: its own fields (unknown, then missing, then each field), the metrics, every
# outcome, every reading. A reading whose shape is wrong (unknown or missing fields) gets only that
# said of it; a label set over the limit only its size.

_BATCH_REQUIRED = ("version", "agent", "seq", "sent_at", "interval")
_BATCH_ORDER = (*_BATCH_REQUIRED, "metrics", "outcomes", "readings")
_OUTCOME_REQUIRED = ("target", "status", "started_at", "duration")
_OUTCOME_ORDER = ("target", "status", "health", "started_at", "duration", "interval", "readings", "varbinds", "reason")
_READING_REQUIRED = ("target", "metric", "value", "ts")
_READING_ORDER = (*_READING_REQUIRED, "labels")
_INVALID_TARGET = "invalid target name"
_TIME = "must be a finite unix time in seconds"
_SECONDS = f"must be seconds in [0, {MAX_SECONDS}]"
_COUNT = "must be a non-negative integer"
_BATCH_SAYS = {
    "agent": "must be 1-128 characters of letters, digits, '.', '_', ':' or '-'",
    "seq": "must be an integer from 0 to 2^63-1",
    "sent_at": _TIME,
    "interval": f"must be a number of seconds in (0, {MAX_SECONDS}]",
    "metrics": "must be an object",
}
_OUTCOME_SAYS = {
    "target": _INVALID_TARGET, "status": f"must be one of {', '.join(STATUSES)}",
    "health": f"must be one of {', '.join(HEALTHS)}", "started_at": _TIME, "duration": _SECONDS,
    "interval": _SECONDS, "readings": _COUNT, "varbinds": _COUNT,
    "reason": f"must be a string of at most {MAX_REASON} characters",
}
_READING_SAYS = {"target": _INVALID_TARGET, "value": "must be a finite number", "ts": _TIME,
                 "labels": "must be an object of string values"}
_METRIC_SHAPE = 'must be {"type": "gauge"|"counter", "help": str}'

Key = tuple[int, ...]


def problems(exc: ValidationError, obj: Any, limits: Limits) -> list[str]:
    """Every problem `exc` found in `obj`, as sentences in reading order, at most MAX_ERRORS_REPORTED
    of them (then one line saying how many more)."""
    found: dict[Key, str] = {}
    for err in exc.errors(include_url=False):
        loc, kind = err["loc"], err["type"]
        if not loc:
            return ["batch: must be an object"]
        head = str(loc[0])
        if len(loc) == 1:
            found.setdefault(*_batch_field(obj, head, kind, err, limits))
        elif head == "metrics":
            name = loc[1]
            pos = _position(obj["metrics"], name)
            if loc[2:] == ("[key]",):
                found[(6, pos, 0)] = f"batch.metrics.{str(name)[:80]}: invalid metric name"
            else:
                found.setdefault((6, pos, 1), f"batch.metrics.{name}: {_METRIC_SHAPE}")
        elif head in ("outcomes", "readings"):
            found.setdefault(*_item(obj, head, loc, kind, limits))
    keys = set(found)
    misshapen = {k[:2] for k in keys if k[0] == 8 and len(k) > 2 and k[2] in (1, 2)}
    for key in list(found):
        if key[0] == 6 and len(key) == 3 and key[2] == 1 and (6, key[1], 0) in keys:
            del found[key]  # a metric with a bad name is not checked further
        elif key[0] == 8 and len(key) > 3 and key[2] == 3 and key[:2] in misshapen:
            del found[key]  # a reading of the wrong shape is not checked further
        elif key[0] == 8 and len(key) == 6 and key[5] == 1 and (*key[:5], 0) in keys:
            del found[key]  # a label with a bad name: its value is not checked
    said = [found[k] for k in sorted(found)]
    if len(said) > MAX_ERRORS_REPORTED:
        return [*said[:MAX_ERRORS_REPORTED], f"... and {len(said) - MAX_ERRORS_REPORTED} more problems"]
    return said


def _position(container: Any, key: Any) -> int:
    return next((i for i, k in enumerate(container) if k == key), -1)


def _batch_field(obj: dict[str, Any], field: str, kind: str, err: Any, limits: Limits) -> tuple[Key, str]:
    if kind == "extra_forbidden":
        return (0, 0, _position(obj, field)), f"batch.{field}: unknown field"
    if kind == "missing":
        return (0, 1, _BATCH_REQUIRED.index(field)), f"batch.{field}: required field is missing"
    rank = 1 + _BATCH_ORDER.index(field)
    if field == "version":
        return (rank,), f"batch.version: {err['msg']}"
    if field in ("outcomes", "readings"):
        if kind != "too_long":
            return (rank, -1), f"batch.{field}: must be a list"
        limit = MAX_OUTCOMES if field == "outcomes" else limits.max_readings
        return (rank, -1), f"batch.{field}: {len(obj[field])} {field} exceed the limit of {limit}"
    return (rank,), f"batch.{field}: {_BATCH_SAYS[field]}"


def _item(obj: dict[str, Any], section: str, loc: tuple[Any, ...], kind: str, limits: Limits) -> tuple[Key, str]:
    rank = 1 + _BATCH_ORDER.index(section)
    i = int(loc[1])
    where = f"batch.{section}[{i}]"
    if len(loc) == 2:
        return (rank, i, 0), f"{where}: must be an object"
    field, raw = str(loc[2]), obj[section][i]
    if kind == "extra_forbidden":
        return (rank, i, 1, _position(raw, field)), f"{where}.{field}: unknown field"
    if kind == "missing":
        required = _OUTCOME_REQUIRED if section == "outcomes" else _READING_REQUIRED
        return (rank, i, 2, required.index(field)), f"{where}.{field}: required field is missing"
    if section == "outcomes":
        return (rank, i, 3, _OUTCOME_ORDER.index(field)), f"{where}.{field}: {_OUTCOME_SAYS[field]}"
    at = _READING_ORDER.index(field)
    if field == "metric":
        return (rank, i, 3, at), f"{where}.metric: invalid metric name {str(raw['metric'])[:80]!r}"
    if field != "labels" or len(loc) == 3:
        labels = raw.get("labels")
        if field == "labels" and kind == "too_long":
            return (rank, i, 3, at), f"{where}.labels: {len(labels)} labels exceed the limit of {limits.max_labels}"
        return (rank, i, 3, at), f"{where}.{field}: {_READING_SAYS[field]}"
    labels = raw["labels"]
    if len(labels) > limits.max_labels:  # only the count is said of a label set over the limit
        return (rank, i, 3, at), f"{where}.labels: {len(labels)} labels exceed the limit of {limits.max_labels}"
    name = str(loc[3])
    pos = _position(labels, name)
    if loc[4:] == ("[key]",):
        return (rank, i, 3, at, pos, 0), f"{where}.labels: invalid or reserved label name {name[:80]!r}"
    return (rank, i, 3, at, pos, 1), (f"{where}.labels.{name}: must be a string of at most "
                                      f"{limits.max_label_value} characters")
