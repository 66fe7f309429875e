"""Redundancy groups: how members' states make a group's state, and what maintenance would break.

A member counts as *up* when it is up (ok or degraded) and not under declared maintenance:
equipment being worked on is not relied upon. Redundancy is counted from members that are up: a
target whose health is degraded (a PDU reporting nearOverload, a UPS on battery) still carries its
load, so it counts as a full member; its health is the group's *warning*, not lost redundancy.
A member *group* that is degraded has lost redundancy below, and so has its parent. A group is

- ok: every member up and, for member groups, ok (full redundancy, all the way down),
- degraded: enough members up (``need``) but not all of them, or some unknown,
- unknown: not enough members known up, but it could be with the unknown ones,
- down: not enough members up even if every unknown one were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from collector.availability.settings import GroupSpec, members_first
from collector.availability.vocabulary import DEGRADED, DOWN, MAINTENANCE, OK, UNKNOWN, UP_STATES, state_name


def as_member(state: int, in_maintenance: bool, group: bool = True) -> int:
    """What a parent sees of a member: DOWN while it is under maintenance; a target's degraded
    health is OK (it is up and carries its load: a warning, not lost redundancy); a group's state
    as it is (a degraded member group has lost redundancy)."""
    if in_maintenance:
        return DOWN
    if not group and state == DEGRADED:
        return OK
    return state


def evaluate(need: int, values: Iterable[int]) -> int:
    """Group state from its members' values (as_member results)."""
    up = full = known_down = total = 0
    for v in values:
        total += 1
        if v == OK:
            up += 1
            full += 1
        elif v == DEGRADED:
            up += 1
        elif v == DOWN:
            known_down += 1
    if up >= need:
        return OK if full == total else DEGRADED
    if total - known_down >= need:
        return UNKNOWN
    return DOWN


@dataclass(frozen=True, slots=True)
class Conflict:
    group: str
    reason: str


class GroupGraph:
    """Groups with their members, parents and a members-first order."""

    def __init__(self, specs: dict[str, GroupSpec]) -> None:
        self.specs = dict(specs)
        self.parents: dict[str, list[str]] = {}
        for name, spec in specs.items():
            for member in spec.members:
                self.parents.setdefault(member, []).append(name)
        self.order = members_first({name: spec.members for name, spec in specs.items()})
        self._rank = {name: i for i, name in enumerate(self.order)}
        self._ancestors: dict[str, tuple[str, ...]] = {}

    def is_group(self, name: str) -> bool:
        return name in self.specs

    def ancestors(self, name: str) -> tuple[str, ...]:
        """Every group that contains ``name`` directly or not, members first."""
        found = self._ancestors.get(name)
        if found is None:
            out: set[str] = set()
            todo = list(self.parents.get(name, ()))
            while todo:
                g = todo.pop()
                if g not in out:
                    out.add(g)
                    todo.extend(self.parents.get(g, ()))
            found = tuple(sorted(out, key=self._rank.__getitem__))
            self._ancestors[name] = found
        return found

    def leaves(self, name: str) -> set[str]:
        """Non-group names under ``name`` (itself if it is not a group)."""
        if name not in self.specs:
            return {name}
        out: set[str] = set()
        for member in self.specs[name].members:
            out |= self.leaves(member)
        return out

    def hypothetical(self, unavailable: set[str],
                     current: Callable[[str], tuple[int, bool]]) -> Callable[[str], int]:
        """What any name would be, as a member, with every name in ``unavailable`` out of service."""
        memo: dict[str, int] = {}

        def value(name: str) -> int:
            if name in unavailable:
                return DOWN
            if name not in self.specs:
                state, named = current(name)
                return as_member(state, named, group=False)
            if name not in memo:
                spec = self.specs[name]
                memo[name] = evaluate(spec.need, (value(m) for m in spec.members))
            return memo[name]

        return value

    def conflicts(self, names: Iterable[str], unavailable: set[str],
                  current: Callable[[str], tuple[int, bool]]) -> list[Conflict]:
        """Groups now up that would not be up with every name in ``unavailable`` out of service.

        ``current(name)`` gives a service's (state, named in maintenance); unknown names are
        (UNKNOWN, False).
        """
        affected: dict[str, None] = {}
        for name in names:
            for g in self.ancestors(name):
                affected[g] = None
        hypothetical = self.hypothetical(unavailable, current)

        out: list[Conflict] = []
        for g in sorted(affected, key=self._rank.__getitem__):
            state, named = current(g)
            if as_member(state, named) not in UP_STATES:
                continue          # already not up: work on it does not make it worse
            spec = self.specs[g]
            after = evaluate(spec.need, (hypothetical(m) for m in spec.members))
            if after in UP_STATES:
                continue
            details = []
            for m in spec.members:
                v = hypothetical(m)
                if v in UP_STATES:
                    continue
                why = MAINTENANCE if m in unavailable else state_name(v)
                details.append(f"{m}: {why}")
            up = sum(1 for m in spec.members if hypothetical(m) in UP_STATES)
            out.append(Conflict(g, f"group '{g}' ({spec.describe()}) would be {state_name(after)}: "
                                   f"it needs {spec.need} member(s) up and would have {up} "
                                   f"({', '.join(details)})"))
        return out
