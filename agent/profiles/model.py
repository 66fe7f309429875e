"""The device-profile schema: a MIB mapping as data (see config/profiles/README.md).

A profile says which OIDs to GET (scalars) and which columns to walk (tables), how a
table index becomes labels, how raw values are scaled and converted to base units,
how enums become state series, which raw values mean "no data", and which states make
the device count as degraded or down (the health rule).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from agent.vocabulary import AUTO, STATE_LABEL
from tierwatch_common.configfile import StrictModel
from tierwatch_common.vocabulary import RESERVED_LABELS
from tierwatch_common.wireformat import LABEL_NAME_RE, METRIC_NAME_RE

METRIC_PREFIX = "tierwatch_"

_OID_RE = re.compile(r"^\d+(\.\d+)+$")
_PROFILE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def _oid(v: str) -> str:
    v = v.strip()
    if v.startswith("."):
        v = v[1:]
    if not _OID_RE.match(v):
        raise ValueError("must be a numeric OID such as 1.3.6.1.2.1.33.1.2.4.0")
    return v


def _oid_before(v: object) -> object:
    return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


Oid = Annotated[str, BeforeValidator(_oid_before), AfterValidator(_oid)]


def _metric_name(v: str) -> str:
    if v.startswith(METRIC_PREFIX):
        raise ValueError(f"write metric names without the '{METRIC_PREFIX}' prefix; it is added on export")
    if not METRIC_NAME_RE.match(v) or ":" in v:
        raise ValueError("must be letters, digits and '_' and not start with a digit")
    return v


MetricName = Annotated[str, AfterValidator(_metric_name)]


_RESERVED = RESERVED_LABELS | {STATE_LABEL}


def _label_name(v: str) -> str:
    if not LABEL_NAME_RE.match(v) or v.startswith("__") or v in _RESERVED:
        raise ValueError("must be a Prometheus label name (not 'target', 'agent' or 'state', which are reserved)")
    return v


LabelName = Annotated[str, AfterValidator(_label_name)]


def _str_keys(v: object) -> object:
    """YAML reads `1: onLine` with an int key; keep every map key and value as text."""
    if isinstance(v, dict):
        return {str(k): (str(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else x)
                for k, x in v.items()}
    return v


TextMap = Annotated[dict[str, str], BeforeValidator(_str_keys)]

# Unit conversions applied after scale/offset/digits: raw device unit → base unit.
CONVERSIONS: dict[str, tuple[float, float]] = {  # name → (factor, offset after factor)
    "percent_to_ratio": (0.01, 0.0),
    "permille_to_ratio": (0.001, 0.0),
    "minutes_to_seconds": (60.0, 0.0),
    "hours_to_seconds": (3600.0, 0.0),
    "centiseconds_to_seconds": (0.01, 0.0),  # TimeTicks
    "milliseconds_to_seconds": (0.001, 0.0),
    "kilowatt_hours_to_joules": (3.6e6, 0.0),
    "watt_hours_to_joules": (3600.0, 0.0),
    "kilobytes_to_bytes": (1024.0, 0.0),
    "kilowatts_to_watts": (1000.0, 0.0),
    "fahrenheit_to_celsius": (5.0 / 9.0, -32.0 * 5.0 / 9.0),
    "bar_to_pascals": (1e5, 0.0),
    "kilopascals_to_pascals": (1e3, 0.0),
    "psi_to_pascals": (6894.757293168, 0.0),
    "liters_per_second_to_cubic_meters_per_second": (1e-3, 0.0),
    "liters_per_minute_to_cubic_meters_per_second": (1 / 60000, 0.0),
    "cubic_meters_per_hour_to_cubic_meters_per_second": (1 / 3600, 0.0),
    "cubic_feet_per_minute_to_cubic_meters_per_second": (0.00047194745, 0.0),
}
# The name suffix a conversion's result must carry (its base unit).
CONVERSION_SUFFIX = {
    "percent_to_ratio": "_ratio", "permille_to_ratio": "_ratio", "fahrenheit_to_celsius": "_celsius",
    "kilowatt_hours_to_joules": "_joules_total", "watt_hours_to_joules": "_joules_total",
    "bar_to_pascals": "_pascals", "kilopascals_to_pascals": "_pascals", "psi_to_pascals": "_pascals",
    "liters_per_second_to_cubic_meters_per_second": "_cubic_meters_per_second",
    "liters_per_minute_to_cubic_meters_per_second": "_cubic_meters_per_second",
    "cubic_meters_per_hour_to_cubic_meters_per_second": "_cubic_meters_per_second",
    "cubic_feet_per_minute_to_cubic_meters_per_second": "_cubic_meters_per_second",
}
Conversion = Literal[
    "percent_to_ratio", "permille_to_ratio", "minutes_to_seconds", "hours_to_seconds",
    "centiseconds_to_seconds", "milliseconds_to_seconds", "kilowatt_hours_to_joules",
    "watt_hours_to_joules", "kilobytes_to_bytes", "kilowatts_to_watts", "fahrenheit_to_celsius",
    "bar_to_pascals", "kilopascals_to_pascals", "psi_to_pascals", "liters_per_second_to_cubic_meters_per_second",
    "liters_per_minute_to_cubic_meters_per_second", "cubic_meters_per_hour_to_cubic_meters_per_second",
    "cubic_feet_per_minute_to_cubic_meters_per_second",
]


class Digits(StrictModel):
    """Divide by 10**digits, the digits read from another OID (e.g. Raritan's ...DecimalDigits).

    For a table metric `oid` is a column indexed like the metric (or by `index` parts);
    for a scalar it is an instance OID. `default` is used when the device does not answer it.
    """

    oid: Oid | None = None
    index: list[int] | None = None
    default: int = Field(0, ge=0, le=12)


# The largest power of ten a reading may be shifted by (scale exponent minus digits); a device
# answering more (a garbage precision column) yields no reading rather than a huge number.
MAX_POWER_OF_TEN = 60
Exponent = Annotated[int, Field(ge=-MAX_POWER_OF_TEN, le=MAX_POWER_OF_TEN)]


class ScaleExponent(StrictModel):
    """Multiply by 10**N, N read from another OID (e.g. ENTITY-SENSOR-MIB entPhySensorScale).

    `oid`, `index` as for `Digits`. `map` turns the raw value into N (`{8: -3}`: milli); a raw
    value not in the map yields no reading (an unknown unit is never guessed). Without `map` the
    raw value is N. `default` is N when the device does not answer.
    """

    oid: Oid
    index: list[int] | None = None
    map: dict[int, Exponent] | None = None
    default: Exponent = 0


class EnumFrom(StrictModel):
    """The states of an enum read per row from a text column listing them as `Name(N),Name(N)`
    (self-describing tables: APC coolingUnitStatusDiscreteIntegerReferenceKey
    `Open(0),Closed(1)`). `oid` and `index` as for `Digits`. A row without such a text yields
    no reading (a state is never guessed)."""

    oid: Oid
    index: list[int] | None = None


class Metric(StrictModel):
    """One value (scalar) or one column (table) → one metric."""

    name: MetricName
    oid: Oid
    fallback: list[Oid] = Field(default_factory=list)
    type: Literal["gauge", "counter"] = "gauge"
    help: str = Field(min_length=3)
    scale: float = 1.0
    offset: float = 0.0
    digits: Digits | None = None
    scale_exponent: ScaleExponent | None = None
    multiply_by: Oid | None = None
    divide_by: Oid | None = None
    scale_by: Oid | None = None  # a signed factor: N > 0 multiplies by N, N < 0 divides by -N
    convert: Conversion | None = None
    enum: TextMap | None = None
    enum_from: EnumFrom | None = None
    bits: TextMap | None = None
    text_unit: str | None = Field(None, min_length=1, max_length=16)  # text value '16 A': the unit after the number
    nodata: list[int] = Field(default_factory=list)
    labels: TextMap = Field(default_factory=dict)
    where: TextMap = Field(default_factory=dict)

    @model_validator(mode="after")
    def _coherent(self) -> Metric:
        if self.type == "counter" and not self.name.endswith("_total"):
            raise ValueError(f"counter '{self.name}' must end in _total")
        if self.type == "gauge" and self.name.endswith("_total"):
            raise ValueError(f"gauge '{self.name}' must not end in _total (use type: counter)")
        if sum(x is not None for x in (self.enum, self.enum_from, self.bits)) > 1:
            raise ValueError("give one of enum, enum_from (states per row) or bits (one state per bit), not both")
        if self.enum is not None or self.enum_from is not None or self.bits is not None:
            kind = "bits" if self.bits is not None else "enum"
            if not self.name.endswith("_state"):
                raise ValueError(f"{kind} metric '{self.name}' must end in _state (one series per state)")
            if (self.type != "gauge" or self.convert or self.digits or self.scale_exponent or self.scale != 1
                    or self.offset or self.multiply_by or self.divide_by or self.scale_by):
                raise ValueError(f"an {kind} metric takes no type: counter, scale, offset, digits, scale_exponent, "
                                 "multiply_by, divide_by, scale_by or convert")
            for raw in self.enum or {}:
                if not re.fullmatch(r"-?\d+", raw):
                    raise ValueError(f"enum key {raw!r} must be the integer the device sends")
            for raw in self.bits or {}:
                if not (raw.isdigit() and int(raw) < 64):
                    raise ValueError(f"bits key {raw!r} must be a bit position 0..63")
        suffix = CONVERSION_SUFFIX.get(self.convert or "")
        if suffix and not self.name.endswith(suffix):
            raise ValueError(f"'{self.name}' converts with {self.convert}, so its name must end in {suffix}")
        for key in self.labels:
            _label_name(key)
        return self

    @property
    def states(self) -> dict[str, str] | None:
        """The state map of an enum or bits metric (raw value or bit position → state), else None."""
        return self.enum if self.enum is not None else self.bits


class IndexPart(StrictModel):
    """One part of a table index: `int` is one sub-identifier; `string` a length-prefixed
    octet string; `implied_string` the rest of the index as octets. `export: false` keeps the
    part as the row's key (for lookups and `where`) without exporting it as a label, for a
    running row number whose row is named by lookups (APC rPDU2PhaseStatusIndex, whose
    rPDU2PhaseStatusModule and rPDU2PhaseStatusNumber say which PDU and phase)."""

    label: LabelName
    type: Literal["int", "string", "implied_string"] = "int"
    map: TextMap | None = None
    export: bool = True


class Lookup(StrictModel):
    """A label whose value comes from another column (same table or another one)."""

    label: LabelName
    oid: Oid
    fallback: list[Oid] = Field(default_factory=list)
    index: list[int] | None = None  # which index parts key the looked-up column; default: all
    instance: str | None = Field(None, pattern=r"^\d+(\.\d+)*$")  # one fixed instance for every row
    map: TextMap | None = None  # looked-up value → label value; values not in the map are kept

    @model_validator(mode="after")
    def _one_key(self) -> Lookup:
        if self.instance is not None and self.index is not None:
            raise ValueError("give index (parts of this row's index) or instance (one fixed instance), not both")
        return self


class Table(StrictModel):
    name: str = Field(min_length=1)  # the MIB's table name, for humans and error messages
    index: list[IndexPart] = Field(min_length=1)
    lookups: list[Lookup] = Field(default_factory=list)
    metrics: list[Metric] = Field(min_length=1)


class Detect(StrictModel):
    """How a profile is chosen for a target whose profiles are `auto`.

    `sys_object_id`: prefixes; among all profiles the longest matching prefix wins.
    `exists`: OIDs that must all answer a GET (standard MIBs on devices with a generic
    sysObjectID). `exists_under`: OIDs (table columns) that must each have at least one
    instance below them, for tables whose index is not known in advance (one GETNEXT).
    A profile is selected by its prefix, or when all its `exists` and `exists_under` hold.
    """

    sys_object_id: list[Oid] = Field(default_factory=list)
    exists: list[Oid] = Field(default_factory=list)
    exists_under: list[Oid] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> Detect:
        if not self.sys_object_id and not self.exists and not self.exists_under:
            raise ValueError("give sys_object_id prefixes, exists or exists_under OIDs, or several")
        return self

    @property
    def probes(self) -> bool:
        """Whether probing (`exists`, `exists_under`) can select this profile."""
        return bool(self.exists or self.exists_under)


class Condition(StrictModel):
    """A health condition over one metric of the same profile."""

    metric: MetricName
    states: list[str] | None = None
    below: float | None = None
    above: float | None = None
    where: TextMap = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one(self) -> Condition:
        given = [x for x in (self.states, self.below, self.above) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of states, below or above")
        return self


class Health(StrictModel):
    """Which conditions make the device `critical` (counts as down) or `degraded`."""

    critical: list[Condition] = Field(default_factory=list)
    degraded: list[Condition] = Field(default_factory=list)


class TrapLabel(StrictModel):
    """A label of a trap event named by one of its varbinds: the varbind whose OID is `oid` or
    under it gives its value (`from: value`) or the instance after `oid` (`from: index`)."""

    label: LabelName
    oid: Oid
    source: Literal["value", "index"] = Field("value", alias="from")
    map: TextMap | None = None  # raw value → label value; values not in it are kept


class TrapState(StrictModel):
    """The state of one of the profile's enum metrics that the trap announces."""

    metric: MetricName
    state: str = Field(min_length=1)


class TrapDef(StrictModel):
    """One notification the family sends. `oid` is its snmpTrapOID (SNMPv2 form); a v1
    TRAP-TYPE is written as `enterprise` + `specific` (RFC 3584: enterprise.0.specific)."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z][A-Za-z0-9-]*$")  # the MIB's object name
    oid: Oid | None = None
    enterprise: Oid | None = None
    specific: int | None = Field(None, ge=0)
    severity: Literal["critical", "major", "minor", "warning", "info", "cleared"]
    description: str = Field(min_length=3)
    sets: TrapState | None = None
    labels: list[TrapLabel] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_oid(self) -> TrapDef:
        if (self.oid is None) == (self.enterprise is None):
            raise ValueError("give either oid (SNMPv2 notification) or enterprise + specific (SNMPv1 trap)")
        if (self.enterprise is None) != (self.specific is None):
            raise ValueError("enterprise and specific go together")
        return self

    @property
    def trap_oid(self) -> str:
        return self.oid if self.oid is not None else f"{self.enterprise}.0.{self.specific}"


class Profile(StrictModel):
    name: str
    description: str = Field(min_length=3)
    # For the supported-devices table (docs/devices.md); optional, free text.
    vendor: str | None = Field(None, min_length=1)  # who makes the device: "APC", "Vertiv/Liebert"
    family: str | None = Field(None, min_length=1)  # which devices: "Smart-UPS", "rack PDU"
    mib: str | None = Field(None, min_length=1)  # the MIB module(s) read: "PowerNet-MIB"
    detect: Detect | None = None  # None: used only when a target names it
    labels: TextMap = Field(default_factory=dict)
    scalars: list[Metric] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    health: Health = Field(default_factory=Health)
    traps: list[TrapDef] = Field(default_factory=list)  # notifications the family sends

    @model_validator(mode="after")
    def _name(self) -> Profile:
        if not _PROFILE_NAME_RE.match(self.name) or self.name == AUTO:
            raise ValueError("profile name must be 1-64 lowercase letters, digits, '.', '_' or '-' (and not 'auto')")
        if not self.scalars and not self.tables:
            raise ValueError("a profile needs scalars, tables, or both")
        for key in self.labels:
            _label_name(key)
        self._check_traps()
        return self

    def _check_traps(self) -> None:
        enums = {m.name: set((m.enum or {}).values()) for m in self.all_metrics() if m.enum}
        seen: set[str] = set()
        for trap in self.traps:
            if trap.trap_oid in seen:
                raise ValueError(f"trap {trap.name}: trap OID {trap.trap_oid} is declared twice")
            seen.add(trap.trap_oid)
            if trap.sets is None:
                continue
            if trap.sets.metric not in enums:
                raise ValueError(f"trap {trap.name}: sets {trap.sets.metric!r}, which is not an enum metric of "
                                 "this profile")
            if trap.sets.state not in enums[trap.sets.metric]:
                raise ValueError(f"trap {trap.name}: {trap.sets.metric} has no state {trap.sets.state!r}; states: "
                                 + ", ".join(sorted(enums[trap.sets.metric])))

    def all_metrics(self) -> list[Metric]:
        return [*self.scalars, *(m for t in self.tables for m in t.metrics)]
