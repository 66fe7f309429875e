"""Keeping exported counters honest across Counter32 wraps and device reboots.

The choice, and why:

* A counter is exported as the device's raw value plus the deltas the agent has seen,
  so it starts at the device's own number and then only grows while the device runs.
* A **Counter32 wrap** (the value went down, no reboot, and going *up* through 2^32 is the
  shorter way) adds the wrapped delta: the exported value keeps rising past 2^32 and
  `rate()` sees no false reset and no false spike.
* A **reboot** (sysUpTime went backwards, allowing for the TimeTicks wrap after ~497 days)
  forgets every counter of the target: the next value is exported as the device reports it,
  which is lower than before. Prometheus' `rate()`/`increase()` read a decrease as a counter
  reset, which is exactly what happened. No false rate is produced in either direction.
* A decrease that is neither (Counter64, integer counters, or a Counter32 jump back of
  more than half its range) is passed through as a reset too, never guessed as a wrap.
* After an agent restart the state is empty and values are exported as the device reports
  them; a counter that had wrapped before drops back, which Prometheus again reads as a reset
  (an under-count for that one interval, never a spike).
"""

from __future__ import annotations

from collections.abc import Hashable

from agent.snmp.types import COUNTER32

WRAP32 = 2**32
TIMETICKS_WRAP = 2**32


class CounterGuard:
    """Per-target state: last raw and exported value of every counter series."""

    def __init__(self) -> None:
        self._last: dict[Hashable, tuple[int, int]] = {}
        self._seen: dict[Hashable, tuple[int, int]] = {}
        self._uptime: int | None = None
        self._uptime_at: float | None = None
        self.reboots = 0
        self.wraps = 0

    def observe_uptime(self, ticks: int | None, now: float) -> bool:
        """Feed sysUpTime.0 (centiseconds) at the start of a poll; True if the device rebooted."""
        if ticks is None:
            return False
        prev, prev_at = self._uptime, self._uptime_at
        self._uptime, self._uptime_at = ticks, now
        if prev is None or prev_at is None or ticks >= prev:
            return False
        expected = prev + max(0.0, now - prev_at) * 100
        if expected >= TIMETICKS_WRAP and ticks < expected - TIMETICKS_WRAP + 6000:
            return False  # sysUpTime itself wrapped (497 days); the device did not restart
        self.reboots += 1
        self._last.clear()
        return True

    def start_poll(self) -> None:
        self._seen = {}

    def adjust(self, key: Hashable, raw: int, kind: str) -> int:
        """Return the monotonic raw value to export for this counter series."""
        prev = self._last.get(key)
        if prev is None:
            out = raw
        else:
            last_raw, last_out = prev
            if raw >= last_raw:
                out = last_out + (raw - last_raw)
            elif kind == COUNTER32 and 0 <= last_raw < WRAP32 and (raw + WRAP32 - last_raw) < WRAP32 // 2:
                self.wraps += 1
                out = last_out + (raw + WRAP32 - last_raw)
            else:
                out = raw  # a reset: Prometheus handles a decrease as one
        self._seen[key] = (raw, out)
        return out

    def finish_poll(self) -> None:
        """Keep only the series seen in this poll (bounded memory when rows come and go)."""
        self._last = self._seen
        self._seen = {}
