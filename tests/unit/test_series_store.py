"""The latest-value store: newest value wins, series expire after their target's TTL."""

from __future__ import annotations

from collector.store import SeriesStore
from tierwatch_common.models import Batch, Outcome, Reading


def make_batch(seq: int, ts: float, value: float, *, interval: float = 10.0, target: str = "pdu-a",
               outcome_interval: float = 0.0) -> Batch:
    return Batch("agent-1", seq, ts, interval,
                 [Outcome(target, "ok", ts, 0.1, outcome_interval, 1, "ok")],
                 [Reading(target, "tierwatch_pdu_power_watts", (("phase", "1"),), value, ts)])


def test_the_newest_reading_wins_and_a_late_older_one_does_not_overwrite_it() -> None:
    store = SeriesStore()
    store.apply(make_batch(1, 200.0, 5.0), now=200.0)
    store.apply(make_batch(2, 100.0, 1.0), now=201.0)
    (sample,) = store.metrics["tierwatch_pdu_power_watts"].values()
    assert sample.value == 5.0 and store.live_series == 1


def test_a_series_expires_after_ttl_factor_times_its_targets_interval() -> None:
    store = SeriesStore(ttl_factor=3.0, min_ttl=1.0)
    store.apply(make_batch(1, 100.0, 5.0, interval=10.0, outcome_interval=30.0), now=100.0)
    assert store.expire(now=100.0 + 89.0) == 0  # the target polls every 30 s: TTL 90 s
    assert store.expire(now=100.0 + 91.0) == 1
    assert store.metrics == {} and store.targets == {} and store.live_series == 0


def test_without_a_target_interval_the_batch_interval_sets_the_ttl() -> None:
    store = SeriesStore(ttl_factor=3.0, min_ttl=1.0)
    store.apply(make_batch(1, 100.0, 5.0, interval=10.0), now=100.0)
    assert store.expire(now=129.0) == 0
    assert store.expire(now=131.0) == 1


def test_a_fresh_write_keeps_a_series_alive() -> None:
    store = SeriesStore(ttl_factor=3.0, min_ttl=1.0)
    store.apply(make_batch(1, 100.0, 5.0), now=100.0)
    store.apply(make_batch(2, 125.0, 6.0), now=125.0)
    assert store.expire(now=140.0) == 0
    assert store.expired_total == 0
