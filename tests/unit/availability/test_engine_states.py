"""How outcomes become states and seconds: down, degraded, silence, budget, counters, storage."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.availability.engine import AvailabilityEngine
from collector.availability.restore import open_engine
from collector.availability.service import counters
from collector.availability.settings import AvailabilitySettings
from collector.availability.store import AvailabilityStore
from collector.availability.vocabulary import DEGRADED, DOWN, OK, UNKNOWN

T0 = 1_750_000_000.0
THIRTY_DAYS = 30 * 86400


def make(now: list[float], **settings: object) -> AvailabilityEngine:
    eng = AvailabilityEngine(AvailabilitySettings.model_validate(settings), clock=lambda: now[0])
    open_engine(eng, now=now[0])
    return eng


def figures(eng: AvailabilityEngine, service: str, window: str):  # noqa: ANN201
    snap = eng.compute()
    return snap.figures([s.name for s in snap.services].index(service), list(snap.frame.names).index(window))


def test_a_failed_poll_or_a_critical_health_is_down_and_degraded_health_is_still_up() -> None:
    now = [T0]
    eng = make(now)
    eng.observe("ups", T0, "ok", "critical", "battery failed", 60)
    assert eng.services["ups"].state == DOWN
    eng.observe("ups", T0 + 1, "ok", "degraded", "on battery", 60)
    assert eng.services["ups"].state == DEGRADED and eng.services["ups"].is_up
    eng.observe("ups", T0 + 2, "auth_error", "unknown", "", 60)
    assert eng.services["ups"].state == DOWN
    eng.observe("ups", T0 + 3, "ok", "unknown", "", 60)
    assert eng.services["ups"].state == OK


def test_a_silent_target_turns_unknown_exactly_at_its_staleness() -> None:
    now = [T0]
    eng = make(now)
    eng.observe("pdu", T0, "ok", "ok", "", 45)
    now[0] = T0 + 100
    fig = figures(eng, "pdu", "1h")
    assert eng.services["pdu"].state == UNKNOWN
    assert fig.up == pytest.approx(45) and fig.unknown == pytest.approx(55)
    assert fig.availability == 1.0          # unknown is excluded by default, never counted as up


@pytest.mark.parametrize(("policy", "expected"), [("excluded", 100 / 110), ("down", 100 / 200), ("up", 190 / 200)])
def test_the_unknown_time_policy_decides_how_unknown_counts(policy: str, expected: float) -> None:
    now = [T0]
    eng = make(now, unknown_time=policy)
    eng.observe("pdu", T0, "ok", "ok", "", 100)                  # up 100 s, then silent: unknown 90 s
    now[0] = T0 + 190
    eng.observe("pdu", T0 + 190, "error", "unknown", "", 1000)   # down 10 s
    now[0] = T0 + 200
    assert figures(eng, "pdu", "1h").availability == pytest.approx(expected, rel=1e-6)


def test_the_thirty_day_budget_is_seven_minutes_forty_seven_seconds_and_burns_by_downtime() -> None:
    now = [T0]
    eng = make(now)
    eng.observe("crac", T0, "ok", "ok", "", 10**9)
    now[0] = T0 + 86400
    eng.observe("crac", T0 + 86400, "timeout", "unknown", "", 10**9)
    now[0] = T0 + 86400 + 120
    eng.observe("crac", T0 + 86400 + 120, "ok", "ok", "", 10**9)
    now[0] = T0 + THIRTY_DAYS
    fig = figures(eng, "crac", "30d")
    assert fig.budget_allowed == pytest.approx(466.56)            # 7 min 46.56 s
    assert fig.down == pytest.approx(120)
    assert fig.budget_remaining == pytest.approx(346.56)
    assert fig.burn_rate == pytest.approx((120 / THIRTY_DAYS) / 0.00018)


def test_planned_downtime_is_kept_apart_and_out_of_the_slo_by_default() -> None:
    now = [T0]
    eng = make(now)
    eng.observe("crac", T0, "ok", "ok", "", 10**9)
    eng.declare_maintenance(("crac",), T0 + 100, T0 + 400, "compressor", "alice")
    now[0] = T0 + 200
    eng.observe("crac", T0 + 200, "error", "unknown", "", 10**9)
    now[0] = T0 + 300
    eng.observe("crac", T0 + 300, "ok", "ok", "", 10**9)
    now[0] = T0 + 1000
    fig = figures(eng, "crac", "1h")
    assert (fig.up, fig.down, fig.planned_down, fig.maintenance) == pytest.approx((700, 0, 100, 300))
    assert fig.availability == 1.0


def test_counters_never_go_back_when_a_late_outcome_revises_the_live_estimate() -> None:
    now = [T0]
    eng = make(now)
    eng.observe("pdu", T0, "ok", "ok", "", 600)
    now[0] = T0 + 60
    before = counters(eng.services["pdu"].cum_at_settled())
    eng.observe("pdu", T0 + 30, "timeout", "unknown", "", 600)    # arrives late, happened earlier
    after = counters(eng.services["pdu"].cum_at_settled())
    assert all(a >= b for a, b in zip(after, before))
    assert figures(eng, "pdu", "1h").down == pytest.approx(30)


def test_history_and_maintenance_survive_a_store_round_trip(tmp_path: Path) -> None:
    now = [T0]
    eng = make(now)
    store = AvailabilityStore(tmp_path / "a.sqlite")
    store.open()
    eng.observe("pdu", T0, "ok", "ok", "", 10**9)
    now[0] = T0 + 10
    eng.observe("pdu", T0 + 10, "timeout", "unknown", "cable", 10**9)
    eng.declare_maintenance(("pdu",), T0 + 20, T0 + 30, "fix", "alice")
    now[0] = T0 + 40
    store.write(eng.drain())
    store.close()

    now[0] = T0 + 100
    store = AvailabilityStore(tmp_path / "a.sqlite")
    store.open()
    again = AvailabilityEngine(AvailabilitySettings(), clock=lambda: now[0])
    open_engine(again, store.load())
    fig = figures(again, "pdu", "1h")
    assert (fig.up, fig.down, fig.maintenance, fig.unknown) == pytest.approx((10, 20, 10, 60))
    assert [r for _, _, r in again.services["pdu"].recent][:2] == ["ok", "cable"]
    assert len(again.maintenance) == 1
