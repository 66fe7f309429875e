"""What an operator (or a test) can break in the hall, and how each is undone.

A scenario changes the model's faults; `restore` clears every active one. Each scenario picks a
sensible default device from the hall (the first rack of a vendor, the second cooling unit of
the first zone, ...) that `target` overrides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tierwatch_demo.model import HallModel


class ScenarioError(Exception):
    """A scenario request that cannot be honoured (unknown name or device)."""


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    role: str                                   # the kind of device it acts on
    default: Callable[[HallModel], str]
    apply: Callable[[HallModel, str], None]
    clear: Callable[[HallModel, str], None]


@dataclass
class Active:
    name: str
    target: str
    since: float                                # hall time
    description: str


def _nth_pdu(vendor: str, n: int, feed: str) -> Callable[[HallModel], str]:
    """The `feed` PDU of the n-th rack with `vendor` PDUs (scenarios pick different racks)."""
    def pick(model: HallModel) -> str:
        racks = [r for r in model.spec.racks if r.pdu_vendor == vendor] or model.spec.racks
        return f"pdu-{racks[min(n, len(racks) - 1)].name}-{feed}"
    return pick


def _second_unit(model: HallModel) -> str:
    return model.spec.cooling.units[min(1, len(model.spec.cooling.units) - 1)].name


OVERLOAD_FACTOR = 1.15                          # the phase draws 115 % of its breaker rating
NEAR_OVERLOAD_FACTOR = 0.9                      # 90 %: the PDU reports nearOverload, still carries its load


def _phase_l2_at(factor: float) -> Callable[[HallModel, str], None]:
    """A scenario action: the PDU's phase L2 draws ``factor`` times its breaker rating."""
    def apply(model: HallModel, pdu: str) -> None:
        state = model.pdus[pdu]
        target = factor * state.phase_rated_amperes * 230.0 * 0.96
        model.faults.extra_phase_watts[(pdu, 2)] = max(0.0, target - state.phase_watts[1])
    return apply


SCENARIOS: dict[str, Scenario] = {s.name: s for s in [
    Scenario("pdu-silent", "a PDU's management card stops answering SNMP (its rack keeps power on the other feed)",
             "pdu", _nth_pdu("apc", 1, "a"),
             lambda m, t: m.faults.silent.add(t), lambda m, t: m.faults.silent.discard(t)),
    Scenario("phase-overload", "someone plugs a heavy server into one PDU: its phase L2 goes beyond the breaker rating",
             "pdu", _nth_pdu("apc", 2, "b"), _phase_l2_at(OVERLOAD_FACTOR),
             lambda m, t: m.faults.extra_phase_watts.pop((t, 2), None)),
    Scenario("phase-near-overload", "a PDU's phase L2 draws 90 % of its breaker rating: the PDU reports "
             "nearOverload and still carries its load (a warning on its rack, not lost redundancy)",
             "pdu", _nth_pdu("apc", 0, "b"), _phase_l2_at(NEAR_OVERLOAD_FACTOR),
             lambda m, t: m.faults.extra_phase_watts.pop((t, 2), None)),
    Scenario("crac-failure", "a cooling unit trips (compressor and fans stop); inlets in its zone warm over minutes",
             "cooling", _second_unit,
             lambda m, t: m.faults.failed_units.add(t), lambda m, t: m.faults.failed_units.discard(t)),
    Scenario("feed-a-lost", "utility feed A is lost: UPS A runs on battery until the generator takes the load",
             "feed", lambda m: "A",
             lambda m, t: m.faults.utility_lost.add(t), lambda m, t: m.faults.utility_lost.discard(t)),
    Scenario("ups-on-battery",
             "a UPS's rectifier fails (UPS B unless told): it runs on battery, its runtime falling until restored",
             "ups", lambda m: m.spec.ups_of("B").name,
             lambda m, t: m.faults.rectifier_fault.add(t), lambda m, t: m.faults.rectifier_fault.discard(t)),
    Scenario("agent-silent", "an agent stops reporting (its uplink to the collector is cut): its targets go unknown",
             "agent", lambda m: m.spec.agents[-1].name,
             lambda m, t: m.faults.silent_agents.add(t), lambda m, t: m.faults.silent_agents.discard(t)),
]}


@dataclass
class ScenarioBook:
    """The scenarios in force on one model."""

    model: HallModel
    active: list[Active] = field(default_factory=list)

    def targets(self, role: str) -> list[str]:
        spec = self.model.spec
        return {"pdu": list(self.model.pdus), "cooling": [u.name for u in spec.cooling.units],
                "feed": ["A", "B"], "ups": [u.name for u in spec.ups],
                "agent": [a.name for a in spec.agents]}[role]

    def start(self, name: str, target: str | None = None) -> Active:
        scenario = SCENARIOS.get(name)
        if scenario is None:
            raise ScenarioError(f"unknown scenario '{name}'; known: {', '.join(SCENARIOS)}")
        self.model.sync()
        target = target or scenario.default(self.model)
        known = self.targets(scenario.role)
        if target not in known:
            raise ScenarioError(f"'{target}' is not a {scenario.role} of this hall; known: {', '.join(known)}")
        for a in self.active:
            if a.name == name and a.target == target:
                return a
        scenario.apply(self.model, target)
        entry = Active(name, target, self.model.t, scenario.description)
        self.active.append(entry)
        return entry

    def restore(self) -> list[Active]:
        self.model.sync()
        ended, self.active = self.active, []
        for a in ended:
            SCENARIOS[a.name].clear(self.model, a.target)
        return ended
