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
    sample = store.get("tierwatch_pdu_power_watts", "pdu-a", (("phase", "1"),))
    assert sample is not None and sample.value == 5.0 and store.live_series == 1
    assert store.families["tierwatch_pdu_power_watts"].lines == [b'{agent="agent-1",phase="1",target="pdu-a"} 5.0\n']


def test_a_series_expires_after_ttl_factor_times_its_targets_interval() -> None:
    store = SeriesStore(ttl_factor=3.0, min_ttl=1.0)
    store.apply(make_batch(1, 100.0, 5.0, interval=10.0, outcome_interval=30.0), now=100.0)
    assert store.expire(now=100.0 + 89.0) == 0  # the target polls every 30 s: TTL 90 s
    assert store.expire(now=100.0 + 91.0) == 1
    assert store.families == {} and store.targets == {} and store.live_series == 0


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


def test_a_rendered_line_follows_the_value_and_the_agent_and_a_moved_row_keeps_its_own() -> None:
    store = SeriesStore(ttl_factor=1.0, min_ttl=1.0)
    store.apply(make_batch(1, 100.0, 5.0, target="pdu-a"), now=100.0)
    store.apply(make_batch(2, 100.0, 7.0, target="pdu-b"), now=105.0)
    store.apply(make_batch(3, 101.0, 6.5, target="pdu-a"), now=101.0)
    family = store.families["tierwatch_pdu_power_watts"]
    assert family.lines[0] == b'{agent="agent-1",phase="1",target="pdu-a"} 6.5\n'
    other = Batch("agent-2", 1, 102.0, 10.0, [], [Reading("pdu-a", "tierwatch_pdu_power_watts", (("phase", "1"),),
                                                          6.5, 102.0)])
    store.apply(other, now=102.0)
    assert family.lines[0] == b'{agent="agent-2",phase="1",target="pdu-a"} 6.5\n'
    assert store.expire(now=113.0) == 1  # pdu-a (written at 102, TTL 10) goes; pdu-b's row moves up
    assert family.keys == [("pdu-b", (("phase", "1"),))] and family.index == {family.keys[0]: 0}
    assert family.lines == [b'{agent="agent-1",phase="1",target="pdu-b"} 7.0\n']
    assert store.get("tierwatch_pdu_power_watts", "pdu-b", (("phase", "1"),)).value == 7.0


def test_a_live_series_costs_the_store_under_300_bytes() -> None:
    # What a million live series need (bench/collector_rss.py measures the process: ~320 bytes each
    # with the interpreter's own overhead). Counted exactly by tracemalloc, batches decoded as ingest does.
    import gc
    import tracemalloc

    import orjson

    from tierwatch_common.wire import validate_batch

    def body(agent: int) -> bytes:
        now, target = 1_764_000_000.0, f"pdu-{agent:06d}"
        return orjson.dumps({
            "version": 1, "agent": f"row-{agent:06d}", "seq": 1, "sent_at": now, "interval": 30.0,
            "outcomes": [{"target": target, "status": "ok", "started_at": now, "duration": 0.1, "interval": 30.0}],
            "readings": [{"target": target, "metric": "tierwatch_pdu_outlet_power_watts",
                          "labels": {"outlet": str(k)}, "value": k * 1.5 + agent, "ts": now} for k in range(1000)]})

    store = SeriesStore()
    validate_batch(orjson.loads(body(0)))  # the validator's model and caches are built outside the count
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for agent in range(20):
            batch, problems = validate_batch(orjson.loads(body(agent)))
            assert batch is not None, problems
            store.apply(batch, now=1_764_000_000.0)
            del batch
        gc.collect()
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert store.live_series == 20_000
    assert used / store.live_series < 300, used / store.live_series
