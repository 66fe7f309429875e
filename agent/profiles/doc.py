"""The supported-devices table (docs/devices.md), generated from the bundled profiles.

`python -m agent.profiles.doc` prints it; `--output FILE` writes it; `--check FILE` exits 1 when
the file differs from what the profiles say (for CI; `make docs` rewrites it). One section per
device class (the profile's `device_class` label), one row per profile: vendor, family, MIB,
how it is detected, what it reads and its health rule.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from agent.profiles.loader import load_profiles
from agent.profiles.model import METRIC_PREFIX, Condition, Metric, Profile, Table

CLASS_TITLES = {
    "pdu": "Power distribution (PDUs)",
    "ups": "UPS",
    "cooling": "Cooling",
    "environment": "Environment monitoring",
    "server": "Servers",
    "host": "Hosts",
}
OTHER_TITLE = "Any device"


def label_names(table: Table | None, metric: Metric) -> frozenset[str]:
    """The label names a metric's readings carry from its profile entry: a table's index parts and
    lookups (minus the `where` labels, which are dropped) plus the metric's own constant labels.
    The profile-wide `labels` (e.g. device_class) and the target's labels come on top."""
    names = set(metric.labels)
    if table is not None:
        names |= {p.label for p in table.index if p.export} | {lk.label for lk in table.lookups}
        names -= set(metric.where)
    if metric.enum is not None or metric.enum_from is not None or metric.bits is not None:
        names.add("state")
    return frozenset(names)


def metrics_with_labels(profile: Profile) -> Iterable[tuple[Table | None, Metric, frozenset[str]]]:
    """Every metric entry of a profile with the label names its readings carry."""
    for m in profile.scalars:
        yield None, m, label_names(None, m)
    for t in profile.tables:
        for m in t.metrics:
            yield t, m, label_names(t, m)


def _detection(p: Profile) -> str:
    if p.detect is None:
        return "named by the target only"
    parts = [f"sysObjectID {', '.join(p.detect.sys_object_id)}"] if p.detect.sys_object_id else []
    if p.detect.exists:
        parts.append(f"answers {', '.join(p.detect.exists)}")
    if p.detect.exists_under:
        parts.append(f"has rows under {', '.join(p.detect.exists_under)}")
    return "; or ".join(parts)


def _reads(p: Profile) -> str:
    seen: dict[str, frozenset[str]] = {}
    for _, m, labels in metrics_with_labels(p):
        seen[m.name] = seen.get(m.name, frozenset()) | (labels - {"state"})
    out = []
    for name, labels in seen.items():
        out.append(f"`{name}`" + (f" by {', '.join(sorted(labels))}" if labels else ""))
    return "; ".join(out)


def _condition(c: Condition) -> str:
    where = "".join(f", {k}={v}" for k, v in sorted(c.where.items()))
    if c.states is not None:
        return f"`{c.metric}` in {{{', '.join(c.states)}}}{where}"
    if c.below is not None:
        return f"`{c.metric}` < {c.below:g}{where}"
    return f"`{c.metric}` > {c.above:g}{where}"


def _health(p: Profile) -> str:
    parts = []
    if p.health.critical:
        parts.append("**down** when " + " or ".join(_condition(c) for c in p.health.critical))
    if p.health.degraded:
        parts.append("**degraded** when " + " or ".join(_condition(c) for c in p.health.degraded))
    return "; ".join(parts) or "up whenever it answers"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(profiles: Iterable[Profile]) -> str:
    by_class: dict[str, list[Profile]] = {}
    for p in profiles:
        by_class.setdefault(p.labels.get("device_class", ""), []).append(p)
    lines = [
        "# Supported devices",
        "",
        "Generated from `config/profiles/*.yaml` by `make docs` (`python -m agent.profiles.doc`); do not edit",
        "by hand. Every metric is exported with the `" + METRIC_PREFIX + "` prefix and the target's labels;",
        "the profile language is described in `config/profiles/README.md`. A target whose profiles are",
        "`auto` gets every profile whose detection matches (the longest sysObjectID prefix, plus every",
        "profile whose probe answers).",
        "",
    ]
    order = [c for c in CLASS_TITLES if c in by_class] + sorted(c for c in by_class if c not in CLASS_TITLES)
    for cls in order:
        lines += [f"## {CLASS_TITLES.get(cls, cls or OTHER_TITLE)}", "",
                  "| vendor | family | MIB | profile | detected by | reads | health rule |",
                  "|---|---|---|---|---|---|---|"]
        for p in sorted(by_class[cls], key=lambda x: ((x.vendor or "").lower(), x.name)):
            row = [p.vendor or "", p.family or p.description, p.mib or "", f"`{p.name}`", _detection(p),
                   _reads(p), _health(p)]
            lines.append("| " + " | ".join(_cell(x) for x in row) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agent.profiles.doc", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--output", type=Path, help="write the table to this file")
    group.add_argument("--check", type=Path, help="exit 1 if this file is not what the profiles generate")
    args = parser.parse_args(argv)
    text = render(load_profiles(bundled=True))
    if args.check:
        current = args.check.read_text(encoding="utf-8") if args.check.is_file() else ""
        if current != text:
            print(f"{args.check} is out of date with config/profiles; run `make docs`", file=sys.stderr)
            return 1
        return 0
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
