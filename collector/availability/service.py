"""A service's live record and its window cache.

For a fixed history, the seconds a window holds in each bucket are a linear function of
now: the bucket in force now gains ``dt`` and, for a rolling window, the bucket in force at
the window start loses ``dt``. The cache keeps that function per window — a constant
vector, the indices that gain and the ones that lose — and stays valid until a window start
crosses the next transition, a new transition is recorded, or a calendar period turns.
A scrape is then one list copy and a few additions per service, whatever the windows'
lengths; rebuilding is O(1) amortised (cursors only move forward).
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Sequence
from typing import NamedTuple

from collector.availability.settings import SloPolicy
from collector.availability.timeline import MAINT, UNTRACKED, WIDTH, Cursor, Timeline, split_bucket
from collector.availability.vocabulary import DEGRADED, DOWN, OK, UNKNOWN, UP_STATES, state_label
from collector.availability.windows import Frame
from tierwatch_common import vocabulary as shared

_INF = float("inf")


class Drift(NamedTuple):
    """See ``Service.drift``."""

    version: int
    epoch: int
    until: float
    gain: tuple[int, ...]            # per window, the bucket in force now
    lose: tuple[int | None, ...]     # per window, the bucket in force at a rolling window's start


class Service:
    """One target or redundancy group: its history, current state and window cache."""

    __slots__ = (
        "name", "kind", "policy", "timeline", "created_at", "state", "maint", "nominal",
        "last_at", "staleness", "lag", "floor", "health", "reason", "warning", "recent", "version",
        "_cursors", "_cache_version", "_cache_epoch", "_valid_from", "_valid_until",
        "_t_last", "_flat", "_plus", "_minus", "_drift")

    def __init__(self, name: str, kind: str, policy: SloPolicy, created_at: float,
                 windows: int, recent: int) -> None:
        self.name = name
        self.kind = kind
        self.policy = policy
        self.timeline = Timeline()
        self.created_at = created_at
        self.state = -1                  # none yet
        self.maint = False               # bucket's maintenance flag
        self.nominal = UNKNOWN           # groups: state if no maintenance were declared
        self.last_at = created_at        # targets: time of the last outcome
        self.staleness = _INF            # targets: silence after which the state is unknown
        self.lag = 0.0                   # targets: how far its agent's clock is behind the collector's
        self.floor = created_at          # history before this instant is final
        self.health = shared.UNKNOWN
        self.reason = ""
        self.warning = ""                # groups: members' health warnings (not lost redundancy)
        self.recent: deque[tuple[float, int, str]] = deque(maxlen=recent)
        self.version = 0
        self._cursors = [Cursor() for _ in range(windows)]
        self._cache_version = -1
        self._cache_epoch = -1
        self._valid_from = _INF
        self._valid_until = -_INF
        self._t_last = 0.0
        self._flat = array("d")
        self._plus: tuple[int, ...] = ()
        self._minus: tuple[int, ...] = ()
        self._drift: Drift | None = None

    @property
    def is_up(self) -> bool:
        return self.state in UP_STATES and not self.maint

    @property
    def label(self) -> str:
        """The current state as the API and /metrics name it (see ``vocabulary.state_label``)."""
        return state_label(self.kind, self.state, self.maint)

    @property
    def settled(self) -> float:
        """Instant up to which this service's history can no longer change."""
        return max(self.floor, self.timeline.last_time)

    def truncate_after(self, t: float) -> int:
        """Rewrite from ``t``: transitions after it are forgotten, the state is the one in force at
        ``t``, and the window cache starts afresh. Returns how many transitions went."""
        gone = self.timeline.truncate_after(t)
        if gone:
            keep = [r for r in self.recent if r[0] <= t]
            self.recent.clear()
            self.recent.extend(keep)
            self._cursors = [Cursor() for _ in self._cursors]
            self.version += 1
            if len(self.timeline):
                self.state, self.maint = split_bucket(self.timeline.last_bucket)
            else:
                self.state, self.maint = -1, False
        return gone

    def cum_at_settled(self, settled: float | None = None) -> array[float]:
        """F(settled) in O(1): the settled instant is never before the last transition."""
        tl = self.timeline
        at = self.settled if settled is None else max(settled, tl.last_time)
        vec = tl.last_cum[:]
        vec[tl.last_bucket] += at - tl.last_time
        return vec

    def windows_at(self, frame: Frame) -> array[float]:
        """Seconds per bucket for every window of ``frame``: ``WIDTH`` floats per window.

        An array, not a list: a scrape then allocates nothing the garbage collector tracks,
        so a large fleet does not trigger collections at every scrape.
        """
        now = frame.now
        if (self._cache_version != self.version or self._cache_epoch != frame.epoch
                or not self._valid_from <= now < self._valid_until):
            self._rebuild(frame)
        dt = now - self._t_last
        values = self._flat[:]
        for i in self._plus:
            values[i] += dt
        for i in self._minus:
            values[i] -= dt
        return values

    def drift(self) -> Drift:
        """How the window cache built by the last ``windows_at`` moves with now: every window's
        bucket that gains ``dt`` and the one that loses it (None: calendar windows lose nothing),
        and the (version, epoch, instant) up to which that holds."""
        drift = self._drift
        if drift is None or drift.version != self._cache_version or drift.epoch != self._cache_epoch \
                or drift.until != self._valid_until:
            gain = tuple(i % WIDTH for i in self._plus)
            lose: list[int | None] = [None] * len(self._plus)
            for i in self._minus:
                lose[i // WIDTH] = i % WIDTH
            drift = self._drift = Drift(self._cache_version, self._cache_epoch, self._valid_until, gain, tuple(lose))
        return drift

    def _rebuild(self, frame: Frame) -> None:
        tl = self.timeline
        times, buckets = tl.times, tl.buckets
        n = len(times)
        t_last = times[-1]
        gain = buckets[-1]
        last = tl.last_cum
        flat = array("d")
        plus: list[int] = []
        minus: list[int] = []
        valid = _INF
        for w, cursor in enumerate(self._cursors):
            start, period, rolling = frame.starts[w], frame.periods[w], frame.rolling[w]
            base = w * WIDTH
            cursor.seek(tl, start)
            idx = cursor.index
            plus.append(base + gain)
            if idx < 0:                                  # window starts before the first transition
                vec = last[:]
                if rolling:                              # F(start) = 0; the scratch slot takes -dt
                    minus.append(base + UNTRACKED)
                    valid = min(valid, times[0] + period)
            else:
                vec = array("d", [a - b for a, b in zip(last, cursor.cum)])
                lose = buckets[idx]
                if rolling:                              # F(start) = cum + (dt + t_last - L - t_idx) e_lose
                    vec[lose] -= t_last - period - times[idx]
                    minus.append(base + lose)            # even when lose == gain: same work per window
                    if idx + 1 < n:
                        valid = min(valid, times[idx + 1] + period)
                else:                                    # fixed start: F(start) = cum + (start - t_idx) e_lose
                    vec[lose] -= start - times[idx]
            flat.extend(vec)
        self._flat, self._plus, self._minus = flat, tuple(plus), tuple(minus)
        self._t_last = t_last
        self._valid_from, self._valid_until = frame.now, valid
        self._cache_version, self._cache_epoch = self.version, frame.epoch


def counters(vec: Sequence[float]) -> tuple[float, float, float, float, float, float]:
    """(up, degraded, down, unknown, maintenance, planned_down) seconds from an F vector.

    up includes degraded; down, unknown and up are outside maintenance; maintenance is all
    time under declared maintenance; planned_down is the down part of it.
    """
    return (vec[OK] + vec[DEGRADED], vec[DEGRADED], vec[DOWN], vec[UNKNOWN],
            vec[MAINT + OK] + vec[MAINT + DEGRADED] + vec[MAINT + DOWN] + vec[MAINT + UNKNOWN],
            vec[MAINT + DOWN])
