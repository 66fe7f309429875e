"""What a notification means: the `traps:` sections of the loaded profiles, by trap OID, and
the generic SNMPv2-MIB / IF-MIB notifications every SNMP agent may send.

`describe` fills a notification's name, severity, meaning, the state it announces and the
labels its varbinds name (outlet, phase, sensor...). A trap OID no profile declares keeps its
OID and is counted under the trap name `other`, so label cardinality stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from agent.profiles.model import Profile, TrapDef, TrapLabel, TrapState
from agent.traps.notification import Notification, printable

OTHER = "other"


@dataclass(frozen=True, slots=True)
class Meaning:
    profile: str
    trap: TrapDef


def _builtin() -> list[TrapDef]:
    def v2(name: str, oid: str, severity: str, text: str, labels: list[TrapLabel] | None = None) -> TrapDef:
        return TrapDef(name=name, oid=oid, severity=severity, description=text, labels=labels or [])

    if_index = [TrapLabel(label="interface", oid="1.3.6.1.2.1.2.2.1.1", **{"from": "value"})]  # ifIndex
    return [
        v2("coldStart", "1.3.6.1.6.3.1.1.5.1", "warning",  # SNMPv2-MIB::coldStart
           "the agent restarted and its configuration may have changed"),
        v2("warmStart", "1.3.6.1.6.3.1.1.5.2", "info",  # SNMPv2-MIB::warmStart
           "the agent reinitialised itself without changing its configuration"),
        v2("linkDown", "1.3.6.1.6.3.1.1.5.3", "major",  # IF-MIB::linkDown
           "a communication link left the up state", if_index),
        v2("linkUp", "1.3.6.1.6.3.1.1.5.4", "cleared",  # IF-MIB::linkUp
           "a communication link came up", if_index),
        v2("authenticationFailure", "1.3.6.1.6.3.1.1.5.5", "warning",  # SNMPv2-MIB::authenticationFailure
           "the agent received a message that was not properly authenticated"),
    ]


BUILTIN = "snmpv2-mib"


class TrapCatalog:
    def __init__(self, profiles: Iterable[Profile] = ()) -> None:
        self._by_oid: dict[str, Meaning] = {t.trap_oid: Meaning(BUILTIN, t) for t in _builtin()}
        for profile in profiles:
            for trap in profile.traps:
                self._by_oid.setdefault(trap.trap_oid, Meaning(profile.name, trap))

    def __len__(self) -> int:
        return len(self._by_oid)

    def meaning(self, trap_oid: str) -> Meaning | None:
        return self._by_oid.get(trap_oid)

    def describe(self, note: Notification) -> Meaning | None:
        found = self._by_oid.get(note.trap_oid)
        if found is None:
            return None
        trap = found.trap
        note.name, note.severity, note.meaning = trap.name, trap.severity, trap.description
        for spec in trap.labels:
            vb = note.value(spec.oid)
            if vb is None:
                continue
            if spec.source == "index":
                raw = vb.oid[len(spec.oid) + 1:]
            else:
                raw = str(printable(vb.value))
            note.labels[spec.label] = (spec.map or {}).get(raw, raw)
        return found


def announced_state(found: Meaning | None) -> TrapState | None:
    return None if found is None else found.trap.sets
