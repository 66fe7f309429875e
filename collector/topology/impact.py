"""What is out, why, and what failing more nodes now would do.

A node is *out* when it is failed on purpose (a what-if or maintenance), when its target is
down, or when everything it is fed by is out. A group is hit by a node when one of its members
(at any depth) is that node's target or one below it. The same evaluation answers
``GET /api/v1/impact`` and the maintenance API's capacity check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from collector.availability.groups import Conflict, GroupGraph
from collector.availability.vocabulary import DEGRADED, OK, UP_STATES
from collector.topology.evaluate import View, failover, headroom
from collector.topology.graph import Hall, rack_group


def out_nodes(hall: Hall, view: View, failed: Iterable[str] = ()) -> frozenset[str]:
    """Nodes out: failed, down, or fed only by nodes that are out (computed to a fixed point)."""
    out = set(failed) | {n for n, node in hall.nodes.items() if view.is_up(node.target) is False}
    changed = True
    while changed:
        changed = False
        for name, node in hall.nodes.items():
            if name not in out and node.fed_by and all(up in out for up in node.fed_by if up in hall.nodes):
                out.add(name)
                changed = True
    return frozenset(out)


def root_causes(hall: Hall, out: frozenset[str]) -> dict[str, str]:
    """Each out node below another out node -> its root cause (the topmost out node above it)."""
    causes: dict[str, str] = {}
    for name in out:
        above = [u for u in _upstream(hall, name) if u in out]
        if not above:
            for below in hall.downstream(name):
                if below in out:
                    causes.setdefault(below, name)
    return causes


def _upstream(hall: Hall, name: str) -> list[str]:
    seen: list[str] = []
    todo = list(hall.nodes[name].fed_by)
    while todo:
        up = todo.pop()
        if up in hall.nodes and up not in seen:
            seen.append(up)
            todo.extend(hall.nodes[up].fed_by)
    return seen


def hit_groups(hall: Hall, graph: GroupGraph, out: frozenset[str]) -> dict[str, str]:
    """Groups with a member out -> the root cause of the first such member."""
    causes = root_causes(hall, out)
    found: dict[str, str] = {}
    for name in sorted(out):
        target = hall.nodes[name].target
        for group in graph.ancestors(target):
            found.setdefault(group, causes.get(name, name))
    return found


@dataclass(frozen=True)
class Impact:
    failed: tuple[str, ...]
    down: list[str]
    lose_redundancy: list[str]
    capacity: list[dict[str, object]]

    def to_json(self) -> dict[str, object]:
        return {"fail": list(self.failed), "down": self.down, "lose_redundancy": self.lose_redundancy,
                "capacity": self.capacity}


def capacity_failures(hall: Hall, view: View, out: frozenset[str]) -> list[dict[str, object]]:
    """Checks that fail with ``out`` failed: a surviving path over its breaker, cooling or UPS short."""
    found: list[dict[str, object]] = []
    for f in failover(hall, view, out):
        lost = [p for p in hall.rack_pdus(f.rack) if p in out]
        if lost and f.ratio > 1:
            found.append({"check": "breaker", "scope": f.rack, "path": ",".join(f.pdus), "phase": f.phase,
                          "ratio": round(f.ratio, 4),
                          "message": f"surviving path {', '.join(f.pdus)} (feed {f.feed}) would carry "
                                     f"{f.load:.1f} A on phase {f.phase} of rack {f.rack}, {f.ratio:.0%} of its "
                                     f"{f.rating:g} A breaker rating"})
    for h in headroom(hall, view, out):
        if h.short:
            found.append({"check": h.scope, "scope": h.system, "path": ",".join(h.units_up),
                          "ratio": round(h.load / h.capacity, 4) if h.capacity else None,
                          "message": f"{h.system}: {h.load / 1000:.1f} kW of load ({h.load_source}) against "
                                     f"{h.capacity / 1000:.1f} kW left ({', '.join(h.units_up) or 'no unit'})"})
    return found


def impact(hall: Hall, view: View, graph: GroupGraph, current: Callable[[str], tuple[int, bool]],
           failed: Iterable[str]) -> Impact:
    failed = tuple(dict.fromkeys(failed))
    before = out_nodes(hall, view)
    after = out_nodes(hall, view, failed)
    unavailable = {hall.nodes[n].target for n in after}
    state_after = graph.hypothetical(unavailable, current)
    down: list[str] = []
    lose: list[str] = []
    for name in sorted(after - before):
        if hall.nodes[name].kind == "server":
            down.append(name)
    for group in graph.order:
        now, _ = current(group)
        then = state_after(group)
        if now in UP_STATES and then not in UP_STATES:
            down.append(group)
        elif now == OK and then == DEGRADED:
            lose.append(group)
    for rack in hall.topo.racks:                       # racks without a derived group
        pdus = hall.rack_pdus(rack)
        if rack_group(rack) in graph.specs or not pdus:
            continue
        gone = [p for p in pdus if p in after]
        if len(gone) == len(pdus) and not all(p in before for p in pdus):
            down.append(rack_group(rack))
        elif gone and not any(p in before for p in pdus):
            lose.append(rack_group(rack))
    return Impact(failed, down, lose, capacity_failures(hall, view, after))


def maintenance_conflicts(hall: Hall, view: View, services: Iterable[str]) -> list[Conflict]:
    """Capacity checks that work on ``services`` (their nodes out) would fail, as conflicts."""
    failed = [hall.by_target[s] for s in services if s in hall.by_target]
    if not failed:
        return []
    out = out_nodes(hall, view, failed)
    return [Conflict(str(c["scope"]), str(c["message"])) for c in capacity_failures(hall, view, out)]


__all__ = ["Impact", "capacity_failures", "hit_groups", "impact", "maintenance_conflicts", "out_nodes", "root_causes"]
