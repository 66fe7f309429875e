"""Words and number formats of the NOC's pages and reports, in French and English.

French typography on pages and reports (never in metric values): decimal comma, a narrow
no-break space before ``%`` and between thousands, ``7 min 47 s``, dates ``01/12/2026 19:20``.
The language comes from ``?lang=``, then a ``tierwatch_lang`` cookie, then ``Accept-Language``.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from collector.pages.reasons import say

LANGS = ("fr", "en")
DEFAULT_LANG = "fr"
NNBSP = "\u202f"            # narrow no-break space (French thousands and before %)

TEXT: dict[str, tuple[str, str]] = {   # key → (fr, en)
    "site_status": ("État du site", "Site status"),
    "updated": ("Mis à jour", "Updated"),
    "refresh_note": ("Actualisation automatique toutes les {s} s", "Refreshes itself every {s} s"),
    "all_ok": ("Tous les services sont opérationnels", "All services are operational"),
    "some_down": ("{n} service(s) en panne", "{n} service(s) down"),
    "some_degraded": ("{n} groupe(s) en redondance dégradée", "{n} group(s) with degraded redundancy"),
    "services": ("Services", "Services"),
    "groups": ("Groupes de redondance", "Redundancy groups"),
    "targets": ("Équipements", "Devices"),
    "service": ("Service", "Service"),
    "state": ("État", "State"),
    "availability": ("Disponibilité", "Availability"),
    "budget_left": ("Budget restant", "Budget left"),
    "slo": ("Objectif", "Objective"),
    "reason": ("Motif", "Reason"),
    "since": ("Depuis", "Since"),
    "degraded_groups": ("Groupes dégradés et pourquoi", "Degraded groups and why"),
    "warnings": ("Avertissements (redondance conservée)", "Warnings (redundancy kept)"),
    "maintenance_active": ("Maintenances en cours", "Maintenance in progress"),
    "maintenance_scheduled": ("Maintenances planifiées", "Scheduled maintenance"),
    "devices_down": ("Équipements en panne ou injoignables", "Devices down or unreachable"),
    "capacity": ("Alertes de capacité", "Capacity warnings"),
    "state_not_written": ("Le collecteur n'écrit plus son état sur disque ({stores})\u00a0: ce qui n'est pas "
                          "encore écrit est servi depuis la mémoire et sera perdu s'il redémarre avant que la "
                          "place revienne. Libérer de la place sur son disque (guide\u00a0: "
                          "TierwatchCollectorStateDegraded).",
                          "The collector is not writing its state to disk ({stores}): what is not written yet "
                          "is served from memory and is lost if it restarts before space returns. Free space "
                          "on its disk (runbook: TierwatchCollectorStateDegraded)."),
    "audit": ("Journal des maintenances", "Maintenance log"),
    "none": ("Aucun", "None"),
    "author": ("Auteur", "By"),
    "start": ("Début", "Start"),
    "end": ("Fin", "End"),
    "until_ended": ("jusqu'à clôture", "until ended"),
    "forced": ("forcée", "forced"),
    "who": ("Qui", "Who"),
    "when": ("Quand", "When"),
    "what": ("Quoi", "What"),
    "why": ("Pourquoi", "Why"),
    "window": ("Fenêtre", "Window"),
    "no_data": ("pas de données", "no data"),
    "overspent": ("dépassé de {d}", "overspent by {d}"),
    "language": ("Langue", "Language"),
    "colon": ("\u00a0:", ":"),            # French: a no-break space before the colon
    "members": ("Membres", "Members"),
    "rule": ("Règle", "Rule"),
    # states
    "state.ok": ("nominal", "ok"),                 # a group at full redundancy
    "state.ok.target": ("opérationnel", "up"),     # a device that answers and is healthy
    "state.degraded": ("dégradé", "degraded"),
    "state.down": ("en panne", "down"),
    "state.unknown": ("inconnu", "unknown"),
    "state.maintenance": ("en maintenance", "maintenance"),
    # audit actions
    "action.declared": ("déclarée", "declared"),
    "action.ended": ("clôturée", "ended"),
    "action.deleted": ("supprimée", "deleted"),
    # reports
    "report_title": ("Rapport de disponibilité", "Availability report"),
    "period": ("Période", "Period"),
    "generated": ("Établi le", "Generated"),
    "summary": ("Synthèse", "Summary"),
    "downtime_unplanned": ("Indisponibilité non planifiée", "Unplanned downtime"),
    "downtime_planned": ("Indisponibilité planifiée", "Planned downtime"),
    "unknown_time": ("Temps inconnu (couverture)", "Unknown time (coverage)"),
    "coverage": ("Couverture", "Coverage"),
    "budget_allowed": ("Budget autorisé", "Budget allowed"),
    "budget_burned": ("Budget consommé", "Budget burned"),
    "incidents": ("Incidents", "Incidents"),
    "duration": ("Durée", "Duration"),
    "kind": ("Type", "Kind"),
    "planned": ("planifié", "planned"),
    "unplanned": ("non planifié", "unplanned"),
    "met": ("objectif tenu", "objective met"),
    "missed": ("objectif manqué", "objective missed"),
    "timeline": ("Chronologie des états", "State timeline"),
    "burndown": ("Consommation du budget d'erreur", "Error budget burn-down"),
    "maintenance_windows": ("Fenêtres de maintenance", "Maintenance windows"),
    "no_incident": ("Aucun incident sur la période", "No incident in the period"),
    "kind.group": ("groupe", "group"),
    "kind.target": ("équipement", "device"),
    "remaining": ("restant", "remaining"),
    "window.month": ("mois en cours", "this month"),
    "window.year": ("année en cours", "this year"),
}


def pick_lang(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The page's language: explicit choice, then remembered choice, then the browser's preference."""
    for choice in (query, cookie):
        if choice in LANGS:
            return choice
    best, best_q = None, -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        q = 1.0
        for p in params.split(";"):
            key, _, val = p.strip().partition("=")
            if key == "q":
                try:
                    q = float(val)
                except ValueError:
                    q = 0.0
        if primary in LANGS and q > best_q:
            best, best_q = primary, q
    return best or DEFAULT_LANG


class Words:
    """Translations and number/duration/date formats for one language."""

    def __init__(self, lang: str, zone: ZoneInfo | None = None) -> None:
        self.lang = lang if lang in LANGS else DEFAULT_LANG
        self._i = 0 if self.lang == "fr" else 1
        self.zone = zone or ZoneInfo("UTC")

    def __call__(self, key: str, **values: object) -> str:
        pair = TEXT.get(key)
        text = key if pair is None else pair[self._i]
        return text.format(**values) if values else text

    def reason(self, text: str) -> str:
        """A reason from the engine or an agent, said in this language (see pages/reasons.py)."""
        return say(text, self.lang)

    def window(self, name: str) -> str:
        """A window's name as people say it: ``30d`` → ``30 j`` / ``30 d``, ``month`` → ``mois``."""
        if f"window.{name}" in TEXT:
            return self(f"window.{name}")
        m = re.fullmatch(r"(\d+)([hdw])", name)
        if m:
            unit = {"h": ("h", "h"), "d": ("j", "d"), "w": ("sem.", "wk")}[m.group(2)][self._i]
            return f"{m.group(1)}\u00a0{unit}"
        return name

    def state(self, name: str, kind: str = "group") -> str:
        """A state's word; ``ok`` reads "nominal" for a group and "opérationnel" (up) for a device."""
        key = f"state.{name}.{kind}"
        return self(key) if key in TEXT else self(f"state.{name}")

    def number(self, value: float, decimals: int) -> str:
        text = f"{value:,.{decimals}f}"
        if self.lang == "fr":
            text = text.replace(",", NNBSP).replace(".", ",")
        return text

    def percent(self, ratio: float | None, decimals: int = 3) -> str:
        if ratio is None or (isinstance(ratio, float) and math.isnan(ratio)):
            return self("no_data")
        sep = NNBSP if self.lang == "fr" else ""
        return f"{self.number(ratio * 100, decimals)}{sep}%"

    def duration(self, seconds: float) -> str:
        """``1 h 35 min``, ``7 min 47 s``, ``12 s``, ``3 j 4 h`` (days: ``j`` in French, ``d`` in English)."""
        sign = "-" if seconds < 0 else ""
        s = int(round(abs(seconds)))
        days, rest = divmod(s, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, secs = divmod(rest, 60)
        day = "j" if self.lang == "fr" else "d"
        if days:
            parts = [f"{days} {day}", f"{hours} h"] if hours else [f"{days} {day}"]
        elif hours:
            parts = [f"{hours} h", f"{minutes} min"] if minutes else [f"{hours} h"]
        elif minutes:
            parts = [f"{minutes} min", f"{secs} s"] if secs else [f"{minutes} min"]
        else:
            parts = [f"{secs} s"]
        return sign + " ".join(parts)

    def when(self, t: float | None) -> str:
        if t is None:
            return "—"
        d = datetime.fromtimestamp(t, self.zone)
        return d.strftime("%d/%m/%Y %H:%M:%S") if self.lang == "fr" else d.strftime("%Y-%m-%d %H:%M:%S")
