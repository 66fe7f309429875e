"""What the engine hands to storage and gets back from it."""

from __future__ import annotations

from dataclasses import dataclass, field

from collector.availability.maintenance import MaintenanceWindow
from collector.availability.timeline import Timeline


@dataclass(slots=True)
class FlushBatch:
    """Changes since the last flush, consistent as of ``heartbeat``."""

    heartbeat: float
    rows: list[tuple[str, float, int, str]]                       # service, t, bucket, reason
    services: list[tuple[str, str, float, float, float, float]]   # name, kind, created, last_at, staleness, floor
    windows: dict[str, MaintenanceWindow | None]                  # None: deleted
    truncated: dict[str, float] = field(default_factory=dict)      # service -> stored rows after it go

    def __len__(self) -> int:
        return len(self.rows) + len(self.services) + len(self.windows) + len(self.truncated)


@dataclass(slots=True)
class StoredService:
    kind: str
    created_at: float
    last_at: float
    staleness: float
    floor: float
    timeline: Timeline = field(default_factory=Timeline)
    recent: list[tuple[float, int, str]] = field(default_factory=list)


@dataclass(slots=True)
class LoadedState:
    heartbeat: float | None
    services: dict[str, StoredService]
    windows: list[MaintenanceWindow]
    transitions: int = 0
