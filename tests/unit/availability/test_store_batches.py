"""The availability store writes a flush in a few statements, whatever its size, and loses no bit."""

from __future__ import annotations

import math
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.availability.records import FlushBatch
from collector.availability.store import AvailabilityStore
from tests.hypothesis_profiles import examples


def _batch(services: int, rows_per: int, at: float) -> FlushBatch:
    names = [f"pdu-{i:05d}" for i in range(services)]
    return FlushBatch(heartbeat=at,
                      rows=[(name, at + k * 0.001, k % 4, "timeout" if k % 2 else "") for name in names
                            for k in range(rows_per)],
                      services=[(name, "target", at - 100.0, at + 0.25, math.inf, at + 0.25) for name in names],
                      windows={})


def test_a_flush_of_a_thousand_services_is_a_handful_of_statements_not_one_per_row(tmp_path: Path) -> None:
    store = AvailabilityStore(tmp_path / "a.sqlite")
    store.open()
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    store.write(_batch(1000, 2, 1_780_000_000.0))            # new services: inserted
    first = len(statements)
    statements.clear()
    store.write(_batch(1000, 1, 1_780_000_030.0))            # the same services: updated
    assert first <= 6 and len(statements) <= 6, statements   # BEGIN, services, transitions, heartbeat, COMMIT
    loaded = store.load(recent=3)
    store.close()
    assert len(loaded.services) == 1000 and loaded.transitions == 3000
    svc = loaded.services["pdu-00999"]
    assert list(svc.timeline.times) == [1_780_000_000.0, 1_780_000_000.001, 1_780_000_030.0]
    assert list(svc.timeline.buckets) == [0, 1, 0]
    assert svc.last_at == svc.floor == 1_780_000_030.25 and svc.staleness == math.inf
    assert [reason for *_, reason in svc.recent] == ["", "timeout", ""]


instants = st.floats(min_value=0.0, max_value=4e9, allow_nan=False)


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(times=st.lists(instants, min_size=1, max_size=30, unique=True), last_at=instants,
       staleness=st.one_of(st.just(math.inf), st.floats(1e-3, 1e9)), floor=instants)
def test_every_time_written_is_read_back_as_the_same_double(tmp_path: Path, times: list[float], last_at: float,
                                                            staleness: float, floor: float) -> None:
    path = tmp_path / f"a-{len(list(tmp_path.iterdir()))}.sqlite"
    store = AvailabilityStore(path)
    store.open()
    ordered = sorted(times)
    store.write(FlushBatch(heartbeat=ordered[-1], rows=[("ups-a", t, i % 2, "") for i, t in enumerate(ordered)],
                           services=[("ups-a", "target", ordered[0], last_at, staleness, floor)], windows={}))
    store.write(FlushBatch(heartbeat=ordered[-1], rows=[], windows={},
                           services=[("ups-a", "target", ordered[0], last_at, staleness, floor)]))
    loaded = store.load(recent=0)
    store.close()
    svc = loaded.services["ups-a"]
    assert list(svc.timeline.times) == ordered
    assert (svc.created_at, svc.last_at, svc.staleness, svc.floor) == (ordered[0], last_at, staleness, floor)
