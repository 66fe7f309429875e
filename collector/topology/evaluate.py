"""What the hall's live readings say about its capacity and its weak points, and what failing
some nodes now would do. Pure functions of a ``Hall`` and a ``View`` of the latest readings.

- failover load: per rack and phase, what each feed's PDUs would carry if the rack's other feeds
  failed (the rack's whole current), against their breaker rating — the one the PDU reports,
  else the configured ``rated_amperes``;
- N-1 headroom: per room (IT power from its PDUs against cooling capacity) and per UPS system
  (UPS output power against UPS capacity), load over the capacity left after losing the largest
  unit that is up;
- dual cord: servers whose BMC reports a failed or absent supply, or whose supplies share a feed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from collector.topology.graph import Hall

PHASE_CURRENT = "tierwatch_pdu_phase_current_amperes"
RATINGS = ("tierwatch_pdu_phase_rated_current_amperes", "tierwatch_pdu_rated_current_per_phase_amperes",
           "tierwatch_pdu_inlet_rated_current_amperes")
PDU_POWER = ("tierwatch_pdu_power_watts", "tierwatch_pdu_input_power_watts", "tierwatch_pdu_phase_power_watts")
UPS_POWER = "tierwatch_ups_output_power_watts"
PSU_STATE = "tierwatch_server_power_supply_state"
PSU_PRESENT = "tierwatch_server_power_supply_present_state"
PSU_FAILED = frozenset({"failed", "fail", "critical", "nonRecoverable", "absent", "notPresent"})
LOAD_PDU, LOAD_UPS = "pdu_power", "ups_output_power"
SCOPE_COOLING, SCOPE_UPS, SCOPE_MODULES = "cooling", "ups", "ups_modules"


class View(Protocol):
    def series(self, metric: str, target: str) -> list[tuple[dict[str, str], float]]: ...

    def is_up(self, target: str) -> bool | None: ...


def phase_of(labels: dict[str, str]) -> str:
    return labels.get("phase", "1").upper().removeprefix("L") or "1"


def pdu_currents(view: View, target: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for labels, value in view.series(PHASE_CURRENT, target):
        out[phase_of(labels)] = out.get(phase_of(labels), 0.0) + value
    return out


def pdu_rating(view: View, target: str, phase: str, configured: float | None) -> tuple[float | None, str]:
    """(rating in amperes, where it comes from: 'device' or 'config')."""
    for metric in RATINGS:
        found = view.series(metric, target)
        by_phase = [v for labels, v in found if "phase" in labels and phase_of(labels) == phase]
        plain = [v for labels, v in found if "phase" not in labels]
        if by_phase or plain:
            return min(by_phase or plain), "device"
    return configured, "config"


def total(view: View, metrics: Iterable[str], target: str) -> float | None:
    for metric in metrics:
        found = view.series(metric, target)
        if found:
            return sum(v for _, v in found)
    return None


@dataclass(frozen=True)
class Failover:
    rack: str
    phase: str
    feed: str                 # the surviving feed
    load: float               # amperes the rack draws on this phase, all feeds together
    rating: float             # breaker rating of the surviving feed's PDUs on this phase
    rating_source: str
    pdus: tuple[str, ...]     # the surviving feed's PDUs

    @property
    def ratio(self) -> float:
        return self.load / self.rating


def failover(hall: Hall, view: View, out: frozenset[str] = frozenset()) -> list[Failover]:
    """Per rack, phase and surviving feed; ``out`` are nodes taken as failed (they carry nothing)."""
    found: list[Failover] = []
    for rack in hall.topo.racks:
        by_feed: dict[str, list[str]] = {}
        for pdu in hall.rack_pdus(rack):
            by_feed.setdefault(hall.nodes[pdu].labels.get("feed", "?"), []).append(pdu)
        if len(by_feed) < 2:
            continue
        loads: dict[str, float] = {}
        for pdu in hall.rack_pdus(rack):
            for phase, amps in pdu_currents(view, hall.nodes[pdu].target).items():
                loads[phase] = loads.get(phase, 0.0) + amps
        for feed, pdus in sorted(by_feed.items()):
            alive = [p for p in pdus if p not in out]
            if not alive:
                continue
            for phase, load in sorted(loads.items()):
                rating, source = 0.0, "device"
                for p in alive:
                    r, s = pdu_rating(view, hall.nodes[p].target, phase, hall.topo.pdus[p].rated_amperes)
                    if r is None:
                        rating = 0.0
                        break
                    rating += r
                    source = "config" if s == "config" else source
                if rating > 0:
                    found.append(Failover(rack, phase, feed, load, rating, source, tuple(alive)))
    return found


@dataclass(frozen=True)
class Headroom:
    system: str
    scope: str                # cooling, ups or ups_modules
    load_source: str
    load: float               # watts
    capacity: float           # watts of the units that are up
    largest: float            # watts of the largest of them
    units_up: tuple[str, ...]

    @property
    def after_loss(self) -> float:
        return self.capacity - self.largest

    @property
    def ratio(self) -> float:
        """Load over the capacity left after losing the largest unit (≥ 1: no longer N+1)."""
        return self.load / self.after_loss if self.after_loss > 0 else float("inf")

    @property
    def short(self) -> bool:
        """The units up now cannot carry the load."""
        return self.load > self.capacity


def _unit_up(hall: Hall, view: View, name: str, out: frozenset[str]) -> bool:
    return name not in out and view.is_up(hall.nodes[name].target) is not False


def headroom(hall: Hall, view: View, out: frozenset[str] = frozenset()) -> list[Headroom]:
    found: list[Headroom] = []
    for room, units in sorted(hall.rooms().items()):
        loads = [total(view, PDU_POWER, hall.nodes[p].target) for r in hall.room_racks(room)
                 for p in hall.rack_pdus(r) if p not in out]
        if not any(v is not None for v in loads):
            continue
        up = [u for u in units if _unit_up(hall, view, u, out)]
        caps = [hall.topo.cooling[u].capacity_kw * 1000 for u in up]
        found.append(Headroom(room, SCOPE_COOLING, LOAD_PDU, sum(v or 0.0 for v in loads), sum(caps),
                              max(caps, default=0.0), tuple(up)))
    for name, system in sorted(hall.topo.ups_systems.items()):
        loads = [total(view, (UPS_POWER,), hall.nodes[u].target) for u in system.units if u not in out]
        if not any(v is not None for v in loads):
            continue
        up = [u for u in system.units if _unit_up(hall, view, u, out)]
        caps = [_ups_capacity(hall, u) for u in up]
        found.append(Headroom(name, SCOPE_UPS, LOAD_UPS, sum(v or 0.0 for v in loads), sum(caps),
                              max(caps, default=0.0), tuple(up)))
    for name, ups in sorted(hall.topo.ups.items()):
        load = total(view, (UPS_POWER,), hall.nodes[name].target)
        if len(ups.modules) < 2 or load is None or name in out:
            continue
        caps = [m.rated_kw * 1000 for m in ups.modules.values()]
        found.append(Headroom(name, SCOPE_MODULES, LOAD_UPS, load, sum(caps), max(caps), tuple(ups.modules)))
    return found


def _ups_capacity(hall: Hall, name: str) -> float:
    ups = hall.topo.ups[name]
    if ups.modules:
        return sum(m.rated_kw for m in ups.modules.values()) * 1000
    return (ups.rated_kw or 0.0) * 1000


@dataclass(frozen=True)
class DualCord:
    server: str
    rack: str
    problems: tuple[str, ...]

    @property
    def compliant(self) -> bool:
        return not self.problems


def dual_cord(hall: Hall, view: View) -> list[DualCord]:
    found: list[DualCord] = []
    for name, server in sorted(hall.topo.servers.items()):
        target = hall.nodes[name].target
        problems: list[str] = []
        reported: set[str] = set()
        for metric in (PSU_STATE, PSU_PRESENT):
            for labels, value in view.series(metric, target):
                supply = labels.get("supply", labels.get("supply_index", "?"))
                reported.add(supply)
                if value == 1 and labels.get("state") in PSU_FAILED:
                    problems.append(f"{supply}: {labels['state']}")
        feeds: dict[str, list[str]] = {}
        for supply, pdu in sorted(server.supplies.items()):
            feeds.setdefault(hall.nodes[pdu].labels.get("feed", "?"), []).append(supply)
        for feed, supplies in feeds.items():
            if len(supplies) > 1:
                problems.append(f"{' and '.join(supplies)} both on feed {feed}")
        if len(server.supplies) < 2 and len(reported) < 2:
            problems.append("fewer than two power supplies")
        elif server.supplies and len(feeds) < 2:
            problems.append("every supply on one feed")
        found.append(DualCord(name, server.rack, tuple(dict.fromkeys(problems))))
    return found
