"""The words agent and collector both use, each defined once: what a poll outcome says, what kind of
metric a reading belongs to, and which names hold secrets.

These are wire and config values: changing one changes the format; add words, do not rename them.
"""

from __future__ import annotations

from collections.abc import Iterable

# Poll status: did the target answer? (an outcome's `status`)
OK = "ok"
TIMEOUT = "timeout"
AUTH_ERROR = "auth_error"
ERROR = "error"
STATUSES = (OK, TIMEOUT, AUTH_ERROR, ERROR)

# Health: the profile's verdict on what the target answered (an outcome's `health`). `ok` is the
# same word as the status; `unknown` when there was nothing to judge (no answer, no profile).
DEGRADED = "degraded"
CRITICAL = "critical"
UNKNOWN = "unknown"
HEALTHS = (OK, DEGRADED, CRITICAL, UNKNOWN)


def counts_as_up(status: str, health: str) -> bool:
    """A target is up when its poll was answered and its health rule reports nothing critical
    (a UPS on battery answers SNMP, but it is not healthy)."""
    return status == OK and health != CRITICAL


# Labels the collector adds to every pushed series: a reading may not carry them itself.
LABEL_TARGET = "target"
LABEL_AGENT = "agent"
RESERVED_LABELS = frozenset({LABEL_TARGET, LABEL_AGENT})

# Metric types a reading's metadata may declare.
GAUGE = "gauge"
COUNTER = "counter"
METRIC_TYPES = (GAUGE, COUNTER)

# A config path or log field whose name contains one of these words holds a secret: its value is
# never echoed in an error and never logged.
SECRET_WORDS = ("token", "community", "auth_key", "priv_key", "password", "secret", "authorization")


def is_secret_name(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


def names_a_secret(path: Iterable[object]) -> bool:
    """True when any key along a config path (``("targets", 0, "community")``) names a secret."""
    return any(isinstance(part, str) and is_secret_name(part) for part in path)
