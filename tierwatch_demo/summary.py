"""The one-screen live summary `make demo` shows instead of the log stream."""

from __future__ import annotations

import json
import urllib.request
from collections import Counter
from typing import Any

from tierwatch_demo.control import status as hall_status
from tierwatch_demo.scenarios import ScenarioBook

CLEAR = "\x1b[H\x1b[2J"


def fetch_availability(url: str, timeout: float = 3.0) -> dict[str, Any]:
    with urllib.request.urlopen(url + "/api/v1/availability", timeout=timeout) as resp:
        return json.loads(resp.read())


def render(availability: dict[str, Any] | None, book: ScenarioBook, urls: dict[str, str], *, width: int = 100) -> str:
    st = hall_status(book)
    lines = [f"tierwatch demo — {st['hall']}   hall time {st['hall_seconds']:.0f} s (x{st['time_scale']:g})   Ctrl-C stops it",
             "  " + "   ".join(f"{k} {v}" for k, v in urls.items()), ""]
    if availability is None:
        lines.append("  collector: not answering yet")
    else:
        services = availability.get("services", {})
        targets = {n: s for n, s in services.items() if s.get("kind") == "target"}
        groups = {n: s for n, s in services.items() if s.get("kind") == "group"}
        by_state = Counter("up" if s["state"] == "ok" else s["state"] for s in targets.values())
        lines.append("  services: " + ", ".join(f"{by_state.get(k, 0)} {k}" for k in
                                                ("up", "degraded", "down", "unknown", "maintenance")))
        gstate = Counter(s["state"] for s in groups.values())
        lines.append("  groups:   " + ", ".join(f"{gstate.get(k, 0)} {k}" for k in ("ok", "degraded", "down", "unknown")))
        hall = groups.get(st["hall"], {}).get("windows", {}).get("30d", {})
        if hall:
            left = hall.get("error_budget_remaining_seconds")
            allowed = hall.get("error_budget_allowed_seconds")
            lines.append(f"  budget:   {st['hall']} 30d: {left:.0f} s left of {allowed:.0f} s"
                         if left is not None and allowed else "  budget:   (no data yet)")
        bad = sorted((n, s) for n, s in services.items() if s["state"] not in ("up", "ok"))
        if bad:
            lines.append("")
            lines.append("  not ok:")
            for name, s in bad[:12]:
                reason = (s.get("reason") or "")[: width - 40]
                lines.append(f"    {name:<22} {s['state']:<11} {reason}")
            if len(bad) > 12:
                lines.append(f"    ... and {len(bad) - 12} more")
    lines.append("")
    ups = ", ".join(f"{n} {u['source']} {u['charge']:.0%} {u['runtime_seconds'] // 60} min" for n, u in st["ups"].items())
    lines.append(f"  power:    feeds {st['feeds']['A']}/{st['feeds']['B']}, generator {st['generator']}, {ups}, "
                 f"IT {st['it_watts'] / 1000:.1f} kW")
    cooling = sum(1 for v in st["cooling"].values() if v == "running")
    inlets = ", ".join(f"{z} {t:.1f} °C" for z, t in st["inlet_max_celsius"].items())
    lines.append(f"  cooling:  {cooling}/{len(st['cooling'])} units running, hottest inlet {inlets}")
    lines.append("")
    if st["active"]:
        lines.append("  active scenarios (tierwatch-demo restore ends them):")
        for a in st["active"]:
            lines.append(f"    {a['scenario']:<16} {a['target']:<14} {a['description'][: width - 36]}")
    else:
        lines.append("  no scenario active — try: tierwatch-demo scenarios")
    return "\n".join(line[:width] for line in lines) + "\n"
