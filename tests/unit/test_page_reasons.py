"""Reasons from the agents, the profiles' health rules, the engine and the topology, said in French."""

from __future__ import annotations

import pytest

from collector.pages.i18n import Words
from collector.pages.reasons import say

NB = "\u00a0"


@pytest.mark.parametrize(("english", "french"), [
    # agent/sources/snmp.py + agent/snmp/transport.py
    ("SNMP timeout: 127.0.0.1:11161: no answer after 2 tries of 2 s",
     f"délai SNMP dépassé{NB}: 127.0.0.1:11161{NB}: aucune réponse après 2 essais de 2 s"),
    ("no complete answer within 2.5 s", "pas de réponse complète en 2.5 s"),
    ("authentication error (wrongDigest): report usmStatsWrongDigests",
     f"erreur d'authentification (wrongDigest){NB}: report usmStatsWrongDigests"),
    # agent/scheduler.py
    ("poll exceeded its 10s deadline", "interrogation au-delà de son délai de 10 s"),
    # profile health rules
    ("ups_output_source_state=battery; ups_alarms_present=1 above 0",
     "ups_output_source_state=battery; ups_alarms_present=1 au-dessus de 0"),
    ("ups_battery_runtime_remaining_seconds=300 below 600",
     "ups_battery_runtime_remaining_seconds=300 en dessous de 600"),
    # the availability engine: a group's lacking members, staleness, restart
    ("pdu-a02-a: down", f"pdu-a02-a{NB}: en panne"),
    ("hall-1-power: degraded, crac-2: maintenance", f"hall-1-power{NB}: dégradé, crac-2{NB}: en maintenance"),
    ("rack-a01-power: unknown", f"rack-a01-power{NB}: inconnu"),
    ("no outcome for 45 s", "aucun résultat depuis 45 s"),
    ("collector stopped", "collecteur arrêté"),
    # topology dual cord
    ("PSU1 and PSU2 both on feed B", "PSU1 et PSU2 toutes deux sur la voie B"),
])
def test_a_reason_the_system_writes_reads_in_french_and_stays_as_written_in_english(english, french):
    assert say(english, "fr") == french
    assert say(english, "en") == english
    assert Words("fr").reason(english) == french


def test_words_that_are_not_the_systems_own_are_left_alone():
    # a device's own text and member names that contain a state word are not translated
    assert say("Input voltage out of range", "fr") == "Input voltage out of range"
    assert say("down-link-1: ok", "fr") == f"down-link-1{NB}: ok"
    assert say("", "fr") == ""
