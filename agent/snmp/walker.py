"""Walking many subtrees (table columns) in one GETBULK walk, for the fast backend.

Each request carries every column that has not reached its end yet; the answer holds rows of
one varbind per column, the last row possibly cut short where the agent truncated its answer.
A column ends at the first OID outside its subtree or at endOfMibView; each column's OIDs
must increase. The number of rows asked for shrinks so that columns × rows fits the agent's
message size, halves on tooBig/genErr, and at one row the columns are split into halves.
SNMPv1 has no GETBULK: one GETNEXT of all columns per row, and noSuchName ends a column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from agent.snmp import ber
from agent.snmp import messages
from agent.snmp import errors as e
from agent.snmp import types as t
from agent.snmp.types import Endpoint, Varbind


class Requester(Protocol):
    """What a walk needs from a client: one PDU exchange, the agent's message size, counters."""

    varbinds: int
    backoffs: int

    async def request(self, ep: Endpoint, tag: int, bodies: Sequence[bytes], a: int = 0, b: int = 0
                      ) -> messages.Pdu: ...

    def peer_max_size(self, ep: Endpoint) -> int: ...


MAX_COLUMNS_PER_PDU = 48  # columns in one request: the request stays far below 1472 octets
VARBIND_OCTETS = 40  # what one table varbind is assumed to take when sizing a GETBULK answer
_KIND = ber.KIND_OF_TAG
_ABSENT = ber.EXCEPTIONS
_END = ber.END_OF_MIB_VIEW
_NULL = ber.NULL
_OPAQUE = t.OPAQUE
_text = ber.oid_text
_arcs = ber.oid_arcs
oid_body = ber.cached_oid_body


def to_varbind(body: bytes, tag: int, value: int | bytes | str | None) -> Varbind | None:
    """A decoded varbind as a `Varbind`; None for noSuchObject/noSuchInstance/endOfMibView."""
    if tag in _ABSENT:
        return None
    if tag == _NULL:
        return Varbind(cached_text(body), t.NULL, b"")
    return Varbind(cached_text(body), _KIND.get(tag, _OPAQUE), value)  # type: ignore[arg-type]


class _Memo(dict):
    """fn(key) per key, computed once (bounded: cleared when full); a hit is one dict lookup."""

    def __init__(self, fn: Callable[[bytes], object], size: int = 200_000) -> None:
        super().__init__()
        self.fn, self.size = fn, size

    def __missing__(self, key: bytes) -> object:
        if len(self) >= self.size:
            self.clear()
        value = self[key] = self.fn(key)
        return value


# OID body → dotted text, → arcs: polls meet the same OIDs every time.
_TEXT: dict[bytes, str] = _Memo(_text)  # type: ignore[assignment]
_ARCS: dict[bytes, tuple[int, ...]] = _Memo(_arcs)  # type: ignore[assignment]
_new_varbind = tuple.__new__


def cached_text(body: bytes) -> str:
    return _TEXT[body]


def increases(new: bytes, last: bytes) -> bool:
    """Whether OID body `new` comes after `last`. Where every arc takes one octet (the usual
    case) octet order is OID order; otherwise the arcs are compared."""
    if new.isascii() and last.isascii():
        return new > last
    return _ARCS[new] > _ARCS[last]


class _Column:
    __slots__ = ("root", "body", "cut", "last", "out", "done")

    def __init__(self, root: str) -> None:
        self.root = root
        self.body = oid_body(root)
        self.cut = len(self.body)
        self.last = self.body
        self.out: list[Varbind] = []
        self.done = False


class ColumnWalk:
    """One walk of many columns. `seen` maps a column to the rows it had last time (this walk
    updates it): a walk then asks for no more rows than the columns are expected to have, plus
    one to see their end, instead of rows past the end of short tables."""

    def __init__(self, client: Requester, ep: Endpoint, roots: Sequence[str], max_repetitions: int,
                 seen: dict[str, int] | None = None) -> None:
        self.client = client
        self.ep = ep
        self.columns = {r: _Column(r) for r in roots}
        self.reps = max_repetitions
        self.width = MAX_COLUMNS_PER_PDU
        self.seen = {} if seen is None else seen

    async def run(self) -> dict[str, list[Varbind]]:
        active = list(self.columns.values())
        while active:
            group = active[: self.width]
            if self.ep.version == "1":
                await self._next_row(group)
            else:
                await self._bulk(group)
            active = [c for c in active if not c.done]
        for root, c in self.columns.items():
            self.seen[root] = len(c.out)
        return {root: c.out for root, c in self.columns.items()}

    def _rows(self, group: list[_Column]) -> int:
        """Rows to ask for: what fits the agent's message size, at most `reps`, and no more than
        the columns had left last time, plus one."""
        fit = (self.client.peer_max_size(self.ep) - 200) // (VARBIND_OCTETS * len(group))
        rows = min(self.reps, fit)
        seen = self.seen
        if all(c.root in seen for c in group):
            rows = min(rows, max(seen[c.root] - len(c.out) for c in group) + 1)
        return max(1, rows)

    async def _bulk(self, group: list[_Column]) -> None:
        n = len(group)
        rows = self._rows(group)
        pdu = await self.client.request(self.ep, ber.GET_BULK, [c.last for c in group], 0, rows)
        if pdu.error_status:
            # tooBig, or genErr from agents (net-snmp among them) that fail to cut a GETBULK
            # answer to the manager's msgMaxSize: fewer rows, then fewer columns.
            if pdu.error_status in (e.TOO_BIG, e.GEN_ERR) and (rows > 1 or n > 1):
                self.client.backoffs += 1
                if rows > 1:
                    self.reps = max(1, rows // 2)
                else:
                    self.width = max(1, n // 2)
                return
            raise e.status_error(pdu.error_status, pdu.error_index)
        vbs = pdu.varbinds
        if not vbs:
            for c in group:
                c.done = True
            return
        self.client.varbinds += len(vbs)
        i = 0
        for body, tag, value in vbs:
            c = group[i % n]
            i += 1
            if not c.done:
                self._take(c, body, tag, value)

    async def _next_row(self, group: list[_Column]) -> None:
        """SNMPv1: GETNEXT of every column; noSuchName ends the column it names."""
        pdu = await self.client.request(self.ep, ber.GET_NEXT, [c.last for c in group])
        if pdu.error_status:
            idx = pdu.error_index
            if pdu.error_status == e.NO_SUCH_NAME and 1 <= idx <= len(group):
                group[idx - 1].done = True
                return
            if pdu.error_status == e.TOO_BIG and len(group) > 1:
                self.client.backoffs += 1
                self.width = max(1, len(group) // 2)
                return
            raise e.status_error(pdu.error_status, idx)
        if len(pdu.varbinds) != len(group):
            raise e.SnmpError(f"{self.ep!r}: asked for {len(group)} OIDs, the answer has {len(pdu.varbinds)}")
        self.client.varbinds += len(pdu.varbinds)
        for c, (body, tag, value) in zip(group, pdu.varbinds):
            self._take(c, body, tag, value)

    def _take(self, c: _Column, body: bytes, tag: int, value: int | bytes | str | None) -> None:
        if tag == _END or len(body) <= c.cut or not body.startswith(c.body):
            c.done = True
            return
        if not increases(body, c.last):
            raise e.SnmpError(f"{self.ep!r}: agent returned OIDs out of order under {c.root}")
        c.last = body
        if tag in _ABSENT:
            return
        if tag == _NULL:
            c.out.append(Varbind(_TEXT[body], t.NULL, b""))
        else:
            c.out.append(_new_varbind(Varbind, (_TEXT[body], _KIND.get(tag, _OPAQUE), value)))
