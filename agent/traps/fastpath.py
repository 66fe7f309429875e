"""From a notification to the collector in seconds: count it, and poll its target at once.

A notification matched to a target asks the scheduler for an immediate poll of it, under a
token bucket per target (`poll_burst` polls at once, then one per `poll_every` seconds) and
at most one such poll in flight per target, so a storm from one sender costs that sender a
poll every few seconds and never the others' slots. The scheduler sends the poll's outcome
twice: stamped at the trap's receive time (the change's time, with the state the poll read
right after it) and as the poll itself, so the availability engine places the change at the
trap and the poll confirms or corrects it. Notifications beyond the bucket are counted
(`limited`) and ride on the poll already made.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from agent.traps.catalog import OTHER
from agent.traps.notification import Notification

log = structlog.get_logger("agent.traps")

MAX_COUNTED_TRAPS = 64  # distinct trap names counted per target; beyond it they count as `other`


@dataclass(slots=True)
class TokenBucket:
    capacity: float
    every: float  # seconds per token
    tokens: float
    at: float

    def take(self, now: float) -> bool:
        if self.every > 0:
            self.tokens = min(self.capacity, self.tokens + (now - self.at) / self.every)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class TrapPath:
    def __init__(self, trigger: Callable[[str, float, str], bool], *, burst: int = 3, every: float = 5.0,
                 monotonic: Callable[[], float]) -> None:
        """`trigger(target, received_at, why)` starts an immediate poll; False if one is already running."""
        self._trigger = trigger
        self._burst, self._every = burst, every
        self._monotonic = monotonic
        self._buckets: dict[str, TokenBucket] = {}
        self.received: Counter[tuple[str, str]] = Counter()  # (target, trap name) → notifications
        self.polls: Counter[tuple[str, str]] = Counter()  # (target, triggered | limited | running)
        self._names: dict[str, set[str]] = {}

    def __call__(self, note: Notification) -> None:
        target = note.target
        if target is None:
            return
        name = note.name or OTHER
        names = self._names.setdefault(target, set())
        if name not in names and len(names) >= MAX_COUNTED_TRAPS:
            name = OTHER
        names.add(name)
        self.received[(target, name)] += 1
        now = self._monotonic()
        bucket = self._buckets.get(target)
        if bucket is None:
            bucket = self._buckets[target] = TokenBucket(float(self._burst), self._every, float(self._burst), now)
        if not bucket.take(now):
            self.polls[(target, "limited")] += 1  # a storm: counted, not logged one by one
            return
        log.info("trap_received", target=target, trap=note.name or note.trap_oid, kind=note.kind,
                 severity=note.severity or None, **note.labels)
        why = f"trap {note.name or note.trap_oid}"
        if self._trigger(target, note.received_at, why):
            self.polls[(target, "triggered")] += 1
        else:
            bucket.tokens = min(bucket.capacity, bucket.tokens + 1)  # nothing started: give the token back
            self.polls[(target, "running")] += 1
