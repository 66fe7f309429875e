"""A fake SNMP client over an in-memory OID map, with the same get/walk API as `SnmpClient`.

Built from snmprec text (`OID|TAG|VALUE`, the format snmpsim serves), it answers GETs and
subtree walks from the map and records every OID it was asked for, so tests of profiles can
assert what was requested as well as what came out. Failures are injected per OID prefix.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from agent.snmp import types as t
from agent.snmp.errors import SnmpError
from agent.snmp.types import Endpoint, Varbind

# snmprec tag → value kind (tags as snmpsim and RFC 1155/2578 BER define them).
TAGS: dict[int, str] = {
    2: t.INTEGER,
    4: t.OCTET_STRING,
    5: t.NULL,
    6: t.OBJECT_IDENTIFIER,
    64: t.IP_ADDRESS,
    65: t.COUNTER32,
    66: t.GAUGE32,
    67: t.TIMETICKS,
    68: t.OPAQUE,
    70: t.COUNTER64,
}


def oid_key(oid: str) -> tuple[int, ...]:
    """Sort key of a dotted OID: numeric, arc by arc (so 1.10 comes after 1.9)."""
    return tuple(int(arc) for arc in oid.strip(".").split(".") if arc)


def _in_subtree(oid: str, root: str) -> bool:
    return oid == root or oid.startswith(root + ".")


def parse_value(tag: str, raw: str) -> tuple[str, int | bytes | str]:
    """Turn one snmprec `TAG|VALUE` pair into (kind, python value)."""
    tag = tag.split(":", 1)[0]  # `2:numeric` style variation modules: keep the base tag
    is_hex = tag.endswith("x")
    num = int(tag.rstrip("xe"))
    if num not in TAGS:
        raise ValueError(f"unknown snmprec type tag {tag!r}")
    kind = TAGS[num]
    data = bytes.fromhex(raw) if is_hex else raw.encode("utf-8", "surrogateescape")
    if kind in t.NUMERIC_KINDS:
        return kind, int(data.decode() or 0)
    if kind in (t.OCTET_STRING, t.OPAQUE):
        return kind, data
    if kind == t.IP_ADDRESS:
        if is_hex:
            return kind, ".".join(str(b) for b in data)
        return kind, data.decode()
    if kind == t.OBJECT_IDENTIFIER:
        return kind, data.decode().strip(".")
    return kind, b""  # Null


def parse_snmprec(text: str) -> dict[str, Varbind]:
    """Parse snmprec text into {oid: Varbind}. Blank lines and `#` comments are skipped."""
    out: dict[str, Varbind] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.rstrip("\r\n").split("|", 2)
        if len(parts) != 3:
            raise ValueError(f"line {lineno}: expected OID|TYPE|VALUE, got {line!r}")
        oid, tag, raw = parts
        oid = oid.strip().strip(".")
        try:
            kind, value = parse_value(tag.strip(), raw)
        except ValueError as exc:
            raise ValueError(f"line {lineno}: {exc}") from None
        out[oid] = Varbind(oid, kind, value)
    return out


class FakeSnmpClient:
    """Answers `get`, `get_next` and `walk` from an OID map; records requested OIDs in `requested`.

    `requested` gets every OID passed to `get`/`get_next` and every root passed to `walk`, in call
    order; `calls` gets `("get", [oids])` / `("get_next", [oids])` / `("walk", oid)` /
    `("walk_columns", [oids])` tuples. `fail`
    maps an OID prefix to an exception instance raised when a request touches that subtree (e.g.
    `SnmpTimeout()`), and `fail_all` (if set) is raised by every call, as an unreachable device would.
    """

    def __init__(self, varbinds: Mapping[str, Varbind] | Iterable[Varbind] = ()) -> None:
        items = varbinds.values() if isinstance(varbinds, Mapping) else varbinds
        self._map: dict[str, Varbind] = {vb.oid: vb for vb in items}
        self._keys = sorted(self._map, key=oid_key)
        self._sort_keys = [oid_key(o) for o in self._keys]
        self.requested: list[str] = []
        self.calls: list[tuple[str, object]] = []
        self.fail: dict[str, SnmpError] = {}
        self.fail_all: SnmpError | None = None
        self.closed = False

    @classmethod
    def from_snmprec(cls, path_or_text: str | Path) -> FakeSnmpClient:
        """Build from a .snmprec file path or from snmprec text itself."""
        if isinstance(path_or_text, Path) or ("|" not in path_or_text and Path(path_or_text).is_file()):
            text = Path(path_or_text).read_text(encoding="utf-8", errors="surrogateescape")
        else:
            text = path_or_text
        return cls(parse_snmprec(text))

    @property
    def oids(self) -> dict[str, Varbind]:
        return dict(self._map)

    def _check_fail(self, oid: str) -> None:
        if self.fail_all is not None:
            raise self.fail_all
        for prefix, exc in self.fail.items():
            if _in_subtree(oid, prefix.strip(".")):
                raise exc

    async def get(self, ep: Endpoint | None, oids: Sequence[str]) -> dict[str, Varbind]:
        clean = [o.strip(".") for o in oids]
        self.requested.extend(clean)
        self.calls.append(("get", list(clean)))
        for oid in clean:
            self._check_fail(oid)
        return {oid: self._map[oid] for oid in clean if oid in self._map}

    async def get_next(self, ep: Endpoint | None, oids: Sequence[str]) -> dict[str, Varbind]:
        clean = [o.strip(".") for o in oids]
        self.requested.extend(clean)
        self.calls.append(("get_next", list(clean)))
        out: dict[str, Varbind] = {}
        for oid in clean:
            self._check_fail(oid)
            at = bisect.bisect_right(self._sort_keys, oid_key(oid))
            if at < len(self._keys):
                out[oid] = self._map[self._keys[at]]
        return out

    async def walk(self, ep: Endpoint | None, oid: str, max_repetitions: int = 25) -> list[Varbind]:
        root = oid.strip(".")
        self.requested.append(root)
        self.calls.append(("walk", root))
        self._check_fail(root)
        start = bisect.bisect_right(self._sort_keys, oid_key(root))
        out: list[Varbind] = []
        for key in self._keys[start:]:
            if not key.startswith(root + "."):
                break
            out.append(self._map[key])
        return out

    async def walk_columns(self, ep: Endpoint | None, columns: Sequence[str], max_repetitions: int = 25,
                           ) -> dict[str, list[Varbind]]:
        """Column → its varbinds, as `walk` of each (recorded as one `walk_columns` call and a
        `walk` per column)."""
        roots = list(dict.fromkeys(c.strip(".") for c in columns))
        self.calls.append(("walk_columns", roots))
        return {root: await self.walk(ep, root, max_repetitions) for root in roots}

    async def close(self) -> None:
        self.closed = True
