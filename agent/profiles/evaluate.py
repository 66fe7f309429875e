"""Turning answered varbinds into readings, following a profile; and the health verdict.

`plan` lists what to GET and which columns to walk; the caller fetches them into a
`SnmpData`; `evaluate` then produces `Sample`s (metric, labels, value, source OIDs) and
`judge_health` applies the profiles' health rules to them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from agent.profiles.counters import CounterGuard
from agent.profiles.model import CONVERSIONS, MAX_POWER_OF_TEN, METRIC_PREFIX, Condition, Metric, Profile, Table
from agent.snmp import types as t
from agent.snmp.types import Varbind
from agent.vocabulary import STATE_LABEL
from tierwatch_common.vocabulary import CRITICAL, DEGRADED, OK



class Sample(NamedTuple):  # immutable; a named tuple as polls make thousands (cheaper to build)
    metric: str  # full name, with the tierwatch_ prefix
    labels: tuple[tuple[str, str], ...]
    value: float
    oid: str | tuple[str, ...]  # instance OID, or all OIDs of a derived value


@dataclass
class SnmpData:
    """What a device answered: GET results by instance OID, walked columns by column OID."""

    scalars: dict[str, Varbind] = field(default_factory=dict)
    columns: dict[str, dict[str, Varbind]] = field(default_factory=dict)

    def add_column(self, column: str, varbinds: Iterable[Varbind]) -> None:
        rows = self.columns.setdefault(column, {})
        cut = len(column) + 1
        for vb in varbinds:
            if vb.oid.startswith(column + "."):
                rows[vb.oid[cut:]] = vb

    def instance(self, oid: str) -> Varbind | None:
        return self.scalars.get(oid)

    def cell(self, column: str, suffix: str) -> Varbind | None:
        return self.columns.get(column, {}).get(suffix)

    @property
    def count(self) -> int:
        return len(self.scalars) + sum(len(c) for c in self.columns.values())


def _oids_of(m: Metric) -> Iterator[str]:
    """Every OID one metric reads: its own, its fallbacks, and the columns that scale it."""
    yield m.oid
    yield from m.fallback
    if m.digits and m.digits.oid:
        yield m.digits.oid
    if m.scale_exponent:
        yield m.scale_exponent.oid
    if m.multiply_by:
        yield m.multiply_by
    if m.divide_by:
        yield m.divide_by
    if m.scale_by:
        yield m.scale_by
    if m.enum_from:
        yield m.enum_from.oid


def plan(profiles: Iterable[Profile]) -> tuple[list[str], list[str]]:
    """(instance OIDs to GET, column OIDs to walk) for these profiles, each once."""
    gets: dict[str, None] = {}
    walks: dict[str, None] = {}
    for p in profiles:
        for m in p.scalars:
            gets.update(dict.fromkeys(_oids_of(m)))
        for table in p.tables:
            for m in table.metrics:
                walks.update(dict.fromkeys(_oids_of(m)))
            for lk in table.lookups:
                walks.update(dict.fromkeys((lk.oid, *lk.fallback)))
    return list(gets), list(walks)


def number(vb: Varbind | None, unit: str | None = None) -> float | None:
    """The numeric value of a varbind: integers of any kind, or an OctetString holding a number.
    With `unit`, text must hold a number followed by that unit ('16 A', '16A'), which is stripped;
    text without it is no number (a rating in another unit is never taken as this one)."""
    if vb is None:
        return None
    if vb.kind in t.NUMERIC_KINDS and isinstance(vb.value, int):
        return vb.value
    if vb.kind == t.OCTET_STRING and isinstance(vb.value, bytes):
        try:
            txt = vb.value.decode("ascii").strip()
        except UnicodeDecodeError:
            return None
        if unit is not None:
            if not txt.lower().endswith(unit.lower()):
                return None
            txt = txt[:len(txt) - len(unit)].strip()
        try:
            v = float(txt)
        except ValueError:
            return None
        return v if math.isfinite(v) else None
    return None


def text(vb: Varbind | None) -> str | None:
    if vb is None:
        return None
    if isinstance(vb.value, bytes):
        return vb.value.decode("utf-8", "replace").replace("\x00", "").strip()
    return str(vb.value)


def _parse_index(table: Table, suffix: str) -> tuple[list[str], list[str]] | None:
    """Split an index suffix into (label values, arc groups as dotted text) per index part."""
    index = table.index
    if len(index) == 1 and index[0].type == "int" and suffix.isdigit():  # the common case, fast
        value = str(int(suffix))
        return [index[0].map.get(value, value) if index[0].map else value], [value]
    try:
        arcs = [int(a) for a in suffix.split(".")] if suffix else []
    except ValueError:
        return None
    values: list[str] = []
    groups: list[str] = []
    pos = 0
    for part in table.index:
        if part.type == "int":
            if pos >= len(arcs):
                return None
            chunk = arcs[pos:pos + 1]
            value = str(arcs[pos])
        elif part.type == "string":
            if pos >= len(arcs) or pos + 1 + arcs[pos] > len(arcs):
                return None
            chunk = arcs[pos:pos + 1 + arcs[pos]]
            value = bytes(a & 0xFF for a in chunk[1:]).decode("utf-8", "replace")
        else:  # implied_string
            chunk = arcs[pos:]
            value = bytes(a & 0xFF for a in chunk).decode("utf-8", "replace")
        pos += len(chunk)
        values.append(part.map.get(value, value) if part.map else value)
        groups.append(".".join(str(a) for a in chunk))
    if pos != len(arcs):
        return None
    return values, groups


def _sub_suffix(groups: Sequence[str], parts: Sequence[int] | None) -> str:
    if parts is None and len(groups) == 1:
        return groups[0]
    chosen = groups if parts is None else [groups[i] for i in parts]
    return ".".join([g for g in chosen if g])


# Reads another OID for a metric: (oid, index parts) → (its varbind or None, its instance OID).
_Read = Callable[[str, Sequence[int] | None], tuple[Varbind | None, str]]


def _power_of_ten(m: Metric, read: _Read) -> tuple[int, list[str]] | None:
    """The power of ten this reading is shifted by (scale_exponent − digits) and the OIDs read
    for it; None when the reading must not be exported (a scale not in the map, a wild power)."""
    power = 0
    oids: list[str] = []
    if m.digits:
        digits = m.digits.default
        if m.digits.oid:
            vb, oid = read(m.digits.oid, m.digits.index)
            d = number(vb)
            if d is not None:
                # Negative digits shift nothing: ENTITY-SENSOR-MIB precision -8..-1 counts accurate digits.
                digits = max(0, int(d))
                oids.append(oid)
        power -= digits
    if m.scale_exponent:
        se = m.scale_exponent
        vb, oid = read(se.oid, se.index)
        raw = number(vb)
        if raw is None:
            power += se.default
        else:
            if not float(raw).is_integer():
                return None
            exponent = int(raw) if se.map is None else se.map.get(int(raw))
            if exponent is None:
                return None
            power += exponent
            oids.append(oid)
    if abs(power) > MAX_POWER_OF_TEN:
        return None
    return power, oids


def _finish(m: Metric, raw: float, kind: str, power: int, mult: float | None, key: tuple,
            guard: CounterGuard | None, div: float | None = None) -> float:
    if m.type == "counter" and guard is not None and isinstance(raw, int):
        raw = guard.adjust(key, raw, kind)
    value = _times(raw, m.scale)
    if mult is not None:
        value *= mult
    if div is not None:
        value /= div  # 108 / 10 is 10.8 where 108 * 0.1 is 10.800000000000001
    if power > 0:
        value *= 10**power
    elif power < 0:
        value /= 10**-power  # dividing by an exact integer: 2345 / 100 is 23.45
    value += m.offset
    if m.convert:
        factor, off = CONVERSIONS[m.convert]
        value = _times(value, factor) + off
    return value


def _times(value: float, factor: float) -> float:
    """value x factor, dividing by the inverse when it is whole: 1191 / 10 is 119.1 where
    1191 * 0.1 is 119.10000000000001."""
    if 0 < factor < 1:
        inverse = 1 / factor
        if abs(inverse - round(inverse)) < 1e-9:
            return value / round(inverse)
    return value * factor


_STATE_RE = re.compile(r"\s*([^,()]*?)\s*\(\s*(-?\d+)\s*\)\s*(?:,|$)")


def parse_states(listing: str | None) -> dict[str, str]:
    """`Open(0),Closed(1)` → {"0": "Open", "1": "Closed"}; {} when the text lists no state."""
    if not listing:
        return {}
    return {raw: name for name, raw in _STATE_RE.findall(listing) if name}


def set_bits(vb: Varbind) -> set[int] | None:
    """The bit positions set in a value: an integer counts from its least significant bit (a
    bit-field such as Liebert's lgpPduEntrySysStatus); an OctetString is SNMP BITS, where bit 0
    is the most significant bit of the first octet (RFC 2578)."""
    if vb.kind in t.NUMERIC_KINDS and isinstance(vb.value, int) and vb.value >= 0:
        return {i for i in range(vb.value.bit_length()) if vb.value >> i & 1}
    if vb.kind == t.OCTET_STRING and isinstance(vb.value, bytes):
        return {8 * k + (7 - j) for k, octet in enumerate(vb.value) for j in range(8) if octet >> j & 1}
    return None


def _emit_bits(out: list[Sample], m: Metric, labels: dict[str, str], vb: Varbind) -> None:
    present = set_bits(vb)
    if present is None or m.bits is None:
        return
    for bit, state in m.bits.items():
        pairs = tuple(sorted({**labels, "state": state}.items()))
        out.append(Sample(METRIC_PREFIX + m.name, pairs, 1.0 if int(bit) in present else 0.0, vb.oid))


def _emit(out: list[Sample], m: Metric, labels: dict[str, str], value: float, raw: float,
          oids: str | tuple[str, ...], states: Mapping[str, str] | None = None,
          pairs: tuple[tuple[str, str], ...] | None = None) -> None:
    name = METRIC_PREFIX + m.name
    states = m.enum if states is None else states
    if states is not None:
        current = str(int(raw)) if float(raw).is_integer() else None
        present: dict[str, bool] = {}  # one series per state name, even where two values share it
        for key, state in states.items():
            present[state] = present.get(state, False) or key == current
        for state, on in present.items():
            pairs = tuple(sorted({**labels, STATE_LABEL: state}.items()))
            out.append(Sample(name, pairs, 1.0 if on else 0.0, oids))
        return
    if math.isfinite(value):
        out.append(Sample(name, tuple(sorted(labels.items())) if pairs is None else pairs, value, oids))


def _NO_READ(*_args: object) -> tuple[Varbind | None, str]:  # noqa: N802 - for metrics that read no other cell
    raise AssertionError("this metric reads no other cell")


def _other_cell(data: SnmpData, column: str, groups: Sequence[str],
                parts: Sequence[int] | None) -> tuple[Varbind | None, str]:
    sub = _sub_suffix(groups, parts)
    return data.cell(column, sub), f"{column}.{sub}"


def _reading(m: Metric, vb: Varbind, read: _Read, multiplier: Callable[[str], tuple[Varbind | None, str]],
             labels: dict[str, str], guard: CounterGuard | None, out: list[Sample],
             pairs: tuple[tuple[str, str], ...] | None = None) -> None:
    """One value through the pipeline scalars and table cells share: no-data values, the power of
    ten (scale exponent, decimal digits), the multiplier and divisor columns, unit conversion,
    counter guarding, the states of an enum read from the row, and the bits of a bit-field."""
    if m.bits is not None:
        _emit_bits(out, m, labels, vb)
        return
    raw = number(vb, m.text_unit)
    if raw is None or (float(raw).is_integer() and int(raw) in m.nodata):
        return
    shift = _power_of_ten(m, read)
    if shift is None:
        return
    power, extra = shift
    oids: list[str] = [vb.oid, *extra]
    mult = None
    if m.multiply_by:
        mult_vb, mult_oid = multiplier(m.multiply_by)
        mult = number(mult_vb)
        if mult is None:
            return
        oids.append(mult_oid)
    div = None
    for column, signed in ((m.divide_by, False), (m.scale_by, True)):
        if not column:
            continue
        factor_vb, factor_oid = multiplier(column)
        factor = number(factor_vb)
        if not factor:  # absent or zero: no reading
            return
        if signed and factor > 0:  # RITTAL-CMC-III-MIB cmcIIIVarScale: +100 multiplies, -100 divides
            mult = factor if mult is None else mult * factor
        else:
            div = (div or 1) * (-factor if signed else factor)
        oids.append(factor_oid)
    states = None
    if m.enum_from:
        key_vb, key_oid = read(m.enum_from.oid, m.enum_from.index)
        states = parse_states(text(key_vb))
        if not states:
            return
        oids.append(key_oid)
    pairs = tuple(sorted(labels.items())) if pairs is None else pairs  # `labels` as sorted pairs
    value = _finish(m, raw, vb.kind, power, mult, (m.name, pairs), guard, div)
    _emit(out, m, labels, value, raw, oids[0] if len(oids) == 1 else tuple(oids), states, pairs)


def _scalar(p: Profile, m: Metric, data: SnmpData, guard: CounterGuard | None, out: list[Sample]) -> None:
    vb = next((data.instance(o) for o in (m.oid, *m.fallback) if data.instance(o) is not None), None)
    if vb is None:
        return
    _reading(m, vb, lambda oid, _index: (data.instance(oid), oid), lambda oid: (data.instance(oid), oid),
             {**p.labels, **m.labels}, guard, out)


def _table(p: Profile, table: Table, data: SnmpData, guard: CounterGuard | None, out: list[Sample]) -> None:
    parsed: dict[str, tuple[dict[str, str], list[str]] | None] = {}

    def row_labels(suffix: str) -> tuple[dict[str, str], list[str]] | None:
        if suffix not in parsed:
            idx = _parse_index(table, suffix)
            if idx is None:
                parsed[suffix] = None
            else:
                values, groups = idx
                labels: dict[str, str] = {}
                for part, v in zip(table.index, values):  # consecutive parts may share one label
                    labels[part.label] = f"{labels[part.label]}.{v}" if part.label in labels else v
                for lk in table.lookups:
                    sub = lk.instance if lk.instance is not None else _sub_suffix(groups, lk.index)
                    # the first column that names the row: a fallback also stands in for an empty text
                    value = text(data.cell(lk.oid, sub))
                    for c in lk.fallback if not value else ():
                        other = text(data.cell(c, sub))
                        if other:
                            value = other
                            break
                        if value is None:
                            value = other
                    if value is not None:
                        labels[lk.label] = lk.map.get(value, value) if lk.map else value
                parsed[suffix] = (labels, groups)
        return parsed[suffix]

    hidden = {part.label for part in table.index if not part.export}
    # A row's exported labels (and as sorted pairs) for metrics without `where` or own labels.
    plain: dict[str, tuple[dict[str, str], tuple[tuple[str, str], ...]]] = {}
    for m in table.metrics:
        reads_other = len(list(_oids_of(m))) > 1 + len(m.fallback)  # scaled or keyed by another column
        rows: dict[str, Varbind] = data.columns.get(m.oid, {})
        if m.fallback:
            rows = dict(rows)
            for col in m.fallback:
                for suffix, vb in data.columns.get(col, {}).items():
                    rows.setdefault(suffix, vb)
        for suffix, vb in rows.items():
            found = parsed[suffix] if suffix in parsed else row_labels(suffix)
            if found is None:
                continue
            labels, groups = found
            if m.where and any(labels.get(k) != v for k, v in m.where.items()):
                continue
            pairs = None
            if m.where or m.labels:
                final = {**p.labels, **{k: v for k, v in labels.items() if k not in m.where and k not in hidden
                                        and v != ""}, **m.labels}
            elif suffix in plain:
                final, pairs = plain[suffix]
            else:
                final = {**p.labels, **{k: v for k, v in labels.items() if k not in hidden and v != ""}}
                pairs = tuple(sorted(final.items()))
                plain[suffix] = (final, pairs)
            if reads_other:
                _reading(m, vb, lambda oid, index, g=groups: _other_cell(data, oid, g, index),
                         lambda oid, sfx=suffix: (data.cell(oid, sfx), f"{oid}.{sfx}"), final, guard, out, pairs)
            else:
                _reading(m, vb, _NO_READ, _NO_READ, final, guard, out, pairs)


def evaluate(profile: Profile, data: SnmpData, guard: CounterGuard | None = None) -> list[Sample]:
    """All samples one profile yields from what the device answered."""
    out: list[Sample] = []
    for m in profile.scalars:
        _scalar(profile, m, data, guard, out)
    for table in profile.tables:
        _table(profile, table, data, guard, out)
    return out


def _holds(cond: Condition, samples: Sequence[Sample]) -> list[str]:
    name = METRIC_PREFIX + cond.metric
    hits = []
    for s in samples:
        if s.metric != name:
            continue
        labels = dict(s.labels)
        if any(labels.get(k) != v for k, v in cond.where.items()):
            continue
        if cond.states is not None:
            if s.value == 1 and labels.get(STATE_LABEL) in cond.states:
                hits.append(f"{cond.metric}={labels['state']}")
        elif cond.below is not None and s.value < cond.below:
            hits.append(f"{cond.metric}={s.value:g} below {cond.below:g}")
        elif cond.above is not None and s.value > cond.above:
            hits.append(f"{cond.metric}={s.value:g} above {cond.above:g}")
    return hits


def judge_health(profiles: Iterable[Profile], samples: Mapping[str, Sequence[Sample]]) -> tuple[str, str]:
    """(health, reason): the worst holding condition over the profiles' health rules.

    `samples` maps profile name → that profile's samples (conditions see their own profile's).
    """
    critical: list[str] = []
    degraded: list[str] = []
    for p in profiles:
        mine = samples.get(p.name, ())
        for cond in p.health.critical:
            critical.extend(_holds(cond, mine))
        for cond in p.health.degraded:
            degraded.extend(_holds(cond, mine))
    if critical:
        return CRITICAL, "; ".join(dict.fromkeys(critical + degraded))
    if degraded:
        return DEGRADED, "; ".join(dict.fromkeys(degraded))
    return OK, ""
