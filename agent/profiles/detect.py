"""Choosing profiles for a target: by sysObjectID prefix (longest wins) and by probing OIDs.

Probing is a GET of every `exists` OID (with sysObjectID and sysUpTime) and one GETNEXT of
every `exists_under` OID: a table column whose index is not known in advance is present when
the object after the column OID lies below it (`populated`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from agent.profiles.model import Profile
from agent.snmp.types import Varbind

SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"  # SNMPv2-MIB sysObjectID.0
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"  # SNMPv2-MIB sysUpTime.0


def _matches(oid: str, prefix: str) -> bool:
    return oid == prefix or oid.startswith(prefix + ".")


def probe_oids(profiles: Iterable[Profile]) -> list[str]:
    """Every OID some profile's `detect.exists` needs, once each, in a stable order."""
    seen: dict[str, None] = {}
    for p in profiles:
        if p.detect:
            for oid in p.detect.exists:
                seen.setdefault(oid, None)
    return list(seen)


def probe_subtrees(profiles: Iterable[Profile]) -> list[str]:
    """Every OID some profile's `detect.exists_under` needs, once each, in a stable order."""
    seen: dict[str, None] = {}
    for p in profiles:
        if p.detect:
            for oid in p.detect.exists_under:
                seen.setdefault(oid, None)
    return list(seen)


def populated(subtrees: Iterable[str], next_answers: Mapping[str, Varbind]) -> set[str]:
    """The subtrees with at least one instance, from a GETNEXT of each (requested OID → answer)."""
    return {root for root in subtrees
            if (vb := next_answers.get(root)) is not None and _matches(vb.oid, root) and vb.oid != root}


def prefix_winner(profiles: Iterable[Profile], sys_object_id: str | None) -> Profile | None:
    """The profile whose sysObjectID prefix is the longest match, if any."""
    if not sys_object_id:
        return None
    oid = sys_object_id.strip(".")
    best: tuple[int, str] | None = None
    winner = None
    for p in profiles:
        for prefix in p.detect.sys_object_id if p.detect else []:
            if _matches(oid, prefix):
                rank = (len(prefix.split(".")), p.name)
                if best is None or rank[0] > best[0] or (rank[0] == best[0] and rank[1] < best[1]):
                    best, winner = rank, p
    return winner


def detect(profiles: Iterable[Profile], sys_object_id: str | None, present: Collection[str],
           subtrees: Collection[str] = ()) -> list[Profile]:
    """Profiles for a target, sorted by name: the longest-prefix winner, plus every profile
    whose `exists` OIDs all answered (`present`) and whose `exists_under` subtrees all have
    an instance (`subtrees`, see `populated`)."""
    pool = list(profiles)
    chosen: dict[str, Profile] = {}
    winner = prefix_winner(pool, sys_object_id)
    if winner is not None:
        chosen[winner.name] = winner
    for p in pool:
        if (p.detect and p.detect.probes and all(o in present for o in p.detect.exists)
                and all(o in subtrees for o in p.detect.exists_under)):
            chosen[p.name] = p
    return [chosen[n] for n in sorted(chosen)]
