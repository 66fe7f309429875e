"""The topology resolved: every node with its kind, target, upstream, feed and labels, what is
downstream of what, and the redundancy groups the hall implies."""

from __future__ import annotations

from dataclasses import dataclass, field

from collector.topology.model import Topology

# Node kinds
SOURCE, UPS, PANEL, PDU, SERVER, COOLING = "source", "ups", "panel", "pdu", "server", "cooling"
_KIND = {"sources": SOURCE, "ups": UPS, "panels": PANEL, "pdus": PDU, "servers": SERVER, "cooling": COOLING}

# Topology labels a node's series and alerts carry
LABELS = ("feed", "ups", "panel", "pdu", "rack", "row", "room")


@dataclass
class NodeInfo:
    name: str
    kind: str
    target: str
    fed_by: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)


def rack_group(rack: str) -> str:
    return f"rack-{rack}-power"


def room_group(room: str) -> str:
    return f"{room}-cooling"


class Hall:
    """The resolved topology: nodes by name, downstream links, derived groups."""

    def __init__(self, topo: Topology) -> None:
        self.topo = topo
        self.nodes: dict[str, NodeInfo] = {}
        for section, kind in _KIND.items():
            for name, node in getattr(topo, section).items():
                self.nodes[name] = NodeInfo(name, kind, node.target or name, tuple(getattr(node, "fed_by", ())))
        for name, server in topo.servers.items():       # a server hangs from the PDUs it is plugged into
            self.nodes[name].fed_by = tuple(dict.fromkeys(server.supplies.values()))
        self.children: dict[str, list[str]] = {}
        for node in self.nodes.values():
            for up in node.fed_by:
                self.children.setdefault(up, []).append(node.name)
        self.by_target = {n.target: n.name for n in self.nodes.values()}
        for node in self.nodes.values():
            node.labels = self._labels(node)

    def _upstream(self, name: str) -> list[str]:
        """Every node above ``name``, nearest first."""
        out: list[str] = []
        todo = list(self.nodes[name].fed_by)
        while todo:
            up = todo.pop(0)
            if up in self.nodes and up not in out:
                out.append(up)
                todo.extend(self.nodes[up].fed_by)
        return out

    def feed_of(self, name: str) -> str | None:
        for n in (name, *self._upstream(name)):
            section = {SOURCE: "sources", UPS: "ups", PANEL: "panels", PDU: "pdus"}.get(self.nodes[n].kind)
            feed = getattr(getattr(self.topo, section).get(n), "feed", None) if section else None
            if feed:
                return feed
        return None

    def _labels(self, node: NodeInfo) -> dict[str, str]:
        labels: dict[str, str] = {}
        upstream = self._upstream(node.name)
        for kind, label in ((UPS, "ups"), (PANEL, "panel"), (PDU, "pdu")):
            names = sorted({u for u in upstream if self.nodes[u].kind == kind})
            if names:
                labels[label] = ",".join(names)
        if node.kind in (SOURCE, UPS, PANEL, PDU):
            feed = self.feed_of(node.name)
            if feed:
                labels["feed"] = feed
        rack = getattr(self.topo.pdus.get(node.name) or self.topo.servers.get(node.name), "rack", None)
        if rack:
            labels["rack"] = rack
            r = self.topo.racks.get(rack)
            if r is not None:
                labels["room"] = r.room
                if r.row:
                    labels["row"] = r.row
        unit = self.topo.cooling.get(node.name)
        if unit is not None:
            labels["room"] = unit.room
        return labels

    def downstream(self, name: str) -> list[str]:
        """Every node below ``name`` (what depends on it), nearest first."""
        out: list[str] = []
        todo = list(self.children.get(name, ()))
        while todo:
            n = todo.pop(0)
            if n not in out:
                out.append(n)
                todo.extend(self.children.get(n, ()))
        return out

    def rack_pdus(self, rack: str) -> list[str]:
        return [name for name, pdu in self.topo.pdus.items() if pdu.rack == rack]

    def rooms(self) -> dict[str, list[str]]:
        """Room -> its cooling units."""
        out: dict[str, list[str]] = {}
        for name, unit in self.topo.cooling.items():
            out.setdefault(unit.room, []).append(name)
        return out

    def room_racks(self, room: str) -> list[str]:
        return [name for name, rack in self.topo.racks.items() if rack.room == room]

    def derived_groups(self) -> dict[str, dict[str, object]]:
        """Redundancy groups the hall implies, in the availability config's form."""
        if not self.topo.derive_groups:
            return {}
        groups: dict[str, dict[str, object]] = {}
        for rack in self.topo.racks:
            members = [self.nodes[p].target for p in self.rack_pdus(rack)]
            if members:
                groups[rack_group(rack)] = {"any_of": members}
        for name, system in self.topo.ups_systems.items():
            groups[name] = {"at_least": system.need, "of": [self.nodes[u].target for u in system.units]}
        for room, units in self.rooms().items():
            if len(units) > 1:
                groups[room_group(room)] = {"at_least": len(units) - 1, "of": [self.nodes[u].target for u in units]}
        return groups
