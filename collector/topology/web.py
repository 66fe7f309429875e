"""The topology in the collector: a view of the live store and engine, the exporter, the impact
API, the maintenance capacity check and the status page's capacity warnings."""

from __future__ import annotations

from collections.abc import Iterator

from aiohttp import web
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from collector.availability.engine import AvailabilityEngine
from collector.availability.vocabulary import DOWN, UP_STATES
from collector.store import SeriesStore
from collector.topology import names as n
from collector.topology.evaluate import dual_cord, failover, headroom
from collector.topology.graph import LABELS, Hall
from collector.topology.impact import hit_groups, impact, maintenance_conflicts, out_nodes, root_causes


class LiveView:
    """Readings from the latest-value store, states from the availability engine (one evaluation)."""

    def __init__(self, store: SeriesStore, engine: AvailabilityEngine) -> None:
        self._store, self._engine = store, engine
        self._by_target: dict[str, dict[str, list[tuple[dict[str, str], float]]]] = {}

    def series(self, metric: str, target: str) -> list[tuple[dict[str, str], float]]:
        index = self._by_target.get(metric)
        if index is None:
            index = self._by_target[metric] = {}
            family = self._store.families.get(metric)
            if family is not None:
                for row, (t, labels) in enumerate(family.keys):
                    index.setdefault(t, []).append((dict(labels), family.values[row]))
        return index.get(target, [])

    def is_up(self, target: str) -> bool | None:
        state, named = self._engine.current(target)
        if named or state == DOWN:
            return False
        return True if state in UP_STATES else None      # unknown: neither up nor down


class TopologyExporter(Collector):
    """Failover load, N-1 headroom, dual-cord compliance, node labels and upstream-down causes."""

    def __init__(self, hall: Hall, store: SeriesStore, engine: AvailabilityEngine) -> None:
        self.hall, self.store, self.engine = hall, store, engine

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        hall, view = self.hall, LiveView(self.store, self.engine)
        fo = GaugeMetricFamily(n.FAILOVER, "Current a rack's surviving feed would carry on a phase if its other "
                               "feeds failed, over its breaker rating (the PDU's own, else the configured one).",
                               labels=[n.L_RACK, n.L_PHASE, n.L_FEED, n.L_RATING_SOURCE])
        for f in failover(hall, view):
            fo.add_metric([f.rack, f.phase, f.feed, f.rating_source], f.ratio)
        yield fo
        hr = GaugeMetricFamily(n.AFTER_LOSS, "Load over the capacity left after losing the largest unit that is "
                               "up (>= 1: no longer N+1).", labels=[n.L_SYSTEM, n.L_SCOPE, n.L_LOAD_SOURCE])
        load = GaugeMetricFamily(n.LOAD_WATTS, "Load a capacity check compares.",
                                 labels=[n.L_SYSTEM, n.L_SCOPE, n.L_LOAD_SOURCE])
        cap = GaugeMetricFamily(n.CAPACITY_WATTS, "Capacity of the units up.", labels=[n.L_SYSTEM, n.L_SCOPE])
        for h in headroom(hall, view):
            hr.add_metric([h.system, h.scope, h.load_source], h.ratio)
            load.add_metric([h.system, h.scope, h.load_source], h.load)
            cap.add_metric([h.system, h.scope], h.capacity)
        yield from (hr, load, cap)
        dc = GaugeMetricFamily(n.DUAL_CORD, "1 when the server has two working supplies on two feeds.",
                               labels=[n.L_SERVER, n.L_RACK, n.L_REASON])
        for d in dual_cord(hall, view):
            dc.add_metric([d.server, d.rack, "; ".join(d.problems)], 1.0 if d.compliant else 0.0)
        yield dc
        info = GaugeMetricFamily(n.NODE_INFO, "A node of the topology and its labels (1).",
                                 labels=[n.L_TARGET, n.L_NODE, n.L_KIND, *LABELS])
        for node in hall.nodes.values():
            info.add_metric([node.target, node.name, node.kind, *(node_labels(hall, node.name)[k] for k in LABELS)], 1)
        yield info
        rated = GaugeMetricFamily(n.PDU_RATED, "Breaker rating per phase configured for the PDU in the hall "
                                  "model (rated_amperes), for the alert rules of PDUs that report none.",
                                  labels=[n.L_TARGET, n.L_NODE])
        for name, pdu in sorted(hall.topo.pdus.items()):
            if pdu.rated_amperes is not None:
                rated.add_metric([hall.nodes[name].target, name], pdu.rated_amperes)
        yield rated
        out = out_nodes(hall, view)
        up = GaugeMetricFamily(n.UPSTREAM_DOWN, "1 for a target or group below a node that is down: its "
                               "alerts are explained by that cause.", labels=[n.L_TARGET, n.L_GROUP, n.L_CAUSE])
        for name, cause in sorted(root_causes(hall, out).items()):
            up.add_metric([hall.nodes[name].target, "", cause], 1)
        for group, cause in sorted(hit_groups(hall, self.engine.graph, out).items()):
            up.add_metric(["", group, cause], 1)
        yield up


def node_labels(hall: Hall, name: str) -> dict[str, str]:
    """A node's topology labels, every one present (empty when it has none); a node names itself."""
    node = hall.nodes[name]
    labels = {k: node.labels.get(k, "") for k in LABELS}
    if node.kind in labels:
        labels[node.kind] = name
    return labels


HALL_KEY = web.AppKey("topology_hall", Hall)
SERIES_LABELS = ("feed", "ups", "panel", "rack", "row", "room")   # "pdu" is a PDU's own unit label


def series_labels(hall: Hall) -> dict[str, tuple[tuple[str, str], ...]]:
    """Target -> the topology labels every series of its node carries (those it has)."""
    out = {}
    for node in hall.nodes.values():
        labels = node_labels(hall, node.name)
        out[node.target] = tuple(sorted((k, labels[k]) for k in SERIES_LABELS if labels[k]))
    return out


def capacity_warnings(hall: Hall, store: SeriesStore, engine: AvailabilityEngine) -> list[dict[str, object]]:
    """The status page's capacity warnings: failover over rating, N-1 lost, servers not dual-corded."""
    view = LiveView(store, engine)
    out: list[dict[str, object]] = []
    for f in failover(hall, view):
        if f.ratio >= 0.8:
            out.append({"scope": f"{f.rack} L{f.phase}", "severity": "critical" if f.ratio > 1 else "warning",
                        "message": f"if feed {f.feed} alone carried it: {f.load:.1f} A, {f.ratio:.0%} of {f.rating:g} A"})
    for h in headroom(hall, view):
        if h.ratio >= 1:
            out.append({"scope": h.system, "severity": "critical" if h.short else "warning",
                        "message": f"not N+1 for {h.scope}: {h.load / 1000:.1f} kW against "
                                   f"{h.after_loss / 1000:.1f} kW after losing the largest unit"})
    for d in dual_cord(hall, view):
        if not d.compliant:
            out.append({"scope": d.server, "severity": "warning", "message": "; ".join(d.problems)})
    return out


def setup_topology(app: web.Application, hall: Hall, store: SeriesStore, engine: AvailabilityEngine) -> None:
    """Routes, the maintenance capacity check and the page's warnings for ``hall``."""
    app[HALL_KEY] = hall
    store.node_labels.update(series_labels(hall))
    engine.capacity_check = lambda services: maintenance_conflicts(hall, LiveView(store, engine), services)

    async def impact_handler(request: web.Request) -> web.Response:
        names = [s for s in request.query.get("fail", "").split(",") if s]
        unknown = [s for s in names if s not in hall.nodes and s not in hall.by_target]
        if not names or unknown:
            return web.json_response({"error": "fail= names one or more nodes of the topology, comma separated",
                                      "unknown": unknown}, status=400)
        failed = [s if s in hall.nodes else hall.by_target[s] for s in names]
        answer = impact(hall, LiveView(store, engine), engine.graph, engine.current, failed)
        return web.json_response(answer.to_json())

    async def dual_cord_handler(request: web.Request) -> web.Response:
        found = dual_cord(hall, LiveView(store, engine))
        return web.json_response({"servers": [{"server": d.server, "rack": d.rack, "compliant": d.compliant,
                                               "problems": list(d.problems)} for d in found]})

    app.router.add_get("/api/v1/impact", impact_handler)
    app.router.add_get("/api/v1/dual-cord", dual_cord_handler)


__all__ = ["HALL_KEY", "LiveView", "TopologyExporter", "capacity_warnings", "node_labels", "series_labels",
           "setup_topology"]
