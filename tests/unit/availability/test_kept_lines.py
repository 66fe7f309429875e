"""The availability lines kept between scrapes say, byte for byte, what a from-scratch render says."""

from __future__ import annotations

import re
from array import array

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families as parse_text

from collector.availability.engine import AvailabilityEngine
from collector.availability.exporter import AvailabilityExporter
from collector.availability.report import figures, steady
from collector.availability.restore import open_engine
from collector.availability.settings import AvailabilitySettings, SloPolicy
from collector.availability.timeline import MAINT, UNTRACKED, WIDTH
from collector.availability.vocabulary import DEGRADED, DOWN, OK, UNKNOWN
from collector.textformat import TextSink
from tests.hypothesis_profiles import examples

T0 = 1_709_251_000.0          # a little before midnight UTC at the end of February 2024 (leap year)
TARGETS = ("a", "b", "c", "d")
GROUPS = {"pair": {"any_of": ["a", "b"]}, "quorum": {"at_least": 2, "of": ["pair", "c", "d"]}}
STATUS = {"ok": ("ok", "ok"), "degraded": ("ok", "degraded"), "down": ("timeout", "unknown"),
          "critical": ("ok", "critical")}
COMPUTE_LINE = re.compile(rb"^tierwatch_availability_compute_duration_seconds .*$", re.M)


def _settings() -> AvailabilitySettings:
    return AvailabilitySettings.model_validate({
        "windows": [{"name": "1m", "rolling": 60}, {"name": "1h", "rolling": "1h"}, {"name": "1d", "rolling": "1d"},
                    {"name": "day", "calendar": "day"}, {"name": "month", "calendar": "month"}],
        "groups": GROUPS,
        "services": {"c": {"unknown_time": "down", "maintenance_time": "counted"}, "d": {"unknown_time": "up"},
                     "quorum": {"maintenance_time": "counted", "slo": 0.999}}})


def text(exporter: AvailabilityExporter) -> bytes:
    sink = TextSink()
    for _ in exporter.emit(sink):
        pass
    return COMPUTE_LINE.sub(b"", sink.text())  # the computation's own duration differs from run to run


class Hall:
    """An engine on an injected clock, scraped by kept lines and from scratch at the same instants."""

    def __init__(self) -> None:
        self.t = T0
        self.engine = AvailabilityEngine(_settings(), clock=lambda: self.t)
        open_engine(self.engine, now=T0)
        self.kept = AvailabilityExporter(self.engine)
        self.reference = AvailabilityExporter(self.engine, from_scratch=True)
        self.windows: list[str] = []
        self.scrapes = 0

    def observe(self, target: str, state: str, staleness: float = 90.0) -> None:
        status, health = STATUS[state]
        self.engine.observe(target, self.t, status, health, state, staleness)

    def maintenance(self, names: tuple[str, ...], start_in: float, length: float | None) -> None:
        names = tuple(n for n in names if n in self.engine.services or n in GROUPS)
        if names:
            start = self.t + start_in
            window = self.engine.declare_maintenance(names, start, None if length is None else start + length,
                                                     "work", "tester", force=True)
            self.windows.append(window.id)

    def end_maintenance(self, which: int) -> None:
        if self.windows:
            wid = self.windows[which % len(self.windows)]
            if self.engine.maintenance[wid].status(self.t) == "active":
                self.engine.end_maintenance(wid, "tester")

    def scrape_both(self) -> tuple[bytes, bytes]:
        self.scrapes += 1
        return text(self.kept), text(self.reference)


def test_kept_lines_equal_a_fresh_render_through_state_changes_window_slides_and_maintenance() -> None:
    hall = Hall()
    for target in TARGETS:
        hall.observe(target, "ok")
    steps = [
        (15, lambda: None),                                   # time passes, nothing changes
        (15, lambda: hall.observe("a", "ok")),                # counters move
        (20, lambda: hall.observe("b", "down")),              # a member down: the pair still up
        (45, lambda: hall.observe("b", "ok")),                # the 1m window still holds the outage ...
        (30, lambda: None),                                   # ... and no longer does
        (10, lambda: hall.observe("c", "degraded")),
        (5, lambda: hall.maintenance(("d",), 0, 120)),
        (60, lambda: hall.observe("d", "critical")),          # down under maintenance: planned
        (90, lambda: None),                                   # the maintenance ended by itself
        (200, lambda: None),                                  # everything silent: unknown
        (3600, lambda: hall.observe("a", "ok", 10 * 86400)),  # the 1h window slid past all of it
        (86400 * 3, lambda: hall.observe("c", "ok")),         # a day, then a month turned
    ]
    assert hall.scrape_both()[0] == hall.scrape_both()[1]
    for gap, act in steps:
        hall.t += gap
        act()
        kept, reference = hall.scrape_both()
        assert kept == reference, (gap, hall.t)
        again, _ = hall.scrape_both()                         # an immediate second scrape: the same
        assert again == reference
    families = {f.name for f in parse_text(kept.decode())}
    assert {"tierwatch_service_availability_ratio", "tierwatch_group_redundancy_ratio",
            "tierwatch_service_downtime_seconds"} <= families


op = st.one_of(
    st.tuples(st.just("observe"), st.sampled_from(TARGETS), st.sampled_from(sorted(STATUS)),
              st.sampled_from([5.0, 90.0, 3600.0])),
    st.tuples(st.just("maintenance"), st.lists(st.sampled_from(TARGETS + ("pair",)), min_size=1, max_size=2,
                                               unique=True),
              st.integers(0, 600), st.one_of(st.none(), st.integers(1, 7200))),
    st.tuples(st.just("end_maintenance"), st.integers(0, 5)),
    st.tuples(st.just("scrape"),),
)
gap = st.one_of(st.integers(0, 20), st.integers(0, 4000), st.integers(0, 40 * 86400))


@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(st.tuples(gap, op), max_size=40))
def test_kept_lines_equal_a_fresh_render_after_any_sequence_of_outcomes_maintenance_and_scrapes(
        ops: list[tuple[int, tuple[object, ...]]]) -> None:
    hall = Hall()
    for delay, action in ops:
        hall.t += delay
        kind = action[0]
        if kind == "observe":
            hall.observe(str(action[1]), str(action[2]), float(action[3]))  # type: ignore[arg-type]
        elif kind == "maintenance":
            hall.maintenance(tuple(action[1]), float(action[2]),  # type: ignore[arg-type]
                             None if action[3] is None else float(action[3]))  # type: ignore[arg-type]
        elif kind == "end_maintenance":
            hall.end_maintenance(int(action[1]))  # type: ignore[call-overload]
        kept, reference = hall.scrape_both() if kind == "scrape" else (b"", b"")
        assert kept == reference
    hall.t += 1
    kept, reference = hall.scrape_both()
    assert kept == reference


BUCKETS = (OK, DEGRADED, DOWN, UNKNOWN, MAINT + OK, MAINT + DEGRADED, MAINT + DOWN, MAINT + UNKNOWN)
seconds = st.one_of(st.just(0.0), st.floats(0.0, 1e7, allow_nan=False))


@settings(max_examples=examples(400), deadline=None)
@given(vec=st.lists(seconds, min_size=len(BUCKETS), max_size=len(BUCKETS)), gain=st.sampled_from(BUCKETS),
       lose=st.one_of(st.none(), st.just(UNTRACKED), st.sampled_from(BUCKETS)), group=st.booleans(),
       unknown_time=st.sampled_from(["excluded", "up", "down"]),
       maintenance_time=st.sampled_from(["excluded", "counted"]), dt=st.floats(0.001, 1e6))
def test_a_window_called_steady_gives_the_same_figures_bit_for_bit_after_any_time_has_passed(
        vec: list[float], gain: int, lose: int | None, group: bool, unknown_time: str, maintenance_time: str,
        dt: float) -> None:
    policy = SloPolicy(0.99982, unknown_time, maintenance_time)  # type: ignore[arg-type]
    before = array("d", [*vec, 0.0])
    if not steady(before, 0, policy, group, gain, lose):
        return
    after = before[:]
    after[gain] += dt
    if lose is not None:
        after[lose] -= dt
    was, now = figures(before, 0, policy, 86400.0), figures(after, 0, policy, 86400.0)
    assert (was.availability, was.planned_down, was.down, was.unknown, was.maintenance, was.budget_allowed,
            was.budget_remaining, was.budget_remaining_ratio, was.burn_rate) == \
        (now.availability, now.planned_down, now.down, now.unknown, now.maintenance, now.budget_allowed,
         now.budget_remaining, now.budget_remaining_ratio, now.burn_rate)
    if group:
        assert was.redundancy == now.redundancy


def test_a_healthy_window_is_steady_and_one_with_downtime_or_down_now_is_not() -> None:
    policy = SloPolicy(0.99982, "excluded", "excluded")
    healthy = array("d", [3000.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    assert steady(healthy, 0, policy, False, OK, OK) and steady(healthy, 0, policy, True, OK, UNTRACKED)
    with_outage = healthy[:]
    with_outage[DOWN] = 12.0
    assert not steady(with_outage, 0, policy, False, OK, OK)      # availability rises as up time grows
    assert not steady(healthy, 0, policy, False, DOWN, OK)        # down now: downtime grows
    assert not steady(healthy, 0, policy, False, OK, DOWN)        # an old outage leaves the window
    degraded = healthy[:]
    degraded[DEGRADED] = 5.0
    assert steady(degraded, 0, policy, False, OK, None) and not steady(degraded, 0, policy, True, OK, None)
    assert len(healthy) == WIDTH


def test_prometheus_clients_path_gets_the_same_samples_as_the_text() -> None:
    hall = Hall()
    for target in TARGETS:
        hall.observe(target, "ok")
    hall.t += 30
    hall.observe("b", "down")
    hall.t += 30
    page = text(hall.kept).decode()

    def samples(families) -> set[tuple[str, tuple[tuple[str, str], ...], float]]:  # noqa: ANN001
        return {(s.name, tuple(sorted(s.labels.items())), s.value) for f in families for s in f.samples
                if not s.name.startswith("tierwatch_availability_compute")}

    assert samples(hall.kept.collect()) == samples(parse_text(page))


def test_a_scrape_paused_midway_writes_its_own_instant_while_another_scrape_runs() -> None:
    import collector.availability.lines as lines_module

    hall = Hall()
    for i in range(6):
        hall.observe(TARGETS[i % 4], "ok")
    hall.t += 30
    old_step, lines_module.STEP_SERVICES = lines_module.STEP_SERVICES, 1
    try:
        paused = TextSink()
        steps = hall.kept.emit(paused)
        next(steps)                                           # one service written, then paused
        want = text(hall.reference)
        hall.t += 45
        hall.observe("a", "down")                             # meanwhile: a change and another scrape
        assert text(hall.kept) == text(hall.reference)
        for _ in steps:
            pass
    finally:
        lines_module.STEP_SERVICES = old_step
    assert COMPUTE_LINE.sub(b"", paused.text()) == want
