"""A report's input: what the availability store holds for one period, read without the engine.

The store is the engine's own record (transitions per service with their reasons, maintenance
windows, the heartbeat up to which it is consistent), so a report can be made by the running
collector (``/api/v1/report``, after a flush) or offline from the same file
(``tierwatch-collector report``) while the collector runs: SQLite readers do not block its writer.

The figures use the engine's own definitions: the seconds a service spent in each bucket
(state × maintenance) over ``[start, end)`` are summed exactly from transitions, then handed to
``collector.availability.report.figures`` — the function the live windows use.
"""

from __future__ import annotations

import calendar
import json
import sqlite3
from array import array
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from collector.availability.maintenance import MaintenanceWindow
from collector.availability.timeline import MAINT, WIDTH


@dataclass(frozen=True, slots=True)
class Period:
    start: float
    end: float
    label: str          # "2026-11" or "2026-11-03 → 2026-11-17"

    @property
    def seconds(self) -> float:
        return self.end - self.start


def month_period(text: str, zone: ZoneInfo) -> Period:
    """``2026-11`` → that calendar month in the site's time zone."""
    try:
        year, month = (int(p) for p in text.split("-"))
        first = datetime(year, month, 1, tzinfo=zone)
    except (ValueError, TypeError):
        raise ValueError(f"period {text!r} must be a month written YYYY-MM, such as 2026-11") from None
    days = calendar.monthrange(year, month)[1]
    nxt = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    assert (nxt - first).days == days
    return Period(first.timestamp(), nxt.timestamp(), f"{year:04d}-{month:02d}")


def span_period(start: str, end: str, zone: ZoneInfo) -> Period:
    """``--from 2026-11-03 --to 2026-11-17`` (dates or ISO 8601 times; naive ones in the site's zone)."""
    def parse(text: str, name: str) -> datetime:
        try:
            d = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"--{name} {text!r} must be a date or an ISO 8601 time, such as 2026-11-03") from None
        return d if d.tzinfo else d.replace(tzinfo=zone)
    a, b = parse(start, "from"), parse(end, "to")
    if b <= a:
        raise ValueError("--to must be after --from")
    return Period(a.timestamp(), b.timestamp(), f"{start} → {end}")


@dataclass(slots=True)
class ServiceHistory:
    name: str
    kind: str
    changes: list[tuple[float, int, str]] = field(default_factory=list)   # (t, bucket, reason), t ascending
    before: tuple[int, str] | None = None          # bucket and reason in force at the period's start

    def segments(self, start: float, end: float) -> list[tuple[float, float, int, str]]:
        """``(from, to, bucket, reason)`` covering the tracked part of ``[start, end)``."""
        out: list[tuple[float, float, int, str]] = []
        current = self.before
        at = start
        for t, bucket, reason in self.changes:
            if t >= end:
                break
            if current is not None and t > at:
                out.append((at, t, current[0], current[1]))
            current, at = (bucket, reason), max(at, t)
        if current is not None and end > at:
            out.append((at, end, current[0], current[1]))
        return out

    def bucket_seconds(self, start: float, end: float) -> array[float]:
        v = array("d", [0.0] * WIDTH)
        for a, b, bucket, _ in self.segments(start, end):
            v[bucket] += b - a
        return v


@dataclass(slots=True)
class History:
    period: Period
    as_of: float                         # the store is consistent up to here (its heartbeat)
    services: dict[str, ServiceHistory]
    maintenance: list[MaintenanceWindow]

    @property
    def end(self) -> float:
        """The end of what can be told: the period's end, or the store's heartbeat if earlier."""
        return min(self.period.end, self.as_of)


def read_history(path: str | Path, period: Period, as_of: float | None = None) -> History:
    """Everything the store knows about ``period`` (one read transaction; works beside a running writer)."""
    db = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        db.execute("BEGIN")
        row = db.execute("SELECT value FROM meta WHERE key = 'heartbeat'").fetchone()
        heartbeat = row[0] if row else period.start
        services = {name: ServiceHistory(name, kind) for _, name, kind in
                    db.execute("SELECT id, name, kind FROM services ORDER BY name")}
        names = {sid: name for sid, name, _ in db.execute("SELECT id, name, kind FROM services")}
        for sid, bucket, reason in db.execute(
                "SELECT service_id, bucket, reason FROM transitions AS x WHERE rowid = ("
                " SELECT rowid FROM transitions WHERE service_id = x.service_id AND t <= ? ORDER BY t DESC, rowid DESC LIMIT 1)",
                (period.start,)):
            services[names[sid]].before = (int(bucket), reason or "")
        for sid, t, bucket, reason in db.execute(
                "SELECT service_id, t, bucket, reason FROM transitions WHERE t > ? AND t < ? ORDER BY t, rowid",
                (period.start, period.end)):
            services[names[sid]].changes.append((float(t), int(bucket), reason or ""))
        windows = [MaintenanceWindow.from_json(json.loads(doc)) for (doc,) in
                   db.execute("SELECT doc FROM maintenance ORDER BY rowid")]
        db.execute("COMMIT")
    finally:
        db.close()
    windows = [w for w in windows if w.covers(period.start, period.end)]
    return History(period, heartbeat if as_of is None else min(as_of, heartbeat), services, windows)


def in_maintenance(bucket: int) -> bool:
    return bucket >= MAINT
