"""Reasons as the NOC reads them: the engine's and the agents' reason texts said in French.

Reasons are written once, in English, where they arise (an agent's poll, a profile's health rule,
a group's members, the topology) and are stored and exported as they are: they are data, and a
log line or an API answer must not change with the reader's language. The pages and reports say
them in the reader's language by rewriting the phrases those producers use (a small closed
grammar, listed below with where each phrase comes from). Anything else (a device's own text,
an exception message, a maintenance reason an operator typed) stays as written.

Cost: one pass of a handful of compiled patterns per reason shown, on a page that shows tens.
"""

from __future__ import annotations

import re

STATE_FR = {"down": "en panne", "degraded": "dégradé", "unknown": "inconnu", "maintenance": "en maintenance",
            "ok": "nominal"}

# (pattern, French): applied in order, each to the whole text
PHRASES_FR: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), r) for p, r in (
    # agent/sources/snmp.py, agent/snmp/transport.py
    (r"\bSNMP timeout\b", "délai SNMP dépassé"),
    (r"\bno answer after (\d+) tries of ([\d.]+) s\b", r"aucune réponse après \1 essais de \2 s"),
    (r"\bno complete answer within ([\d.]+) s\b", r"pas de réponse complète en \1 s"),
    (r"\bcannot resolve address\b", "adresse introuvable"),
    (r"\bauthentication error\b", "erreur d'authentification"),
    (r"\binternal error\b", "erreur interne"),
    # agent/scheduler.py
    (r"\bpoll exceeded its ([\d.]+)s deadline\b", r"interrogation au-delà de son délai de \1 s"),
    # agent/profiles/evaluate.py (health rules)
    (r"(=\S+) above (\S+)", r"\1 au-dessus de \2"),
    (r"(=\S+) below (\S+)", r"\1 en dessous de \2"),
    # collector/availability (staleness, restart)
    (r"\bno outcome for ([\d.]+) s\b", r"aucun résultat depuis \1 s"),
    (r"\bcollector stopped\b", "collecteur arrêté"),
    # collector/topology/evaluate.py (dual cord)
    (r" and (\S+) both on feed (\S+)", r" et \1 toutes deux sur la voie \2"),
    # collector/availability/engine.py: "member: state" in a group's reason
    (r"(?<=: )(down|degraded|unknown|maintenance)(?=$|[,;)])",
     lambda m: STATE_FR[m.group(1)]),  # type: ignore[list-item]
))


def say(reason: str, lang: str) -> str:
    """``reason`` in ``lang`` (English reasons are returned as they are)."""
    if lang != "fr" or not reason:
        return reason
    for pattern, french in PHRASES_FR:
        reason = pattern.sub(french, reason)
    # French puts a space before the colon of "a: b" (a no-break one, so it never starts a line)
    return re.sub(r"(?<=\S): ", "\u00a0: ", reason)
