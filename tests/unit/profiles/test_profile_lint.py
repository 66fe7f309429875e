"""Lint of the bundled profiles: the rules every profile in config/profiles keeps.

Every profile loads and says which vendor, family and MIB it serves; every OID in the YAML text
carries a comment naming its MIB object; no two profiles claim the same sysObjectID prefix;
metric names follow the naming rules (base units, `_total` counters, `_state` enums, `_ratio`
0-1); and a metric name used by several profiles (a vendor-neutral metric) has the same kind and
the same label names in all of them, so one dashboard serves every vendor.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from agent.profiles.doc import metrics_with_labels
from agent.profiles.loader import BUNDLED_DIR, load_profiles
from agent.profiles.model import Metric, Profile

PROFILES = load_profiles()
FILES = sorted(BUNDLED_DIR.glob("*.yaml"))

OID_RE = re.compile(r"(?<![\w.])(?:0|1|2)(?:\.\d+){3,}(?![\w.])")
# A MIB object descriptor: lowerCamelCase anywhere in the comment (upsBatteryStatus, ifHCInOctets,
# smartUPS2), or a lowercase descriptor first or after its module (busalarm, CPS-MIB ups).
MIB_OBJECT_RE = re.compile(r"\b[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*\b|\b[a-z]+[0-9][A-Za-z0-9]*\b|^\s*[a-z][A-Za-z0-9]{2,}\b|[A-Z][A-Za-z0-9-]*-MIB\s+[a-z][A-Za-z0-9]+\b")

# Words that name a physical quantity → the base-unit suffix a (non-enum) metric with it must end in.
QUANTITY_UNITS = {
    "temperature": ("_celsius",),
    "humidity": ("_ratio",),
    "voltage": ("_volts",),
    "frequency": ("_hertz",),
    "energy": ("_joules_total",),
    "runtime": ("_seconds",),
}
# Units that are not Prometheus base units, as name parts: use the base unit and a convert.
NON_BASE_UNITS = {
    "percent", "pct", "percentage", "permille", "amps", "amp", "milliamperes", "volt", "millivolts", "watt",
    "kilowatts", "kw", "kwh", "kilowatt", "wh", "va", "kva", "voltamperes", "hz", "fahrenheit", "degrees",
    "deg", "degc", "minutes", "hours", "days", "milliseconds", "ms", "centiseconds", "kilobytes", "kb",
    "megabytes", "mb", "tenths", "hundredths",
}
RATIO_CONVERSIONS = {"percent_to_ratio", "permille_to_ratio"}


def _code(line: str) -> tuple[str, str]:
    """A YAML line split into its data part and its comment (a '#' after whitespace, outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i], line[i + 1:]
    return line, ""


def _model_oids(p: Profile) -> set[str]:
    oids = set(p.detect.sys_object_id + p.detect.exists + p.detect.exists_under) if p.detect else set()
    for m in p.all_metrics():
        oids |= {m.oid, *m.fallback}
        oids |= {x.oid for x in (m.digits, m.scale_exponent) if x is not None and x.oid}
        oids |= {x for x in (m.multiply_by, m.divide_by, m.scale_by, m.enum_from.oid if m.enum_from else None) if x}
    for t in p.tables:
        for lk in t.lookups:
            oids |= {lk.oid, *lk.fallback}
    return oids


def test_every_bundled_profile_loads_and_says_which_vendor_family_and_mib_it_serves():
    assert len(PROFILES) == len(FILES) > 0
    missing = [f"{p.name}: {key}" for p in PROFILES for key in ("vendor", "family", "mib") if not getattr(p, key)]
    assert not missing, "profiles without the keys docs/devices.md is made of:\n" + "\n".join(missing)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_oid_in_the_profile_text_has_a_comment_naming_its_mib_object(path):
    bad = []
    commented: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        data, comment = _code(line)
        oids = OID_RE.findall(data)
        if not oids:
            continue
        if MIB_OBJECT_RE.search(comment):
            commented.update(oids)
        else:
            bad.append(f"{path.name}:{n}: {line.strip()}")
    assert not bad, "OIDs without a comment naming their MIB object:\n" + "\n".join(bad)
    profile = next(p for p in PROFILES if PROFILES.files[p.name] == path)
    hidden = sorted(_model_oids(profile) - commented)
    assert not hidden, f"{path.name}: OIDs the profile reads that no commented line shows: {hidden}"


def test_no_two_profiles_claim_the_same_sys_object_id_prefix():
    owners: dict[str, list[str]] = defaultdict(list)
    for p in PROFILES:
        for prefix in p.detect.sys_object_id if p.detect else []:
            owners[prefix].append(p.name)
    shared = {prefix: names for prefix, names in owners.items() if len(names) > 1}
    assert not shared, f"sysObjectID prefixes claimed twice (the longest prefix must decide alone): {shared}"


def naming_problems(m: Metric) -> list[str]:
    """What is wrong with one metric's name under the naming rules."""
    name, out = m.name, []
    words = name.split("_")
    if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name):
        out.append("must be lowercase snake_case")
    if m.type == "counter" and not name.endswith("_total"):
        out.append("a counter ends in _total")
    if m.type != "counter" and name.endswith("_total"):
        out.append("only counters end in _total")
    stateful = m.enum is not None or m.enum_from is not None or m.bits is not None
    if stateful != name.endswith("_state"):
        out.append("enums, and only enums, end in _state")
    for compound in ("_volt_amperes_reactive", "_volt_amperes"):  # base units written as two words
        if name.endswith(compound) or f"{compound}_" in name:
            words = name.replace(compound, "_base_unit").split("_")
    non_base = sorted(set(words) & NON_BASE_UNITS)
    if non_base:
        out.append(f"uses a non-base unit ({', '.join(non_base)}); use the base unit and convert")
    if not stateful:
        for word, suffixes in QUANTITY_UNITS.items():
            if word in words and not name.endswith(suffixes):
                out.append(f"a {word} ends in {' or '.join(suffixes)}")
    if name.endswith("_ratio") and not stateful:
        scaled = m.convert in RATIO_CONVERSIONS or m.scale <= 0.01 or m.digits or m.scale_exponent or m.divide_by or m.scale_by
        if not scaled:
            out.append("a _ratio is 0-1: convert percent_to_ratio/permille_to_ratio or scale it down")
    if m.convert in RATIO_CONVERSIONS and not name.endswith("_ratio"):
        out.append("a percentage converted to a ratio ends in _ratio")
    return out


def test_every_metric_name_follows_the_naming_rules():
    bad = [f"{p.name}: {m.name}: {problem}" for p in PROFILES for m in p.all_metrics()
           for problem in naming_problems(m)]
    assert not bad, "\n".join(bad)


def test_the_naming_rules_catch_each_kind_of_mistake():
    def problems(**kw) -> list[str]:
        return naming_problems(Metric(oid="1.3.6.1.4.1.99999.1", help="a test metric", **kw))

    assert problems(name="ups_battery_temperature_celsius") == []
    assert problems(name="ups_battery_charge_ratio", convert="percent_to_ratio") == []
    assert problems(name="ups_battery_temperature") == ["a temperature ends in _celsius"]
    assert problems(name="ups_load_percent") == ["uses a non-base unit (percent); use the base unit and convert"]
    assert problems(name="ups_load_ratio") == [
        "a _ratio is 0-1: convert percent_to_ratio/permille_to_ratio or scale it down"]
    assert problems(name="pdu_apparent_power_volt_amperes") == []
    assert problems(name="pdu_apparent_power_voltamperes") == [
        "uses a non-base unit (voltamperes); use the base unit and convert"]
    assert problems(name="ups_output_source_state") == ["enums, and only enums, end in _state"]


def test_a_metric_shared_by_several_profiles_has_the_same_kind_and_label_names_in_all():
    seen: dict[str, dict[tuple[str, frozenset[str]], list[str]]] = defaultdict(lambda: defaultdict(list))
    for p in PROFILES:
        for _, m, labels in metrics_with_labels(p):
            kind = "enum" if m.enum is not None or m.enum_from is not None else "bits" if m.bits is not None else m.type
            seen[m.name][(kind, labels)].append(p.name)
    differing = {name: {f"{kind} {{{', '.join(sorted(labels))}}}": sorted(set(profiles))
                        for (kind, labels), profiles in variants.items()}
                 for name, variants in seen.items() if len(variants) > 1}
    assert not differing, "vendor-neutral metrics whose kind or labels differ:\n" + "\n".join(
        f"  {name}: {variants}" for name, variants in sorted(differing.items()))
