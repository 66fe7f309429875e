"""Late outcomes (replayed from an agent's spool) rewrite the unknown time they cover, exactly.

Each test pins the defect "late outcomes never repair history": outcomes replayed after an
outage used to be placed no earlier than the moment the target went unknown.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.availability.engine import AvailabilityEngine
from collector.availability.restore import open_engine
from collector.availability.settings import AvailabilitySettings
from collector.availability.store import AvailabilityStore

T0 = 1_750_000_000.0
STALE = 45.0  # 3 x 15 s


def make(now: list[float], loaded: object = None, **settings: object) -> AvailabilityEngine:
    eng = AvailabilityEngine(AvailabilitySettings.model_validate(settings), clock=lambda: now[0])
    open_engine(eng, loaded, now=now[0])  # type: ignore[arg-type]
    return eng


def figures(eng: AvailabilityEngine, service: str):  # noqa: ANN201
    snap = eng.compute()
    return snap.figures([s.name for s in snap.services].index(service), list(snap.frame.names).index("1h"))


def polls(now: list[float], eng: AvailabilityEngine, target: str, start: float, end: float,
          status: str = "ok") -> None:
    """Outcomes every 15 s from T0 + start to T0 + end; the clock is at least at each one."""
    t = start
    while t <= end:
        now[0] = max(now[0], T0 + t)
        eng.observe(target, T0 + t, status, "ok" if status == "ok" else "unknown", "", STALE)
        t += 15


def test_outcomes_replayed_after_an_agent_was_cut_off_put_each_state_at_its_own_instant() -> None:
    now = [T0]
    eng = make(now)
    polls(now, eng, "pdu", 0, 60)
    now[0] = T0 + 300
    assert figures(eng, "pdu").unknown == pytest.approx(195)  # silent since 60: unknown from 105
    polls(now, eng, "pdu", 75, 90, status="timeout")                # what the agent spooled meanwhile
    polls(now, eng, "pdu", 105, 300)
    fig = figures(eng, "pdu")
    assert (fig.up, fig.down, fig.unknown) == pytest.approx((270, 30, 0))
    assert eng.repaired >= 1 and eng.unrepairable == 0


def test_outcomes_replayed_after_the_collector_was_away_leave_no_unknown_and_the_store_keeps_the_repair(
        tmp_path: Path) -> None:
    now = [T0]
    store = AvailabilityStore(tmp_path / "a.sqlite")
    store.open()
    eng = make(now)
    polls(now, eng, "pdu", 0, 60)
    now[0] = T0 + 62
    store.write(eng.drain())                                   # last heartbeat, then the collector dies
    store.close()

    now[0] = T0 + 300
    store.open()
    back = make(now, store.load())
    assert figures(back, "pdu").unknown == pytest.approx(238)  # away from 62 to 300
    polls(now, back, "pdu", 75, 300)                                # the spool's replay
    store.write(back.drain())
    fig = figures(back, "pdu")
    assert (fig.up, fig.unknown) == pytest.approx((300, 0))
    store.close()

    store.open()
    again = make(now, store.load())                            # what was written is the repaired history
    fig = figures(again, "pdu")
    assert (fig.up, fig.unknown) == pytest.approx((300, 0))
    store.close()


def test_a_group_containing_a_repaired_target_is_recomputed_from_the_repaired_instant() -> None:
    now = [T0]
    eng = make(now, groups={"feed": {"all_of": ["pdu-a", "pdu-b"]}})
    polls(now, eng, "pdu-a", 0, 60)
    polls(now, eng, "pdu-b", 0, 60)
    now[0] = T0 + 120
    polls(now, eng, "pdu-b", 75, 120)
    assert figures(eng, "feed").unknown == pytest.approx(15)   # pdu-a unknown from 105
    polls(now, eng, "pdu-a", 75, 75, status="timeout")
    polls(now, eng, "pdu-a", 90, 120)
    fig = figures(eng, "feed")
    assert (fig.up, fig.down, fig.unknown) == pytest.approx((105, 15, 0))


def test_outcomes_older_than_the_repair_horizon_are_not_repaired_and_are_counted() -> None:
    now = [T0]
    eng = make(now, repair_horizon=100)
    polls(now, eng, "pdu", 0, 60)
    now[0] = T0 + 400
    assert figures(eng, "pdu").unknown == pytest.approx(295)
    polls(now, eng, "pdu", 75, 75)                                  # 325 s late: past the horizon
    assert eng.unrepairable == 1 and eng.repaired == 0
    assert figures(eng, "pdu").unknown == pytest.approx(295)   # unknown from 105 to 400 stays
