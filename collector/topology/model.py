"""The hall's topology as written in the collector config: typed models and their cross-checks.

```yaml
topology:
  sources:                       # utility feeds, generators, transfer switches
    utility-a: {kind: utility, feed: A}
    gen-1: {kind: generator}
    ats-a: {kind: ats, fed_by: [utility-a, gen-1], feed: A}
  ups:                           # UPS units; modules (optional) are what N-1 counts within one unit
    ups-a: {fed_by: [ats-a], rated_kw: 100}
  ups_systems:                   # UPS units that back each other (N-1 headroom, derived group)
    ups-2n: {units: [ups-a, ups-b]}
  panels: {panel-a: {fed_by: [ups-a]}}
  pdus:                          # rack PDUs: upstream, rack, and a rating for PDUs that report none
    pdu-a01-a: {fed_by: [panel-a], rack: a01, rated_amperes: 16}
  racks: {a01: {room: hall-1, row: a}}
  servers:                       # supplies: the BMC's supply label -> the PDU it is plugged into
    srv-a01: {rack: a01, supplies: {PSU1: pdu-a01-a, PSU2: pdu-a01-b}}
  cooling:                       # cooling units per room, rated capacity
    crac-1: {room: hall-1, capacity_kw: 25}
```

Every node's name is a service name (the target that polls it) unless ``target`` says otherwise.
A node's feed is its own ``feed`` or the first one found upstream. Cross-checks report every
problem at once, located at its line: unknown upstream or rack, a node named twice, a cycle in
``fed_by``, supplies on PDUs of another rack.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from tierwatch_common.configfile import ConfigProblem, StrictModel

if TYPE_CHECKING:
    from tierwatch_common.configfile import Loaded

Name = str


class Node(StrictModel):
    target: str | None = None          # the polled target behind this node (default: its name)


class Source(Node):
    kind: Literal["utility", "generator", "ats"]
    fed_by: list[Name] = Field(default_factory=list)
    feed: str | None = None


class UpsModule(StrictModel):
    rated_kw: float = Field(gt=0)


class Ups(Node):
    fed_by: list[Name] = Field(default_factory=list)
    feed: str | None = None
    rated_kw: float | None = Field(None, gt=0)
    modules: dict[Name, UpsModule] = Field(default_factory=dict)


class UpsSystem(StrictModel):
    units: list[Name] = Field(min_length=1)
    need: int = Field(1, ge=1)         # units needed to carry the load (the derived group's N)


class Panel(Node):
    fed_by: list[Name] = Field(min_length=1)
    feed: str | None = None


class Pdu(Node):
    fed_by: list[Name] = Field(min_length=1)
    rack: Name
    feed: str | None = None
    rated_amperes: float | None = Field(None, gt=0)   # per phase, where the PDU reports no rating


class Rack(StrictModel):
    room: Name
    row: str | None = None


class Server(Node):
    rack: Name
    supplies: dict[str, Name] = Field(default_factory=dict)   # supply label -> PDU


class CoolingUnit(Node):
    room: Name
    capacity_kw: float = Field(gt=0)


class Topology(StrictModel):
    sources: dict[Name, Source] = Field(default_factory=dict)
    ups: dict[Name, Ups] = Field(default_factory=dict)
    ups_systems: dict[Name, UpsSystem] = Field(default_factory=dict)
    panels: dict[Name, Panel] = Field(default_factory=dict)
    pdus: dict[Name, Pdu] = Field(default_factory=dict)
    racks: dict[Name, Rack] = Field(default_factory=dict)
    servers: dict[Name, Server] = Field(default_factory=dict)
    cooling: dict[Name, CoolingUnit] = Field(default_factory=dict)
    derive_groups: bool = True         # rack power, UPS systems and room cooling as redundancy groups


# Which sections a node's fed_by may name
UPSTREAM = {"sources": ("sources",), "ups": ("sources", "ups"), "panels": ("sources", "ups", "panels"),
            "pdus": ("sources", "ups", "panels")}
NODE_SECTIONS = ("sources", "ups", "panels", "pdus", "servers", "cooling")


def _entries(topo: Topology, section: str) -> dict[str, object]:
    return {k: v for k, v in (getattr(topo, section, None) or {}).items() if v is not None}


def topology_problems(loaded: Loaded, root: tuple[str, ...] = ("topology",)) -> Iterator[ConfigProblem]:
    """Every cross-reference problem of the topology in ``loaded.model`` (skipping parts that did
    not validate: their schema problems are already reported)."""
    topo = loaded.model
    for part in root:
        topo = getattr(topo, part, None)
    if not isinstance(topo, Topology):
        return
    seen: dict[str, str] = {}
    for section in NODE_SECTIONS:
        for name in _entries(topo, section):
            if name in seen:
                yield loaded.at((*root, section, name), f"'{name}' is already a node of {seen[name]}; "
                                "every node needs its own name", key=True)
            else:
                seen[name] = section

    def unknown(name: str, allowed: tuple[str, ...], path: tuple[str | int, ...], what: str) -> ConfigProblem:
        known = sorted(n for s in allowed for n in _entries(topo, s))
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; it must be one of the {' or '.join(allowed)}"
        return loaded.at((*root, *path), f"unknown {what} '{name}'{hint}")

    for section, allowed in UPSTREAM.items():
        for name, node in _entries(topo, section).items():
            for i, up in enumerate(getattr(node, "fed_by", None) or ()):
                if not any(up in _entries(topo, s) for s in allowed):
                    yield unknown(up, allowed, (section, name, "fed_by", i), "upstream node")
    racks = _entries(topo, "racks")
    pdus = _entries(topo, "pdus")
    for section in ("pdus", "servers"):
        for name, node in _entries(topo, section).items():
            rack = getattr(node, "rack", None)
            if rack is not None and rack not in racks:
                yield unknown(rack, ("racks",), (section, name, "rack"), "rack")
    for name, server in _entries(topo, "servers").items():
        for label, pdu in (getattr(server, "supplies", None) or {}).items():
            if pdu not in pdus:
                yield unknown(pdu, ("pdus",), ("servers", name, "supplies", label), "PDU")
            elif getattr(pdus[pdu], "rack", None) != getattr(server, "rack", None):
                yield loaded.at((*root, "servers", name, "supplies", label),
                                f"PDU '{pdu}' feeds rack '{getattr(pdus[pdu], 'rack', None)}', not the server's "
                                f"rack '{getattr(server, 'rack', None)}'")
    for name, system in _entries(topo, "ups_systems").items():
        units = getattr(system, "units", None) or ()
        for i, unit in enumerate(units):
            if unit not in _entries(topo, "ups"):
                yield unknown(unit, ("ups",), ("ups_systems", name, "units", i), "UPS")
        need = getattr(system, "need", 1)
        if units and need > len(units):
            yield loaded.at((*root, "ups_systems", name, "need"),
                            f"needs {need} units but lists {len(units)}")
    yield from _cycles(loaded, topo, root)


def _cycles(loaded: Loaded, topo: Topology, root: tuple[str, ...]) -> Iterator[ConfigProblem]:
    feeds: dict[str, tuple[str, list[str]]] = {}
    for section in UPSTREAM:
        for name, node in _entries(topo, section).items():
            feeds[name] = (section, list(getattr(node, "fed_by", None) or ()))
    reported: set[str] = set()
    for start in feeds:
        path, todo = [start], [(start, iter(feeds[start][1]))]
        on_path = {start}
        while todo:
            name, ups = todo[-1]
            up = next(ups, None)
            if up is None:
                todo.pop()
                on_path.discard(path.pop())
                continue
            if up in on_path:
                cycle = path[path.index(up):] + [up]
                if not reported & set(cycle):
                    reported.update(cycle)
                    section = feeds[cycle[0]][0]
                    yield loaded.at((*root, section, cycle[0], "fed_by"),
                                    f"fed_by forms a cycle: {' → '.join(cycle)}")
                continue
            if up in feeds:
                path.append(up)
                on_path.add(up)
                todo.append((up, iter(feeds[up][1])))
