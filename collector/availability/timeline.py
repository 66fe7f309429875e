"""One service's history as transitions, with cumulative time per bucket for O(1) window sums.

A *bucket* is the pair (state, maintenance) packed in a small int: ``state + 4 * maint``
(states as in ``vocabulary``).
``F(t)`` is the vector of seconds spent in each bucket from the first transition to ``t``;
the time in a window ``[a, b]`` is ``F(b) - F(a)``, whatever the window's length.

Storage is compact (about 13 bytes per transition): times and buckets in arrays, plus a
full ``F`` vector every ``CHECKPOINT`` transitions. ``F`` at any index is a checkpoint plus at
most ``CHECKPOINT - 1`` additions, so a lookup is O(log n) for the search and O(1) otherwise;
windows move forward one transition at a time without any search (see ``Cursor``).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable

MAINT = 4                    # flag added to a state
UNTRACKED = 8                # before the service's first transition; never stored
WIDTH = 9                    # length of an F vector (index UNTRACKED is scratch space)
CHECKPOINT = 16


def bucket_of(state: int, maintenance: bool) -> int:
    return state + MAINT if maintenance else state


def split_bucket(bucket: int) -> tuple[int, bool]:
    """(state, under maintenance) of a bucket."""
    return bucket & (MAINT - 1), bucket >= MAINT


_ZEROS = array("d", [0.0] * WIDTH)


def zeros() -> array[float]:
    """A fresh F vector (arrays: not tracked by the garbage collector, unlike lists)."""
    return _ZEROS[:]


class Timeline:
    """Append-only transitions ``(t, bucket)`` with non-decreasing ``t``."""

    __slots__ = ("times", "buckets", "_checkpoints", "last_cum")

    def __init__(self) -> None:
        self.times = array("d")
        self.buckets = array("B")
        self._checkpoints = array("d")
        self.last_cum = zeros()      # F(times[-1])

    def __len__(self) -> int:
        return len(self.times)

    @property
    def last_time(self) -> float:
        return self.times[-1]

    @property
    def last_bucket(self) -> int:
        return self.buckets[-1]

    def append(self, t: float, bucket: int) -> bool:
        """Record that the service is in ``bucket`` from ``t``; False if it already was."""
        times = self.times
        n = len(times)
        if n:
            if t < times[-1]:
                raise ValueError(f"transition at {t} is before the last one at {times[-1]}")
            if bucket == self.buckets[-1]:
                return False
            self.last_cum[self.buckets[-1]] += t - times[-1]
        if n % CHECKPOINT == 0:
            self._checkpoints.extend(self.last_cum)
        times.append(t)
        self.buckets.append(bucket)
        return True

    def extend(self, rows: Iterable[tuple[float, int]]) -> None:
        """Bulk append of stored rows (already ordered, already distinct)."""
        times, buckets, cps = self.times, self.buckets, self._checkpoints
        cum = self.last_cum
        n = len(times)
        prev_t = times[-1] if n else 0.0
        prev_b = buckets[-1] if n else UNTRACKED
        for t, b in rows:
            if n:
                cum[prev_b] += t - prev_t
            if n % CHECKPOINT == 0:
                cps.extend(cum)
            times.append(t)
            buckets.append(b)
            prev_t, prev_b = t, b
            n += 1

    def truncate_after(self, t: float) -> int:
        """Forget every transition after ``t`` (history being rewritten); how many went."""
        keep = bisect_right(self.times, t)
        gone = len(self.times) - keep
        if gone:
            del self.times[keep:]
            del self.buckets[keep:]
            del self._checkpoints[-(-keep // CHECKPOINT) * WIDTH:]
            self.last_cum = self.cum_at_index(keep - 1) if keep else zeros()
        return gone

    def bucket_at(self, t: float) -> int | None:
        """The bucket in force at ``t``; None before the first transition."""
        i = self.index_at(t)
        return self.buckets[i] if i >= 0 else None

    def cum_at_index(self, i: int) -> array[float]:
        """F(times[i]) as a new vector."""
        c = i // CHECKPOINT
        vec = self._checkpoints[c * WIDTH:(c + 1) * WIDTH]
        times, buckets = self.times, self.buckets
        for j in range(c * CHECKPOINT, i):
            vec[buckets[j]] += times[j + 1] - times[j]
        return vec

    def index_at(self, t: float) -> int:
        """Index of the transition in force at ``t``; -1 before the first one."""
        return bisect_right(self.times, t) - 1

    def cum_at(self, t: float) -> array[float]:
        """F(t) for any t (the last bucket extends to the future)."""
        i = self.index_at(t)
        if i < 0:
            return zeros()
        vec = self.cum_at_index(i)
        vec[self.buckets[i]] += t - self.times[i]
        return vec

    def recent(self, count: int) -> list[tuple[float, int]]:
        start = max(0, len(self.times) - count)
        return list(zip(self.times[start:].tolist(), self.buckets[start:].tolist()))


class Cursor:
    """The transition in force at a window start that only moves forward: O(1) per step."""

    __slots__ = ("index", "cum")

    def __init__(self) -> None:
        self.index = -2          # not positioned
        self.cum = zeros()

    def seek(self, timeline: Timeline, t: float) -> None:
        """Position on the transition in force at ``t``; ``cum`` becomes F(times[index])."""
        times = timeline.times
        i = self.index
        n = len(times)
        if i >= 0 and times[i] <= t:
            steps = 0
            buckets, cum = timeline.buckets, self.cum
            while i + 1 < n and times[i + 1] <= t:
                if steps == CHECKPOINT:
                    break
                cum[buckets[i]] += times[i + 1] - times[i]
                i += 1
                steps += 1
            else:
                self.index = i
                return
        elif i == -1 and (n == 0 or t < times[0]):
            return
        i = timeline.index_at(t)
        self.index = i
        self.cum = timeline.cum_at_index(i) if i >= 0 else zeros()
