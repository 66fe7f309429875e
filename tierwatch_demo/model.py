"""The hall's physics: one state, stepped in hall time, that every simulated device reads.

Rack power follows the servers' load (a slow daily swing and a faster wobble per rack); each
rack is dual-corded, so its A and B PDUs share the load, or one carries all of it when the
other feed is dark. Energy counters integrate power. UPS output is the sum of its feed's PDUs;
on battery the charge falls with that load. Heat in a zone is its racks' power; rack inlet
temperatures move (first-order, `cooling.time_constant`) toward what the running units in
their zone, helped by spare capacity elsewhere, can hold.

Faults are plain sets and maps that scenarios fill (`tierwatch_demo.scenarios`).
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from tierwatch_demo.spec import HallSpec, Rack

PHASE_VOLTS = 230.0
POWER_FACTOR = 0.96
MAX_STEP = 5.0                 # hall seconds per integration step
HOUR = 3600.0


def wobble(name: str, t: float, period: float) -> float:
    """A smooth, repeatable value in -1..1 for `name` at hall time `t`."""
    phase = (zlib.crc32(name.encode()) % 10_000) / 10_000 * 2 * math.pi
    return 0.7 * math.sin(2 * math.pi * t / period + phase) + 0.3 * math.sin(2 * math.pi * t / (period / 7.3) + 2 * phase)


def seeded(name: str, low: float, high: float) -> float:
    return low + (zlib.crc32(name.encode()) % 10_000) / 10_000 * (high - low)


@dataclass
class Faults:
    silent: set[str] = field(default_factory=set)               # devices that do not answer
    extra_phase_watts: dict[tuple[str, int], float] = field(default_factory=dict)
    failed_units: set[str] = field(default_factory=set)
    utility_lost: set[str] = field(default_factory=set)         # feeds
    rectifier_fault: set[str] = field(default_factory=set)      # UPS names
    silent_agents: set[str] = field(default_factory=set)


@dataclass
class PduState:
    name: str
    rack: str
    feed: str
    vendor: str
    phase_rated_amperes: float
    phase_watts: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    peak_watts: float = 0.0
    energy_joules: float = 0.0
    outlet_energy_joules: list[float] = field(default_factory=list)
    powered: bool = True

    @property
    def watts(self) -> float:
        return sum(self.phase_watts)

    def phase_amperes(self, i: int) -> float:
        return self.phase_watts[i] / (PHASE_VOLTS * POWER_FACTOR)


@dataclass
class UpsState:
    name: str
    feed: str
    rated_watts: float
    output_watts: float = 0.0
    charge: float = 1.0
    source: str = "normal"            # normal | battery | none
    battery_since: float | None = None
    input_ok: bool = True
    line_bads: int = 0

    def runtime_seconds(self, full_load_runtime: float) -> float:
        load = max(self.output_watts, 0.05 * self.rated_watts)
        return self.charge * full_load_runtime * self.rated_watts / load


@dataclass
class UnitState:
    name: str
    zone: str
    capacity_watts: float
    running: bool = True
    load_ratio: float = 0.0
    supply_celsius: float = 18.0
    return_celsius: float = 28.0


class HallModel:
    """Everything the simulated devices report, as a function of hall time and faults."""

    def __init__(self, spec: HallSpec, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.spec = spec
        self.clock = clock
        self.scale = spec.hall.time_scale
        self._wall0 = clock()
        self.t = 0.0
        self.faults = Faults()
        self.mains_lost_at: float | None = None
        self.generator_running = False
        self.pdus: dict[str, PduState] = {}
        self.rack_watts: dict[str, float] = {}
        self.inlet: dict[str, float] = {}
        for r in spec.racks:
            for feed in "AB":
                name = pdu_name(r, feed)
                self.pdus[name] = PduState(name, r.name, feed, r.pdu_vendor, r.phase_rated_amperes,
                                           energy_joules=seeded(name, 2e10, 6e10),
                                           outlet_energy_joules=[seeded(f"{name}.{i}", 2e9, 8e9) for i in range(6)])
            self.inlet[r.name] = spec.cooling.supply_celsius + 4.0
        self.ups = {u.name: UpsState(u.name, u.feed, u.rated_watts) for u in spec.ups}
        self.units = {u.name: UnitState(u.name, u.zone, u.capacity_watts, supply_celsius=spec.cooling.supply_celsius)
                      for u in spec.cooling.units}
        self.host_octets: dict[str, list[float]] = {h.name: [seeded(h.name, 1e12, 9e12), seeded(h.name + "o", 1e12, 9e12)]
                                                    for h in spec.hosts}
        self.host_cpu_ticks: dict[str, list[float]] = {h.name: [seeded(h.name + "u", 1e7, 1e8), seeded(h.name + "s", 1e6, 1e7),
                                                                seeded(h.name + "i", 1e8, 1e9)] for h in spec.hosts}
        self._power(0.0)
        self._cool(0.0, settle=True)

    # ---- time ----------------------------------------------------------------------------
    def sync(self) -> float:
        """Advance the hall to the present (wall clock × time scale); return hall time."""
        target = (self.clock() - self._wall0) * self.scale
        while self.t < target:
            dt = min(MAX_STEP, target - self.t)
            self.step(dt)
        return self.t

    def step(self, dt: float) -> None:
        self.t += dt
        self._mains(dt)
        self._power(dt)
        self._cool(dt)

    # ---- power ---------------------------------------------------------------------------
    def load_ratio(self, rack: str) -> float:
        """The servers' utilisation in `rack`, 0-1."""
        base = seeded(rack, 0.45, 0.7)
        return min(1.0, max(0.05, base + 0.15 * wobble(rack, self.t, 6 * HOUR) + 0.06 * wobble(rack + "~", self.t, 600)))

    def _mains(self, dt: float) -> None:
        lost = bool(self.faults.utility_lost)
        if lost and self.mains_lost_at is None:
            self.mains_lost_at = self.t - dt
        if not lost:
            self.mains_lost_at = None
            self.generator_running = False
        elif self.t - self.mains_lost_at >= self.spec.generator.start_delay:
            self.generator_running = True
        for u in self.ups.values():
            spec = next(s for s in self.spec.ups if s.name == u.name)
            u.input_ok = (u.feed not in self.faults.utility_lost or self.generator_running) \
                and u.name not in self.faults.rectifier_fault
            if u.input_ok:
                if u.source != "normal":
                    u.source, u.battery_since = "normal", None
                u.charge = min(1.0, u.charge + dt / spec.recharge_time)
                continue
            if u.source == "normal":
                u.source, u.battery_since = "battery", self.t - dt
                u.line_bads += 1
            if u.source == "battery":
                u.charge = max(0.0, u.charge - dt * u.output_watts / (spec.runtime_at_full_load * u.rated_watts))
                if u.charge <= 0.0:
                    u.source = "none"

    def feed_powered(self, feed: str) -> bool:
        return self.spec.ups_of(feed).name in self.ups and self.ups[self.spec.ups_of(feed).name].source != "none"

    def _power(self, dt: float) -> None:
        powered = {f: self.feed_powered(f) for f in "AB"}
        totals = {"A": 0.0, "B": 0.0}
        for r in self.spec.racks:
            it = r.idle_watts + (r.peak_watts - r.idle_watts) * self.load_ratio(r.name)
            shares = {f: (0.5 if all(powered.values()) else (1.0 if powered[f] else 0.0)) for f in "AB"}
            rack_total = 0.0
            for feed in "AB":
                pdu = self.pdus[pdu_name(r, feed)]
                pdu.powered = powered[feed]
                weights = phase_weights(pdu.name)
                for i in range(3):
                    extra = self.faults.extra_phase_watts.get((pdu.name, i + 1), 0.0) if pdu.powered else 0.0
                    pdu.phase_watts[i] = it * shares[feed] * weights[i] + extra
                watts = pdu.watts
                pdu.peak_watts = max(pdu.peak_watts, watts)
                pdu.energy_joules += watts * dt
                for i, w in enumerate(outlet_weights(pdu.name)):
                    pdu.outlet_energy_joules[i] += watts * w * dt
                totals[feed] += watts
                rack_total += watts
            self.rack_watts[r.name] = rack_total
        for u in self.ups.values():
            u.output_watts = totals[u.feed] * 1.02 if u.source != "none" else 0.0
        for h in self.spec.hosts:
            rate = 40e6 * self.load_ratio(h.rack)          # bytes per second each way
            self.host_octets[h.name][0] += rate * dt
            self.host_octets[h.name][1] += 0.7 * rate * dt
            ticks, busy = self.host_cpu_ticks[h.name], self.load_ratio(h.rack) * 0.9
            ticks[0] += h.cpus * 100 * dt * busy * 0.8            # user
            ticks[1] += h.cpus * 100 * dt * busy * 0.2            # system
            ticks[2] += h.cpus * 100 * dt * (1 - busy)            # idle

    # ---- cooling -------------------------------------------------------------------------
    def zone_heat(self, zone: str) -> float:
        return sum(self.rack_watts[r.name] for r in self.spec.racks if r.zone == zone)

    def _cool(self, dt: float, settle: bool = False) -> None:
        cfg = self.spec.cooling
        zones = sorted({u.zone for u in cfg.units})
        local = {z: 0.0 for z in zones}
        for u in self.units.values():
            u.running = u.name not in self.faults.failed_units
            if u.running:
                local[u.zone] += u.capacity_watts
        heat = {z: self.zone_heat(z) for z in zones}
        spare = {z: max(0.0, local[z] - heat[z]) for z in zones}
        alpha = 1.0 if settle else 1.0 - math.exp(-dt / cfg.time_constant)
        for r in self.spec.racks:
            z = r.zone
            effective = local[z] + 0.5 * sum(s for other, s in spare.items() if other != z)
            coverage = effective / heat[z] if heat[z] > 0 else 9.0
            target = (cfg.supply_celsius + 4.0 + 20.0 * max(0.0, 1.6 - coverage)
                      + 2.0 * (self.rack_watts[r.name] / r.rated_watts - 0.5) + 0.3 * wobble(r.name + "t", self.t, 900))
            self.inlet[r.name] += (target - self.inlet[r.name]) * alpha
        for u in self.units.values():
            inlets = [self.inlet[r.name] for r in self.spec.racks if r.zone == u.zone]
            mean = sum(inlets) / len(inlets) if inlets else cfg.supply_celsius + 4
            if u.running:
                u.load_ratio = min(1.0, heat[u.zone] / local[u.zone]) if local[u.zone] else 0.0
                u.supply_celsius = cfg.supply_celsius + 0.2 * wobble(u.name, self.t, 300) + 2.0 * max(0.0, u.load_ratio - 0.95)
                u.return_celsius = mean + 9.0 + 1.5 * u.load_ratio
            else:
                u.load_ratio = 0.0
                u.supply_celsius = mean + 4.0
                u.return_celsius = mean + 5.0

    def humidity_percent(self, rack: str) -> float:
        return max(15.0, min(80.0, 46.0 - 1.6 * (self.inlet[rack] - 22.0) + 2.0 * wobble(rack + "h", self.t, 1800)))

    # ---- what devices see ---------------------------------------------------------------
    def answers(self, device: str) -> bool:
        """False when the device is silent (a scenario) or without power (a dark feed)."""
        if device in self.faults.silent:
            return False
        pdu = self.pdus.get(device)
        return pdu is None or pdu.powered


def pdu_name(rack: Rack, feed: str) -> str:
    return f"pdu-{rack.name}-{feed.lower()}"


def phase_weights(name: str) -> tuple[float, float, float]:
    a = seeded(name + "p1", 0.30, 0.37)
    b = seeded(name + "p2", 0.30, 0.36)
    return a, b, 1.0 - a - b


def outlet_weights(name: str) -> list[float]:
    raw = [seeded(f"{name}#{i}", 0.5, 1.5) for i in range(6)]
    total = sum(raw)
    return [w / total for w in raw]
