"""Where each configured window starts for a given "now", and how long its period is.

Rolling windows end now and have a fixed length. Calendar windows (day, week, month, year
in the configured time zone) start at the current period's start; their budget is computed
on the whole period, so the allowed downtime of a month is known on its first day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from collector.availability.settings import WindowSpec


@dataclass(frozen=True, slots=True)
class Frame:
    """Window starts for one instant. ``epoch`` changes whenever a calendar period does."""

    now: float
    names: tuple[str, ...]
    starts: tuple[float, ...]
    periods: tuple[float, ...]        # seconds of the whole window (budget base)
    rolling: tuple[bool, ...]
    epoch: int


def period_bounds(unit: str, now: float, zone: ZoneInfo) -> tuple[float, float]:
    """Start and end (unix seconds) of the calendar ``unit`` containing ``now`` in ``zone``."""
    today = datetime.fromtimestamp(now, zone).date()
    if unit == "day":
        first, after = today, today + timedelta(days=1)
    elif unit == "week":
        first = today - timedelta(days=today.weekday())
        after = first + timedelta(days=7)
    elif unit == "month":
        first = today.replace(day=1)
        after = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    elif unit == "year":
        first = today.replace(month=1, day=1)
        after = first.replace(year=first.year + 1)
    else:
        raise ValueError(f"unknown calendar unit '{unit}'")
    return _local(first, zone).timestamp(), _local(after, zone).timestamp()


def _local(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight of ``day`` in ``zone`` (fold=0 on the rare zones whose midnight repeats)."""
    return datetime(day.year, day.month, day.day, tzinfo=zone)


class WindowClock:
    """Turns "now" into a Frame; calendar periods are cached until now leaves them."""

    def __init__(self, specs: list[WindowSpec], zone: ZoneInfo) -> None:
        self._specs = tuple(specs)
        self._zone = zone
        self.names = tuple(s.name for s in specs)
        self._bounds: list[tuple[float, float] | None] = [None] * len(specs)
        self._epoch = 0

    def __len__(self) -> int:
        return len(self._specs)

    def frame(self, now: float) -> Frame:
        starts: list[float] = []
        periods: list[float] = []
        rolling: list[bool] = []
        for i, spec in enumerate(self._specs):
            if spec.rolling is not None:
                starts.append(now - spec.rolling)
                periods.append(spec.rolling)
                rolling.append(True)
                continue
            bounds = self._bounds[i]
            if bounds is None or not bounds[0] <= now < bounds[1]:
                bounds = period_bounds(str(spec.calendar), now, self._zone)
                self._bounds[i] = bounds
                self._epoch += 1
            starts.append(bounds[0])
            periods.append(bounds[1] - bounds[0])
            rolling.append(False)
        return Frame(now, self.names, tuple(starts), tuple(periods), tuple(rolling), self._epoch)
