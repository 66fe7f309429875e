"""The status page at ``/``: the wall screen, and the NOC's view when Grafana is down.

Built from one engine snapshot: every group and target with its state in colour, availability
and error budget left for the SLO windows, degraded groups and why, maintenance in progress
and planned, devices down, capacity warnings (when a provider is registered under
``CAPACITY_KEY``), and the last maintenance acts from the audit log. It refreshes itself
(``<meta http-equiv=refresh>``: no script needed on a wall screen), has no external assets,
and speaks French or English (``?lang=``, remembered in a cookie, else ``Accept-Language``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from collector.availability.engine import AvailabilityEngine
from collector.availability.report import Snapshot
from collector.availability.vocabulary import GROUP
from collector.pages.i18n import LANGS, Words, pick_lang
from collector.pages.templates import render

REFRESH_SECONDS = 15
PREFERRED_WINDOWS = ("30d", "month", "365d", "year")   # the first two present are shown (wall-screen width)
LANG_COOKIE = "tierwatch_lang"

# A capacity provider returns warnings as dicts: {"scope": ..., "message": ..., "severity": "warning"|"critical"}
CapacityProvider = Callable[[], list[dict[str, Any]]]
CAPACITY_KEY = web.AppKey("capacity_provider", object)


@dataclass
class Row:
    name: str
    kind: str
    state: str                  # one of vocabulary.SERVICE_STATES
    reason: str
    since: float | None
    figures: list[dict[str, Any]] = field(default_factory=list)   # per shown window
    members: list[str] = field(default_factory=list)
    rule: str = ""
    warning: str = ""           # groups: members' health warnings (redundancy kept)


def shown_windows(names: list[str]) -> list[int]:
    """Indexes of the windows the page shows: the SLO windows people read (30 days, month, year)."""
    picked = [names.index(n) for n in PREFERRED_WINDOWS if n in names][:2]
    return picked or list(range(max(0, len(names) - 2), len(names)))


def build_rows(engine: AvailabilityEngine, snap: Snapshot, windows: list[int]) -> list[Row]:
    rows = []
    for i, svc in enumerate(snap.services):
        figs = []
        for w in windows:
            f = snap.figures(i, w)
            figs.append({"availability": f.availability, "remaining": f.budget_remaining,
                         "remaining_ratio": f.budget_remaining_ratio, "allowed": f.budget_allowed,
                         "slo": svc.policy.objective})
        row = Row(svc.name, svc.kind, svc.label, svc.reason,
                  svc.timeline.last_time if len(svc.timeline) else None, figs,
                  warning=svc.warning if svc.kind == GROUP else "")
        if svc.kind == GROUP and svc.name in engine.graph.specs:
            spec = engine.graph.specs[svc.name]
            row.members, row.rule = list(spec.members), short_rule(spec.describe(), len(spec.members))
        rows.append(row)
    return rows


def short_rule(rule: str, members: int, limit: int = 90) -> str:
    """``any_of [a, b]`` as is; a long member list cut after the first few, with how many more."""
    if len(rule) <= limit:
        return rule
    head, _, listed = rule.partition("[")
    names = listed.rstrip("]").split(", ")
    shown: list[str] = []
    for name in names:
        if len(head) + len(", ".join([*shown, name])) > limit - 12:
            break
        shown.append(name)
    return f"{head}[{', '.join(shown)}, … +{members - len(shown)}]"


BAD_FIRST = {"down": 0, "unknown": 1, "degraded": 2, "maintenance": 3, "ok": 4}


def status_context(engine: AvailabilityEngine, words: Words, *, site: str,
                   capacity: list[dict[str, Any]], audit: list[dict[str, Any]],
                   state_degraded: list[str] | None = None) -> dict[str, Any]:
    snap = engine.compute()
    frame = snap.frame
    windows = shown_windows(list(frame.names))
    rows = build_rows(engine, snap, windows)
    rows.sort(key=lambda r: (BAD_FIRST.get(r.state, 5), r.name))
    groups = [r for r in rows if r.kind == GROUP]
    targets = [r for r in rows if r.kind != GROUP]
    now = frame.now
    windows_all = sorted(engine.maintenance.values(), key=lambda w: (w.start, w.id))
    active = [w for w in windows_all if w.status(now) == "active"]
    scheduled = [w for w in windows_all if w.status(now) == "scheduled"]
    down = [r for r in targets if r.state in ("down", "unknown")]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.state] = counts.get(r.state, 0) + 1
    return {
        "t": words, "lang": words.lang, "langs": LANGS, "site": site, "now": now,
        "refresh": REFRESH_SECONDS, "window_names": [frame.names[w] for w in windows],
        "groups": groups, "targets": targets, "degraded": [g for g in groups if g.state in ("degraded", "down")],
        "warned": [g for g in groups if g.warning and g.state not in ("degraded", "down")],
        "active": active, "scheduled": scheduled, "down": down, "counts": counts,
        "down_count": sum(1 for r in rows if r.state == "down"),
        "degraded_count": sum(1 for g in groups if g.state == "degraded"),
        "capacity": capacity, "audit": audit, "state_degraded": state_degraded or [],
    }


def language_of(request: web.Request) -> str:
    return pick_lang(request.query.get("lang"), request.cookies.get(LANG_COOKIE),
                     request.headers.get("Accept-Language"))


def page_response(request: web.Request, html: str) -> web.Response:
    response = web.Response(text=html, content_type="text/html", charset="utf-8",
                            headers={"Cache-Control": "no-store",
                                     "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:"})
    chosen = request.query.get("lang")
    if chosen in LANGS:
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="Lax")
    return response


def status_html(engine: AvailabilityEngine, lang: str, *, site: str, capacity: list[dict[str, Any]],
                audit: list[dict[str, Any]], state_degraded: list[str] | None = None) -> str:
    """The page; `state_degraded` names the collector's state stores that are not being written."""
    words = Words(lang, engine.settings.zone)
    return render("status.html", status_context(engine, words, site=site, capacity=capacity, audit=audit,
                                                state_degraded=state_degraded))
