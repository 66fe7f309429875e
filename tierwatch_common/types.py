"""Small value types shared by both config files: durations, byte sizes, label maps, secrets."""

from __future__ import annotations

import os
import re
from typing import Annotated, Any

import pydantic
from pydantic import BeforeValidator, Field, SecretStr

from tierwatch_common.vocabulary import RESERVED_LABELS
from tierwatch_common.wireformat import ID_RE, LABEL_NAME_RE

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 7 * 86400.0, None: 1.0}


def _duration(v: Any) -> float:
    if isinstance(v, bool):
        raise ValueError("must be a duration such as 15, '15s', '5m' or '1h'")
    if isinstance(v, (int, float)):
        seconds = float(v)
    elif isinstance(v, str) and (m := _DURATION_RE.match(v)):
        seconds = float(m.group(1)) * _DURATION_UNITS[m.group(2)]
    else:
        raise ValueError("must be a duration such as 15, '15s', '5m' or '1h'")
    if seconds <= 0:
        raise ValueError("must be a positive duration")
    return seconds


def _not_bool(v: Any) -> Any:
    if isinstance(v, bool):
        raise ValueError("must be a size such as 1048576, '512KiB' or '64MiB'")
    return v


def _labels(v: Any) -> Any:
    if not isinstance(v, dict):
        return v
    for key, value in v.items():
        if not isinstance(key, str) or not LABEL_NAME_RE.match(key) or key.startswith("__") or key in RESERVED_LABELS:
            raise ValueError(f"label name {key!r} is not a valid Prometheus label name (or is reserved)")
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ValueError(f"label {key!r} must have a string value")
    return {k: str(val) for k, val in v.items()}


def _secret_source(v: Any) -> Any:
    """A secret given as `env:NAME` is read from the environment (so it stays out of files)."""
    if isinstance(v, str) and v.startswith("env:"):
        name = v[4:]
        if name not in os.environ:
            raise ValueError(f"environment variable {name} is not set")
        return os.environ[name]
    return v


def _ident(v: Any) -> Any:
    if isinstance(v, str) and not ID_RE.match(v):
        raise ValueError("must be 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit")
    return v


Ident = Annotated[str, BeforeValidator(_ident)]
Duration = Annotated[float, BeforeValidator(_duration)]
# bytes, or a number with a unit (B, KB/KiB, MB/MiB, GB/GiB, TB/TiB, ...), greater than zero
ByteSize = Annotated[pydantic.ByteSize, BeforeValidator(_not_bool), Field(gt=0)]
Labels = Annotated[dict[str, str], BeforeValidator(_labels)]
Secret = Annotated[SecretStr, BeforeValidator(_secret_source)]
