"""Loading device profiles: the bundled `config/profiles/*.yaml` plus any `profile_dirs`.

Every problem in every file is collected and raised at once as a ConfigError, each as
``FILE:LINE:COL: path: message`` like agent-config errors. Later directories may
override a bundled profile by using the same name (a site-specific fix), but two
files in the same directory may not define the same profile.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agent.profiles.model import Metric, Profile
from agent.vocabulary import AUTO
from tierwatch_common.configfile import ConfigError, ConfigProblem, load_file
from tierwatch_common.vocabulary import CRITICAL, DEGRADED
from tierwatch_common.yamlsource import Positions


def _bundled_dir() -> Path:
    """The profiles shipped with tierwatch: config/profiles, installed as the `tierwatch_config`
    package (a wheel carries it; an editable install maps it to the source tree)."""
    try:
        import tierwatch_config
    except ModuleNotFoundError:                 # run from a source tree that is not installed
        return Path(__file__).resolve().parents[2] / "config" / "profiles"
    return tierwatch_config.path("profiles")


BUNDLED_DIR = _bundled_dir()



@dataclass
class ProfileSet:
    """All known profiles by name, and where each came from."""

    profiles: dict[str, Profile] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Profile:
        return self.profiles[name]

    def __contains__(self, name: object) -> bool:
        return name in self.profiles

    def __iter__(self):
        return iter(self.profiles.values())

    def __len__(self) -> int:
        return len(self.profiles)

    def names(self) -> list[str]:
        return sorted(self.profiles)

    def unknown(self, names: Iterable[str]) -> list[str]:
        """The names in a target's profile list that are neither `auto` nor a loaded profile."""
        return [n for n in names if n != AUTO and n not in self.profiles]

    def suggest(self, name: str) -> str:
        """A hint for an unknown profile name: the closest known one, or every known one."""
        close = difflib.get_close_matches(name, self.names(), n=1)
        return f"did you mean '{close[0]}'?" if close else f"known: {', '.join([AUTO, *self.names()])}"


def load_profiles(dirs: Iterable[str | Path] = (), *, bundled: bool = True) -> ProfileSet:
    """Load every `*.yaml` profile from the bundled folder (unless `bundled=False`) and `dirs`."""
    folders = ([BUNDLED_DIR] if bundled else []) + [Path(d) for d in dirs]
    problems: list[ConfigProblem] = []
    found = ProfileSet()
    for folder in folders:
        if not folder.is_dir():
            problems.append(ConfigProblem(1, 1, "", "profile directory does not exist (the bundled ones are installed "
                                            "with tierwatch as the tierwatch_config package)", str(folder)))
            continue
        seen_here: dict[str, Path] = {}
        for path in sorted(folder.glob("*.yaml")):
            try:
                profile, positions = load_profile_file(path)
            except ConfigError as exc:
                problems.extend(exc.problems)
                continue
            if profile.name in seen_here:
                line, col = positions.of(("name",))
                problems.append(ConfigProblem(line, col, "name",
                                              f"profile '{profile.name}' is also defined in {seen_here[profile.name]}",
                                              str(path)))
                continue
            seen_here[profile.name] = path
            found.profiles[profile.name] = profile
            found.files[profile.name] = path
    problems.extend(_prefix_clashes(found))
    problems.extend(_type_clashes(found))
    if problems:
        raise ConfigError(problems)
    return found


def load_profile_file(path: str | Path) -> tuple[Profile, Positions]:
    """Load and check one profile file; raise ConfigError with every problem in it."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem(1, 1, "", f"cannot read profile: {exc}", name)]) from None
    loaded = load_file(Profile, name, text)
    profile, positions = loaded.model, loaded.positions
    problems = check_profile(profile, positions, name)
    if problems:
        raise ConfigError(problems)
    return profile, positions


def _problem(positions: Positions, path: tuple, message: str, file: str) -> ConfigProblem:
    from tierwatch_common.configfile import dotted

    line, col = positions.of(path)
    return ConfigProblem(line, col, dotted(path), message, file)


def check_profile(p: Profile, pos: Positions, file: str) -> list[ConfigProblem]:
    """Cross-field checks the schema alone cannot do, each located in the file."""
    out: list[ConfigProblem] = []
    by_name: dict[str, Metric] = {}
    all_states: dict[str, list[str]] = {}  # the states of every entry with that name (one per table or row kind)
    for i, m in enumerate(p.scalars):
        where = ("scalars", i)
        by_name.setdefault(m.name, m)
        all_states.setdefault(m.name, []).extend((m.states or {}).values())
        if m.where:
            out.append(_problem(pos, (*where, "where"), "where is for table metrics only", file))
        if m.digits is not None and m.digits.index is not None:
            out.append(_problem(pos, (*where, "digits", "index"), "digits.index is for table metrics only", file))
        if m.scale_exponent is not None and m.scale_exponent.index is not None:
            out.append(_problem(pos, (*where, "scale_exponent", "index"),
                                "scale_exponent.index is for table metrics only", file))
    for t, table in enumerate(p.tables):
        nparts = len(table.index)
        # Consecutive index parts may share a label (their values are joined with '.'), nothing else may.
        parts = [part.label for k, part in enumerate(table.index) if k == 0 or part.label != table.index[k - 1].label]
        labels = parts + [lk.label for lk in table.lookups]
        dupes = sorted({x for x in labels if labels.count(x) > 1})
        if dupes:
            out.append(_problem(pos, ("tables", t, "index"), f"label names repeated: {', '.join(dupes)}", file))
        for k, part in enumerate(table.index[:-1]):
            if part.type == "implied_string":
                out.append(_problem(pos, ("tables", t, "index", k, "type"),
                                    "implied_string can only be the last index part", file))
        for k, lk in enumerate(table.lookups):
            for n in lk.index or []:
                if not 0 <= n < nparts:
                    out.append(_problem(pos, ("tables", t, "lookups", k, "index"),
                                        f"index part {n} does not exist; this table has parts 0..{nparts - 1}", file))
        for j, m in enumerate(table.metrics):
            where = ("tables", t, "metrics", j)
            by_name.setdefault(m.name, m)
            all_states.setdefault(m.name, []).extend((m.states or {}).values())
            for key in m.where:
                if key not in labels:
                    out.append(_problem(pos, (*where, "where", key),
                                        f"unknown label '{key}'; this table has: {', '.join(labels)}", file))
            for key, other in (("digits", m.digits), ("scale_exponent", m.scale_exponent)):
                for n in (other.index if other is not None else None) or []:
                    if not 0 <= n < nparts:
                        out.append(_problem(pos, (*where, key, "index"),
                                            f"index part {n} does not exist; this table has parts 0..{nparts - 1}",
                                            file))
    for kind in (CRITICAL, DEGRADED):
        for i, cond in enumerate(getattr(p.health, kind)):
            where = ("health", kind, i)
            metric = by_name.get(cond.metric)
            if metric is None:
                out.append(_problem(pos, (*where, "metric"),
                                    f"metric '{cond.metric}' is not defined in this profile", file))
                continue
            if cond.states is not None:
                if metric.states is None and metric.enum_from is None:
                    out.append(_problem(pos, (*where, "states"),
                                        f"'{cond.metric}' has no enum or bits; use below or above", file))
                elif metric.states is not None:  # enum_from states are known only per row
                    known = list(dict.fromkeys(all_states[cond.metric]))
                    for s, state in enumerate(cond.states):
                        if state not in known:
                            out.append(_problem(pos, (*where, "states", s),
                                                f"unknown state '{state}'; '{cond.metric}' has: "
                                                f"{', '.join(known)}", file))
            elif metric.states is not None or metric.enum_from is not None:
                out.append(_problem(pos, where, f"'{cond.metric}' is an enum; use states", file))
    return out


def _prefix_clashes(found: ProfileSet) -> list[ConfigProblem]:
    owner: dict[str, str] = {}
    out = []
    for p in found:
        for i, prefix in enumerate(p.detect.sys_object_id if p.detect else []):
            if prefix in owner and owner[prefix] != p.name:
                out.append(ConfigProblem(1, 1, f"detect.sys_object_id[{i}]",
                                         f"prefix {prefix} is also claimed by profile '{owner[prefix]}'; "
                                         "the longest prefix must decide alone", str(found.files[p.name])))
            owner.setdefault(prefix, p.name)
    return out


def _type_clashes(found: ProfileSet) -> list[ConfigProblem]:
    seen: dict[str, tuple[str, str]] = {}
    out = []
    for p in found:
        for m in p.all_metrics():
            kind = "enum" if m.states is not None or m.enum_from is not None else m.type  # all state series
            if m.name in seen and seen[m.name][0] != kind:
                out.append(ConfigProblem(1, 1, "", f"metric '{m.name}' is a {kind} here but a "
                                                   f"{seen[m.name][0]} in profile '{seen[m.name][1]}'",
                                         str(found.files[p.name])))
            seen.setdefault(m.name, (kind, p.name))
    return out
