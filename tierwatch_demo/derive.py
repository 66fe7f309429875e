"""Agent and collector configs derived from the hall file, so targets and groups match the hall.

`groups(spec)` is the hall's redundancy: rack power any_of its A and B PDUs, cooling at_least N
of the N+1 units, the UPS pair 2N (any_of), and the hall all_of those.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tierwatch_demo.mibs import hall_devices
from tierwatch_demo.model import HallModel
from tierwatch_demo.spec import HallSpec

LOCAL_HOST = "demo-host"
OPERATOR = "demo-noc"
HEADER = ("# Written by `tierwatch-demo configs` from config/demo/hall.yaml; edit the hall, not this file.\n")


def agent_token(agent: str) -> str:
    return f"demo-{agent}-token-change-me"


def operator_token() -> str:
    return "demo-operator-token-change-me"


def ups_group(spec: HallSpec) -> str:
    return "ups-2n"


def groups(spec: HallSpec) -> dict[str, dict[str, Any]]:
    hall = spec.hall.name
    out: dict[str, dict[str, Any]] = {}
    for r in spec.racks:
        out[f"rack-{r.name}-power"] = {"any_of": [f"pdu-{r.name}-a", f"pdu-{r.name}-b"]}
    out[ups_group(spec)] = {"any_of": [u.name for u in sorted(spec.ups, key=lambda u: u.feed)]}
    out[f"{hall}-cooling"] = {"at_least": spec.cooling.at_least, "of": [u.name for u in spec.cooling.units]}
    out[f"{hall}-power"] = {"all_of": [ups_group(spec)] + [f"rack-{r.name}-power" for r in spec.racks]}
    out[hall] = {"all_of": [f"{hall}-power", f"{hall}-cooling"]}
    return out


def topology(spec: HallSpec) -> dict[str, Any]:
    """The hall as the collector's topology: utility feeds A and B and the generator behind each
    feed's transfer switch, a UPS per feed (2N), every rack's A and B PDU on its feed's UPS, the
    hosts plugged into both, and the cooling units of the hall with their capacity."""
    hall, gen = spec.hall.name, spec.generator.name
    feeds = sorted({u.feed for u in spec.ups})
    sources: dict[str, Any] = {gen: {"kind": "generator"}}
    for feed in feeds:
        sources[f"utility-{feed.lower()}"] = {"kind": "utility", "feed": feed}
        sources[f"ats-{feed.lower()}"] = {"kind": "ats", "fed_by": [f"utility-{feed.lower()}", gen], "feed": feed}
    ups = {u.name: {"fed_by": [f"ats-{u.feed.lower()}"], "feed": u.feed, "rated_kw": u.rated_watts / 1000}
           for u in sorted(spec.ups, key=lambda u: u.feed)}
    pdus = {f"pdu-{r.name}-{u.feed.lower()}": {"fed_by": [u.name], "rack": r.name,
                                               "rated_amperes": r.phase_rated_amperes}
            for r in spec.racks for u in sorted(spec.ups, key=lambda u: u.feed)}
    return {
        "sources": sources,
        "ups": ups,
        "ups_systems": {ups_group(spec): {"units": list(ups)}},
        "pdus": pdus,
        "racks": {r.name: {"room": hall, "row": r.row} for r in spec.racks},
        "servers": {h.name: {"rack": h.rack, "supplies": {f"PSU{i + 1}": f"pdu-{h.rack}-{feed.lower()}"
                                                          for i, feed in enumerate(feeds)}} for h in spec.hosts},
        "cooling": {u.name: {"room": hall, "capacity_kw": u.capacity_watts / 1000} for u in spec.cooling.units},
    }


def agent_config(spec: HallSpec, agent: str, *, collector_url: str, snmp_port: int | None = None,
                 interval: float | None = None) -> dict[str, Any]:
    me = next(a for a in spec.agents if a.name == agent)
    devices = hall_devices(HallModel(spec))
    every = interval or spec.poll_interval
    targets, credentials = [], {}
    for d in devices.values():
        if d.role not in me.polls or (me.rows and d.row not in me.rows):
            continue
        v3 = spec.snmp.v3
        credentials[d.name] = ({"version": "3", "user": d.name, "auth_proto": v3.auth_proto, "auth_key": v3.auth_key,
                                "priv_proto": v3.priv_proto, "priv_key": v3.priv_key}
                               if d.role in v3.roles else {"version": "2c", "community": d.name})
        targets.append({"name": d.name, "address": spec.snmp.address, "port": snmp_port or spec.snmp.port,
                        "credentials": d.name, "interval": f"{every:g}s", "timeout": f"{max(2.0, every * 0.9):g}s",
                        "packet_timeout": f"{min(2.0, max(0.5, every / 4)):g}s", "retries": 1,
                        "max_repetitions": d.max_repetitions, "labels": d.labels})
    return {
        "agent": {"id": agent, "interval": f"{every:g}s"},
        "collector": {"urls": [collector_url], "token": agent_token(agent), "backoff_max": "5s",
                      "timeout": "5s"},
        "host": {"enabled": me.local_host, "name": LOCAL_HOST, "interval": f"{every:g}s",
                 "labels": {"site": spec.hall.site, "room": spec.hall.name, "role": "server"}},
        "credentials": credentials,
        "targets": targets,
        "scheduler": {"jitter": 1.0},     # first polls spread over a whole interval, not all at once
        "log": {"level": "info", "format": "json"},
    }


def collector_config(spec: HallSpec, *, port: int = 9847, state_dir: str = ".demo/state") -> dict[str, Any]:
    return {
        "listen": {"address": "127.0.0.1", "port": port},
        "agents": {a.name: {"token": agent_token(a.name)} for a in spec.agents},
        "operators": {OPERATOR: {"token": operator_token()}},
        "state_dir": state_dir,
        "series": {"ttl_factor": 3},
        "log": {"level": "info", "format": "json"},
        "availability": {"slo": 0.99982, "timezone": "Africa/Bamako", "groups": groups(spec)},
        "topology": topology(spec),
    }


def write(path: Path, data: dict[str, Any], comment: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"# {comment}\n" + yaml.safe_dump(data, sort_keys=False, width=120, default_flow_style=None), encoding="utf-8")
    return path


def write_all(spec: HallSpec, out: Path, *, collector_port: int = 9847, state_dir: str = ".demo/state",
              snmp_port: int | None = None, interval: float | None = None,
              uplinks: dict[str, int] | None = None) -> dict[str, Path]:
    """Write collector.yaml and agent-<name>.yaml into `out`; return them by role/agent name."""
    paths = {"collector": write(out / "collector.yaml", collector_config(spec, port=collector_port, state_dir=state_dir),
                                "The demo hall's collector: loopback only, demo tokens.")}
    for a in spec.agents:
        port = (uplinks or {}).get(a.name) or a.uplink_port or collector_port
        cfg = agent_config(spec, a.name, collector_url=f"http://127.0.0.1:{port}", snmp_port=snmp_port,
                           interval=interval)
        paths[a.name] = write(out / f"agent-{a.name}.yaml", cfg,
                              f"Demo agent {a.name}: polls {', '.join(a.polls)} through the hall's uplink relay.")
    return paths
