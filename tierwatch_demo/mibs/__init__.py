"""What each simulated device answers: its MIB objects, built from the hall model on request.

A device is a function of the model that returns `Objects` (OID tuple → (kind, value)); the
responder sorts them once per answer. Kinds: int, str, oid, ticks, gauge, c32, c64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tierwatch_demo.mibs import environment, hosts, power
from tierwatch_demo.mibs.base import Objects
from tierwatch_demo.model import HallModel


@dataclass(frozen=True)
class Device:
    name: str
    role: str                      # pdu | ups | cooling | probe | host
    build: Callable[[HallModel], Objects]
    labels: dict[str, str]
    max_repetitions: int = 10      # about the longest table column it has: no wasted varbinds per walk

    @property
    def row(self) -> str | None:
        return self.labels.get("row")


def hall_devices(model: HallModel) -> dict[str, Device]:
    """Every device of the hall, by name (the SNMP community that reaches it)."""
    spec = model.spec
    room = {"site": spec.hall.site, "room": spec.hall.name}
    out: dict[str, Device] = {}
    for r in spec.racks:
        for feed in "AB":
            pdu = model.pdus[f"pdu-{r.name}-{feed.lower()}"]
            build = {"apc": power.apc_rpdu2, "raritan": power.raritan_pdu2, "sentry4": power.sentry4}[r.pdu_vendor]
            out[pdu.name] = Device(pdu.name, "pdu", _bind(build, pdu.name),
                                   {**room, "row": r.row, "rack": r.name, "feed": feed, "role": "pdu"},
                                   {"apc": 4, "raritan": 25, "sentry4": 4}[r.pdu_vendor])
        probe = f"probe-{r.name}"
        out[probe] = Device(probe, "probe", _bind(environment.rack_probe, r.name),
                            {**room, "row": r.row, "rack": r.name, "role": "probe"}, 3)
    for u in spec.ups:
        out[u.name] = Device(u.name, "ups", _bind(power.ups_mib, u.name), {**room, "feed": u.feed, "role": "ups"}, 4)
    for c in spec.cooling.units:
        build = environment.liebert if c.vendor == "liebert" else environment.apc_inrow
        out[c.name] = Device(c.name, "cooling", _bind(build, c.name),
                             {**room, "zone": c.zone, "role": "cooling"}, 3 if c.vendor == "liebert" else 7)
    for h in spec.hosts:
        rack = next(r for r in spec.racks if r.name == h.rack)
        out[h.name] = Device(h.name, "host", _bind(hosts.net_snmp_host, h.name),
                             {**room, "row": rack.row, "rack": rack.name, "role": "server"}, h.cpus + 1)
    return out


def _bind(build: Callable[[HallModel, str], Objects], name: str) -> Callable[[HallModel], Objects]:
    return lambda model: build(model, name)
