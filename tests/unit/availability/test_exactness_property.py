"""The engine's window seconds equal a naive count, for random histories and random instants."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.availability.engine import AvailabilityEngine
from collector.availability.restore import open_engine
from collector.availability.settings import AvailabilitySettings
from tests.hypothesis_profiles import examples
from tests.unit.availability.brute_force import DEGRADED, DOWN, OK, Outcome, Window, World

TARGETS = ("a", "b", "c", "d")
GROUPS = {"pair": {"any_of": ["a", "b"]}, "quorum": {"at_least": 2, "of": ["pair", "c", "d"]}}
ZONE = "America/New_York"
T0 = 1_710_000_000.0          # a week before a daylight-saving change in New York

STATUS = {OK: ("ok", "ok"), DEGRADED: ("ok", "degraded"), DOWN: ("timeout", "unknown"), "critical": ("ok", "critical")}

op = st.one_of(
    st.tuples(st.just("observe"), st.sampled_from(TARGETS), st.sampled_from(sorted(STATUS)),
              st.sampled_from([5.0, 90.0, 3600.0, 10 * 86400.0])),
    st.tuples(st.just("maintenance"), st.lists(st.sampled_from(TARGETS + ("pair",)), min_size=1, max_size=2,
                                               unique=True),
              st.integers(0, 7200_000), st.one_of(st.none(), st.integers(1, 3 * 86400_000))),
    st.tuples(st.just("end_maintenance"), st.integers(0, 5)),
    st.tuples(st.just("compute"),),
)
gap = st.one_of(st.integers(0, 2000), st.integers(0, 120_000), st.integers(0, 40 * 86400_000))


def _settings(windows: list[dict[str, object]]) -> AvailabilitySettings:
    return AvailabilitySettings.model_validate({"timezone": ZONE, "windows": windows, "groups": GROUPS})


def _window_starts(engine_settings: AvailabilitySettings, now: float) -> dict[str, float]:
    """Window starts computed the plain way, independently of the engine's WindowClock."""
    zone = ZoneInfo(ZONE)
    local = datetime.fromtimestamp(now, zone)
    out = {}
    for w in engine_settings.windows:
        if w.rolling is not None:
            out[w.name] = now - w.rolling
        elif w.calendar == "day":
            out[w.name] = datetime(local.year, local.month, local.day, tzinfo=zone).timestamp()
        elif w.calendar == "month":
            out[w.name] = datetime(local.year, local.month, 1, tzinfo=zone).timestamp()
        else:
            out[w.name] = datetime(local.year, 1, 1, tzinfo=zone).timestamp()
    return out


def _run(ops: list[tuple[int, tuple[object, ...]]], final_gap: int, windows: list[dict[str, object]],
         by_second: bool) -> None:
    scale = 1000.0 if not by_second else 1.0
    settings_ = _settings(windows)
    clock = [T0]
    engine = AvailabilityEngine(settings_, clock=lambda: clock[0])
    open_engine(engine, now=T0)
    world = World(T0, {"pair": (1, ("a", "b")), "quorum": (2, ("pair", "c", "d"))})
    declared: list[tuple[str, Window]] = []

    def check(now: float) -> None:
        snap = engine.compute(now)
        starts = _window_starts(settings_, now)
        for i, svc in enumerate(snap.services):
            for w, name in enumerate(snap.frame.names):
                fig = snap.figures(i, w)
                got = {"up": fig.up, "down": fig.down, "unknown": fig.unknown,
                       "maintenance": fig.maintenance, "planned_down": fig.planned_down}
                if by_second:
                    want = world.totals_by_second(svc.name, int(starts[name]), int(now))
                else:
                    want = world.totals(svc.name, starts[name], now)
                for key in got:
                    assert got[key] == pytest.approx(want[key], abs=1e-3), (svc.name, name, key, got, want)

    t = T0
    for delay, action in ops:
        t += delay / scale
        clock[0] = t
        kind = action[0]
        if kind == "observe":
            _, target, state, staleness = action
            status, health = STATUS[str(state)]
            engine.observe(str(target), t, status, health, "", float(staleness))  # type: ignore[arg-type]
            world.outcomes.setdefault(str(target), []).append(
                Outcome(t, DOWN if state == "critical" else str(state), float(staleness)))  # type: ignore[arg-type]
        elif kind == "maintenance":
            _, names, start_in, length = action
            names = tuple(n for n in names if n in engine.services)  # type: ignore[union-attr]
            if not names:
                continue
            start = t + int(start_in) / scale  # type: ignore[call-overload]
            end = None if length is None else start + int(length) / scale  # type: ignore[call-overload]
            window = engine.declare_maintenance(names, start, end, "work", "tester", force=True)
            mirror = Window(names, window.start, window.end)
            world.windows.append(mirror)
            declared.append((window.id, mirror))
        elif kind == "end_maintenance":
            if not declared:
                continue
            wid, mirror = declared[int(action[1]) % len(declared)]  # type: ignore[call-overload]
            if engine.maintenance[wid].status(t) != "active":
                continue
            engine.end_maintenance(wid, "tester")
            mirror.end = t
        else:
            check(t)
    check(t + final_gap / scale)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(st.tuples(gap, op), max_size=40), final_gap=gap)
def test_every_window_matches_an_interval_by_interval_count_to_the_millisecond(
        ops: list[tuple[int, tuple[object, ...]]], final_gap: int) -> None:
    windows = [{"name": "1m", "rolling": 60}, {"name": "1h", "rolling": "1h"}, {"name": "1d", "rolling": "1d"},
               {"name": "30d", "rolling": "30d"}, {"name": "365d", "rolling": "365d"},
               {"name": "day", "calendar": "day"}, {"name": "month", "calendar": "month"},
               {"name": "year", "calendar": "year"}]
    _run(ops, final_gap, windows, by_second=False)


small_gap = st.integers(0, 900)
small_op = st.one_of(
    st.tuples(st.just("observe"), st.sampled_from(TARGETS), st.sampled_from(sorted(STATUS)),
              st.sampled_from([5, 60, 600])),
    st.tuples(st.just("maintenance"), st.lists(st.sampled_from(TARGETS), min_size=1, max_size=2, unique=True),
              st.integers(0, 600), st.one_of(st.none(), st.integers(1, 1800))),
    st.tuples(st.just("end_maintenance"), st.integers(0, 5)),
    st.tuples(st.just("compute"),),
)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(st.tuples(small_gap, small_op), max_size=25), final_gap=small_gap)
def test_every_window_matches_a_second_by_second_count(ops: list[tuple[int, tuple[object, ...]]],
                                                      final_gap: int) -> None:
    windows = [{"name": "5m", "rolling": 300}, {"name": "1h", "rolling": "1h"}, {"name": "day", "calendar": "day"}]
    _run(ops, final_gap, windows, by_second=True)
