"""Configuration of the availability engine: SLOs, windows, redundancy groups, maintenance.

Example (the ``availability:`` section of the collector config)::

    slo: 0.99982                 # default objective of every service
    unknown_time: excluded       # excluded | down | up   (how time without data counts)
    maintenance_time: excluded   # excluded | counted     (counted: planned downtime is downtime)
    services:
      ups-a: {slo: 0.9999}
    timezone: Europe/Paris       # for calendar windows and naive maintenance times
    windows:
      - {name: 30d, rolling: 30d}
      - {name: month, calendar: month}
    groups:
      rack-12-power: {any_of: [pdu-12a, pdu-12b]}
      hall-cooling: {at_least: 3, of: [crac-1, crac-2, crac-3, crac-4]}
      hall: {all_of: [rack-12-power, hall-cooling]}
    maintenance:
      - {services: [crac-2], start: 2025-06-01T08:00, end: 2025-06-01T12:00, reason: filter change}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from graphlib import CycleError, TopologicalSorter
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from tierwatch_common.configfile import StrictModel
from tierwatch_common.types import Duration

UnknownPolicy = Literal["excluded", "down", "up"]
MaintenancePolicy = Literal["excluded", "counted"]
CalendarUnit = Literal["day", "week", "month", "year"]

@dataclass(frozen=True, slots=True)
class SloPolicy:
    """The objective of one service and how its unknown and maintenance time count."""

    objective: float
    unknown_time: UnknownPolicy
    maintenance_time: MaintenancePolicy


class ServiceSlo(StrictModel):
    """Overrides for one service; unset fields take the defaults of the section."""

    slo: float | None = Field(default=None, gt=0, lt=1)
    unknown_time: UnknownPolicy | None = None
    maintenance_time: MaintenancePolicy | None = None


class WindowSpec(StrictModel):
    """One window: ``rolling`` (a duration ending now) or ``calendar`` (the current period)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,32}$")
    rolling: Duration | None = None
    calendar: CalendarUnit | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> WindowSpec:
        if (self.rolling is None) == (self.calendar is None):
            raise ValueError(f"window '{self.name}' needs exactly one of 'rolling' or 'calendar'")
        return self


def default_windows() -> list[WindowSpec]:
    rolling = [("1h", 3600), ("1d", 86400), ("7d", 7 * 86400), ("30d", 30 * 86400), ("365d", 365 * 86400)]
    return [WindowSpec(name=n, rolling=s) for n, s in rolling] + [
        WindowSpec(name="month", calendar="month"), WindowSpec(name="year", calendar="year")]


class GroupSpec(StrictModel):
    """A redundancy group: ``all_of``, ``any_of`` or ``at_least: N`` ``of`` members."""

    all_of: list[str] | None = None
    any_of: list[str] | None = None
    at_least: int | None = Field(default=None, ge=1)
    of: list[str] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> GroupSpec:
        forms = [f for f in ("all_of", "any_of", "at_least") if getattr(self, f) is not None]
        if len(forms) != 1:
            raise ValueError("a group needs exactly one of 'all_of', 'any_of' or 'at_least' (with 'of')")
        if self.at_least is not None:
            if not self.of:
                raise ValueError("'at_least' needs its members in 'of'")
            if self.at_least > len(self.of):
                raise ValueError(f"'at_least: {self.at_least}' is more than the {len(self.of)} members in 'of'")
        elif self.of is not None:
            raise ValueError("'of' goes with 'at_least' only")
        members = self.members
        if not members:
            raise ValueError("a group needs at least one member")
        dupes = sorted({m for m in members if members.count(m) > 1})
        if dupes:
            raise ValueError(f"members listed twice: {', '.join(dupes)}")
        return self

    @property
    def members(self) -> tuple[str, ...]:
        return tuple(self.all_of or self.any_of or self.of or ())

    @property
    def need(self) -> int:
        """How many members must be up for the group to be up."""
        if self.all_of is not None:
            return len(self.all_of)
        if self.any_of is not None:
            return 1
        return int(self.at_least or 0)

    def describe(self) -> str:
        if self.all_of is not None:
            return f"all_of [{', '.join(self.all_of)}]"
        if self.any_of is not None:
            return f"any_of [{', '.join(self.any_of)}]"
        return f"at_least {self.at_least} of [{', '.join(self.of or ())}]"


class MaintenanceSpec(StrictModel):
    """Planned work declared in the config; naive times are in the section's time zone."""

    services: list[str] = Field(min_length=1)
    start: datetime
    end: datetime
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> MaintenanceSpec:
        if (self.start.tzinfo is None) != (self.end.tzinfo is None):
            raise ValueError("'start' and 'end' must both have a UTC offset or both have none")
        if self.end <= self.start:
            raise ValueError("'end' must be after 'start'")
        return self


class AvailabilitySettings(StrictModel):
    slo: float = Field(default=0.99982, gt=0, lt=1)
    unknown_time: UnknownPolicy = "excluded"
    maintenance_time: MaintenancePolicy = "excluded"
    services: dict[str, ServiceSlo] = Field(default_factory=dict)
    timezone: str = "UTC"
    windows: list[WindowSpec] = Field(default_factory=default_windows, min_length=1)
    groups: dict[str, GroupSpec] = Field(default_factory=dict)
    maintenance: list[MaintenanceSpec] = Field(default_factory=list)
    # how often silent targets are turned unknown and changes are written with a heartbeat
    heartbeat_interval: float = Field(default=1.0, gt=0, le=60)
    recent_transitions: int = Field(default=20, ge=0, le=1000)
    # late outcomes up to this old rewrite the unknown time they cover (match the agents' spool.max_age)
    repair_horizon: float = Field(default=7 * 86400.0, ge=0)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}'; use an IANA name such as 'UTC' or 'Europe/Paris'") from None
        return value

    @field_validator("windows")
    @classmethod
    def _unique_windows(cls, value: list[WindowSpec]) -> list[WindowSpec]:
        names = [w.name for w in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"window names must be unique; repeated: {', '.join(dupes)}")
        return value

    @field_validator("groups")
    @classmethod
    def _acyclic(cls, value: dict[str, GroupSpec]) -> dict[str, GroupSpec]:
        for name, spec in value.items():
            if name in spec.members:
                raise ValueError(f"group '{name}' lists itself as a member")
        cycle = find_cycle({n: g.members for n, g in value.items()})
        if cycle:
            raise ValueError(f"groups form a cycle: {' → '.join(cycle)}")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def policy_for(self, service: str) -> SloPolicy:
        override = self.services.get(service)
        if override is None:
            return SloPolicy(self.slo, self.unknown_time, self.maintenance_time)
        return SloPolicy(override.slo if override.slo is not None else self.slo,
                         override.unknown_time or self.unknown_time,
                         override.maintenance_time or self.maintenance_time)


def members_first(graph: dict[str, tuple[str, ...]]) -> list[str]:
    """Group names in an order where each group comes after every group among its members.

    ``graph`` maps each group to its members; names that are not groups are leaves. Raises
    graphlib.CycleError when groups contain each other.
    """
    return list(TopologicalSorter({name: [m for m in members if m in graph]
                                   for name, members in graph.items()}).static_order())


def find_cycle(graph: dict[str, tuple[str, ...]]) -> list[str]:
    """A cycle among group names (first name repeated at the end), or [] when there is none.

    ``a → b`` means group ``a`` has ``b`` among its members.
    """
    try:
        members_first(graph)
    except CycleError as exc:
        cycle = list(reversed(exc.args[1][1:]))    # the sorter lists each member before its group
        order = {name: i for i, name in enumerate(graph)}
        first = min(range(len(cycle)), key=lambda i: order[cycle[i]])
        cycle = cycle[first:] + cycle[:first]          # from the group declared first
        return cycle + cycle[:1]
    return []
