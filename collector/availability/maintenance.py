"""Declared maintenance windows: what they cover, who declared them, and when they are in force.

Windows never rewrite history: one declared through the API starts at the earliest now,
and one ended through the API ends now. Only a window that has not started yet can be
deleted; once started, it has shaped recorded time and can only be ended.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from collector.availability.errors import InvalidMaintenanceRequest
from collector.availability.settings import MaintenanceSpec

SCHEDULED, ACTIVE, ENDED = "scheduled", "active", "ended"
PAST_TOLERANCE = 300.0          # seconds of clock skew accepted on an API start time


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    id: str
    services: tuple[str, ...]
    start: float
    end: float | None              # None: until ended
    reason: str
    author: str
    source: str                    # "api" or "config"
    created_at: float
    forced: bool = False
    conflicts: tuple[str, ...] = field(default=())
    ended_by: str | None = None

    def status(self, now: float) -> str:
        if now < self.start:
            return SCHEDULED
        if self.end is None or now < self.end:
            return ACTIVE
        return ENDED

    def covers(self, start: float, end: float | None) -> bool:
        """True when this window overlaps ``[start, end)`` (``None``: open ended)."""
        mine_end = float("inf") if self.end is None else self.end
        other_end = float("inf") if end is None else end
        return self.start < other_end and start < mine_end

    def ended(self, at: float, by: str) -> MaintenanceWindow:
        return replace(self, end=at, ended_by=by)

    def to_json(self, now: float | None = None) -> dict[str, Any]:
        out = asdict(self)
        out["services"] = list(self.services)
        out["conflicts"] = list(self.conflicts)
        if now is not None:
            out["status"] = self.status(now)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MaintenanceWindow:
        return cls(id=str(data["id"]), services=tuple(data["services"]), start=float(data["start"]),
                   end=None if data.get("end") is None else float(data["end"]), reason=str(data["reason"]),
                   author=str(data["author"]), source=str(data["source"]), created_at=float(data["created_at"]),
                   forced=bool(data.get("forced", False)), conflicts=tuple(data.get("conflicts", ())),
                   ended_by=data.get("ended_by"))


def new_id() -> str:
    return "mw-" + uuid.uuid4().hex[:12]


def to_timestamp(moment: datetime, zone: ZoneInfo) -> float:
    """Unix seconds of ``moment``; a naive one is read in ``zone``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.timestamp()


def from_config(spec: MaintenanceSpec, zone: ZoneInfo, now: float) -> MaintenanceWindow:
    """A config window with an id stable across restarts (same content, same id)."""
    start, end = to_timestamp(spec.start, zone), to_timestamp(spec.end, zone)
    digest = hashlib.sha256(repr((sorted(spec.services), start, end, spec.reason)).encode()).hexdigest()
    return MaintenanceWindow(id="cfg-" + digest[:12], services=tuple(spec.services), start=start, end=end,
                             reason=spec.reason, author="config", source="config", created_at=now)


def parse_time(value: object, zone: ZoneInfo, what: str) -> float:
    """An API time: unix seconds or an ISO 8601 string (naive: in ``zone``)."""
    if isinstance(value, bool):
        raise InvalidMaintenanceRequest(f"'{what}' must be unix seconds or an ISO 8601 time")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return to_timestamp(datetime.fromisoformat(value), zone)
        except ValueError:
            pass
    raise InvalidMaintenanceRequest(f"'{what}' must be unix seconds or an ISO 8601 time")


def parse_request(body: object, zone: ZoneInfo, now: float) -> tuple[tuple[str, ...], float, float | None, str, bool]:
    """Validate a POST body: services, start, end, reason, force. Raises InvalidMaintenanceRequest."""
    if not isinstance(body, dict):
        raise InvalidMaintenanceRequest("the body must be a JSON object")
    unknown = sorted(set(body) - {"services", "start", "end", "reason", "force"})
    if unknown:
        raise InvalidMaintenanceRequest(f"unknown keys: {', '.join(unknown)}; "
                                    "known keys: end, force, reason, services, start")
    services = body.get("services")
    if (not isinstance(services, list) or not services
            or not all(isinstance(s, str) and s for s in services)):
        raise InvalidMaintenanceRequest("'services' must be a non-empty list of service names")
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidMaintenanceRequest("'reason' is required: say what work is planned")
    force = body.get("force", False)
    if not isinstance(force, bool):
        raise InvalidMaintenanceRequest("'force' must be true or false")
    start = now if body.get("start") is None else parse_time(body["start"], zone, "start")
    end = None if body.get("end") is None else parse_time(body["end"], zone, "end")
    if start < now - PAST_TOLERANCE:
        raise InvalidMaintenanceRequest("'start' is in the past: maintenance is declared before the work, "
                                    "and recorded time is not rewritten")
    start = max(start, now)
    if end is not None and end <= start:
        raise InvalidMaintenanceRequest("'end' must be in the future and after 'start'")
    return tuple(dict.fromkeys(services)), start, end, reason.strip(), force
