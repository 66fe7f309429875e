"""What every source returns from one poll of one target."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from tierwatch_common.models import MetricInfo, Reading
from tierwatch_common.vocabulary import OK, UNKNOWN


@dataclass
class PollResult:
    """One poll of one target.

    `status` says whether the target answered; `health` is the profile's verdict on
    what it answered (one of `tierwatch_common.vocabulary.HEALTHS`), with `reason` naming
    the state that decided it. `oids[i]` is the instance OID (or list of OIDs for a
    derived value) that `readings[i]` came from; empty for non-SNMP sources.
    """

    status: str = OK
    readings: list[Reading] = field(default_factory=list)
    metrics: dict[str, MetricInfo] = field(default_factory=dict)
    health: str = UNKNOWN
    reason: str = ""
    varbinds: int = 0
    oids: list[str | list[str]] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    sys_object_id: str | None = None


class Source(Protocol):
    """A target the scheduler polls. `poll` may raise only asyncio.CancelledError."""

    target: str
    interval: float
    timeout: float

    async def poll(self) -> PollResult: ...

    async def close(self) -> None: ...
