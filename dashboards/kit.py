"""The dashboards' building blocks: one definition, rendered in English and in French.

Every text a person reads (titles, descriptions, variable labels, legends with words) is a `T`
holding both languages; queries are the same in both, so a panel shows the same data whichever
language the NOC reads. `render(obj, lang)` resolves every `T` and numbers the panels.
Panel defaults (data source, legend, tooltip, reduce options) are the house's, written once here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

LANGS = ("en", "fr")
DS = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}


@dataclass(frozen=True)
class T:
    en: str
    fr: str

    def __call__(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en


def q(expr: str, legend: str | T = "__auto", *, instant: bool = False, fmt: str | None = None) -> dict[str, Any]:
    target: dict[str, Any] = {"datasource": DS, "expr": expr, "legendFormat": legend,
                              "range": not instant, "instant": instant}
    if fmt:
        target["format"] = fmt
    return target


def steps(*pairs: tuple[str, float | None]) -> dict[str, Any]:
    return {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in pairs]}


TIMESERIES_CUSTOM = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
                     "spanNulls": False, "thresholdsStyle": {"mode": "off"}}
TABLE_CUSTOM = {"align": "auto", "cellOptions": {"type": "auto"}, "filterable": True}
REDUCE = {"calcs": ["lastNotNull"], "fields": "", "values": False}
OPTIONS = {
    "timeseries": {"legend": {"displayMode": "table", "placement": "right", "calcs": ["lastNotNull", "max"]},
                   "tooltip": {"mode": "multi", "sort": "desc"}},
    "stat": {"reduceOptions": REDUCE, "colorMode": "background", "graphMode": "none", "textMode": "auto",
             "justifyMode": "auto", "orientation": "auto"},
    "bargauge": {"reduceOptions": REDUCE, "orientation": "horizontal", "displayMode": "gradient",
                 "showUnfilled": True, "valueMode": "color", "namePlacement": "auto", "sizing": "auto"},
    "table": {"showHeader": True, "cellHeight": "sm", "footer": {"show": False}},
    "state-timeline": {"showValue": "never", "mergeValues": True, "rowHeight": 0.8,
                       "legend": {"showLegend": False}, "alignValue": "left"},
}


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` laid over it, dicts merged key by key (lists and values replaced)."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def panel(kind: str, title: str | T, grid: tuple[int, int, int, int], targets: list[dict[str, Any]], *,
          unit: str | None = None, description: str | T | None = None, extra: dict[str, Any] | None = None
          ) -> dict[str, Any]:
    x, y, w, h = grid
    defaults: dict[str, Any] = {}
    if unit is not None:
        defaults["unit"] = unit
    if kind == "timeseries":
        defaults["custom"] = dict(TIMESERIES_CUSTOM)
    elif kind == "table":
        defaults["custom"] = dict(TABLE_CUSTOM)
    p: dict[str, Any] = {"type": kind, "title": title, "datasource": DS, "gridPos": {"x": x, "y": y, "w": w, "h": h},
                         "targets": [dict(t, refId=chr(ord("A") + i)) for i, t in enumerate(targets)],
                         "fieldConfig": {"defaults": defaults, "overrides": []},
                         "options": copy.deepcopy(OPTIONS.get(kind, {}))}
    if description is not None:
        p["description"] = description
    return merge(p, extra or {})


def row(title: str | T, y: int) -> dict[str, Any]:
    return {"type": "row", "title": title, "collapsed": False, "panels": [], "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}}


def datasource_var() -> dict[str, Any]:
    return {"name": "DS_PROMETHEUS", "label": T("Data source", "Source de données"), "type": "datasource",
            "query": "prometheus", "current": {"text": "Prometheus", "value": "tierwatch-prometheus"},
            "hide": 0, "refresh": 1, "regex": "", "options": []}


def query_var(name: str, label: str | T, query: str) -> dict[str, Any]:
    return {"name": name, "label": label, "type": "query", "datasource": DS,
            "query": {"query": query, "refId": f"{name}-var"}, "definition": query, "refresh": 2,
            "multi": True, "includeAll": True, "allValue": ".*", "current": {"text": ["All"], "value": ["$__all"]},
            "sort": 1, "hide": 0, "options": [], "regex": ""}


def dashboard(uid: str, title: str | T, description: str | T, tags: list[str], variables: list[dict[str, Any]],
              panels: list[dict[str, Any]], *, refresh: str = "30s", time_from: str = "now-6h",
              extra: dict[str, Any] | None = None) -> dict[str, Any]:
    d = {"uid": uid, "title": title, "description": description, "tags": tags, "schemaVersion": 39, "version": 1,
         "editable": True, "graphTooltip": 1, "timezone": "", "refresh": refresh,
         "time": {"from": time_from, "to": "now"}, "timepicker": {}, "fiscalYearStartMonth": 0, "liveNow": False,
         "weekStart": "", "templating": {"list": variables},
         "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                                   "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                                   "name": "Annotations & Alerts", "type": "dashboard"}]},
         "links": [{"title": "tierwatch", "type": "dashboards", "tags": ["tierwatch"], "asDropdown": True,
                    "includeVars": True, "keepTime": True}],
         "panels": panels}
    return merge(d, extra or {})


def render(obj: Any, lang: str) -> Any:
    """Resolve every `T` to ``lang``; give panels ids in order; French dashboards get their own uid."""
    def walk(o: Any) -> Any:
        if isinstance(o, T):
            return o(lang)
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items()}
        if isinstance(o, list):
            return [walk(v) for v in o]
        return o
    out = walk(obj)
    for i, p in enumerate(out.get("panels", []), start=1):
        out["panels"][i - 1] = {"id": i, **p}
    if lang != "en":
        out["uid"] = f"{out['uid']}-{lang}"
    out["tags"] = [*out["tags"], lang]               # the dashboards' links list one language's set
    for link in out.get("links", []):
        link["tags"] = [*link["tags"], lang]
    return out
