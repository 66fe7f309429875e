"""The hall as data: the typed model of `config/demo/hall.yaml`.

The file describes the structure once (feeds, UPS, racks and their PDUs, cooling units and their
zones, hosts); device names, agent targets and the collector's redundancy groups are derived
from it (`tierwatch_demo.derive`), so the hall, the agents and the groups cannot disagree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from tierwatch_common.configfile import StrictModel, load_file
from tierwatch_common.types import Duration, Ident

PduVendor = Literal["apc", "raritan", "sentry4"]
CoolingVendor = Literal["liebert", "apc-inrow"]


class HallInfo(StrictModel):
    name: Ident = "hall-1"
    site: Ident = "bamako-1"
    time_scale: float = Field(1.0, gt=0, le=1000)   # hall seconds per wall second
    seed: int = 7


class Endpoint(StrictModel):
    address: str = "127.0.0.1"
    port: int = Field(11161, ge=0, le=65535)


DeviceRole = Literal["pdu", "ups", "cooling", "probe", "host"]


class SnmpV3(StrictModel):
    """Devices that answer SNMPv3 only (authPriv, USM user = the device's name), as a hall's power
    gear should; the others answer v2c (community = the device's name), like older cards.
    The keys are the simulated hall's own, written in its config like any demo setting."""

    roles: list[DeviceRole] = Field(default_factory=list)
    auth_proto: Literal["MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512"] = "SHA256"
    priv_proto: Literal["DES", "AES", "AES192", "AES256"] = "AES"
    auth_key: str = Field("demo-hall-auth-key", min_length=8)
    priv_key: str = Field("demo-hall-priv-key", min_length=8)


class SnmpEndpoint(Endpoint):
    v3: SnmpV3 = Field(default_factory=SnmpV3)


class Generator(StrictModel):
    name: Ident = "gen-1"
    start_delay: Duration = 45.0          # hall seconds from a mains loss until it carries the load


class Ups(StrictModel):
    name: Ident
    feed: Literal["A", "B"]
    rated_watts: float = Field(gt=0)
    runtime_at_full_load: Duration = 600.0  # battery runtime at rated load, fully charged
    recharge_time: Duration = 7200.0


class Rack(StrictModel):
    name: Ident
    row: Ident
    zone: Ident
    pdu_vendor: PduVendor
    rated_watts: float = Field(8000.0, gt=0)
    idle_watts: float = Field(2400.0, gt=0)
    peak_watts: float = Field(6400.0, gt=0)
    phase_rated_amperes: float = Field(16.0, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Rack:
        if not self.idle_watts < self.peak_watts <= self.rated_watts:
            raise ValueError("need idle_watts < peak_watts <= rated_watts")
        return self


class CoolingUnit(StrictModel):
    name: Ident
    vendor: CoolingVendor
    zone: Ident
    capacity_watts: float = Field(gt=0)


class Cooling(StrictModel):
    supply_celsius: float = 18.0
    time_constant: Duration = 120.0       # how fast rack inlets follow a change of cooling
    at_least: int = Field(ge=1)           # units needed (N of N+1)
    units: list[CoolingUnit] = Field(min_length=1)

    @model_validator(mode="after")
    def _enough(self) -> Cooling:
        if self.at_least > len(self.units):
            raise ValueError(f"at_least {self.at_least} is more than the {len(self.units)} units")
        return self


class Host(StrictModel):
    name: Ident
    rack: Ident
    cpus: int = Field(8, ge=1, le=256)
    memory_bytes: int = Field(64 * 1024**3, gt=0)


class Agent(StrictModel):
    """One demo agent and what it polls (device roles)."""

    name: Ident
    polls: list[DeviceRole] = Field(min_length=1)
    rows: list[Ident] = Field(default_factory=list)   # only racks of these rows (default: every row)
    local_host: bool = False              # also watch the machine it runs on (psutil)
    uplink_port: int = Field(0, ge=0, le=65535)  # the hall's relay to the collector (0: any free port)


class HallSpec(StrictModel):
    hall: HallInfo = Field(default_factory=HallInfo)
    snmp: SnmpEndpoint = Field(default_factory=SnmpEndpoint)
    control: Endpoint = Field(default_factory=lambda: Endpoint(port=11180))
    generator: Generator = Field(default_factory=Generator)
    ups: list[Ups] = Field(min_length=2, max_length=2)
    racks: list[Rack] = Field(min_length=1)
    cooling: Cooling
    hosts: list[Host] = Field(default_factory=list)
    agents: list[Agent] = Field(min_length=1)
    poll_interval: Duration = 10.0

    @model_validator(mode="after")
    def _consistent(self) -> HallSpec:
        if sorted(u.feed for u in self.ups) != ["A", "B"]:
            raise ValueError("the two UPS systems must be on feeds A and B (2N)")
        names = [r.name for r in self.racks]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"rack names repeated: {', '.join(dupes)}")
        for h in self.hosts:
            if h.rack not in names:
                raise ValueError(f"host {h.name} is in rack {h.rack!r}, which the hall does not have")
        zones = {u.zone for u in self.cooling.units}
        for r in self.racks:
            if r.zone not in zones:
                raise ValueError(f"rack {r.name} is in zone {r.zone!r}, which no cooling unit serves")
        roles = {role for a in self.agents for role in a.polls}
        missing = {"pdu", "ups", "cooling", "probe", "host"} - roles - (set() if self.hosts else {"host"})
        if missing:
            raise ValueError(f"no agent polls: {', '.join(sorted(missing))}")
        return self

    def ups_of(self, feed: str) -> Ups:
        return next(u for u in self.ups if u.feed == feed)


def load_hall(path: str | Path) -> HallSpec:
    """Load and check a hall file; raise ConfigError with every problem (FILE:LINE:COL)."""
    return load_file(HallSpec, path).model
