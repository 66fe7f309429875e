"""series.max_live bounds the live series by count: new ones beyond it are refused and counted."""

from __future__ import annotations

from collector.store import Applied, SeriesStore
from tierwatch_common.models import Batch, Outcome, Reading

METRIC = "tierwatch_pdu_outlet_power_watts"


def outlets(seq: int, ts: float, first: int, count: int, value: float = 100.0) -> Batch:
    return Batch("agent-1", seq, ts, 10.0, [Outcome("pdu-a", "ok", ts, 0.1, 10.0, count, "ok")],
                 [Reading("pdu-a", METRIC, (("outlet", str(k)),), value, ts) for k in range(first, first + count)])


def live_outlets(store: SeriesStore) -> set[str]:
    family = store.families.get(METRIC)
    return set() if family is None else {dict(labels)["outlet"] for _, labels in family.keys}


def test_readings_that_would_add_series_beyond_max_live_are_refused_and_counted() -> None:
    store = SeriesStore(ttl_factor=3.0, min_ttl=1.0, max_live=3)
    assert store.apply(outlets(1, 100.0, 0, 5), now=100.0) == Applied(accepted=3, refused=2)
    assert store.live_series == 3 and store.refused_total == 2
    assert live_outlets(store) == {"0", "1", "2"}                  # the first ones in the batch, in order


def test_live_series_keep_taking_new_values_when_the_store_is_full() -> None:
    store = SeriesStore(ttl_factor=3.0, min_ttl=1.0, max_live=3)
    store.apply(outlets(1, 100.0, 0, 3), now=100.0)
    assert store.apply(outlets(2, 110.0, 1, 3, value=7.0), now=110.0) == Applied(accepted=2, refused=1)
    assert store.get(METRIC, "pdu-a", (("outlet", "2"),)).value == 7.0  # type: ignore[union-attr]
    assert store.get(METRIC, "pdu-a", (("outlet", "3"),)) is None


def test_room_comes_back_as_series_expire() -> None:
    store = SeriesStore(ttl_factor=3.0, min_ttl=1.0, max_live=3)
    store.apply(outlets(1, 100.0, 0, 3), now=100.0)               # TTL 30 s
    store.apply(outlets(2, 120.0, 0, 1), now=120.0)               # outlet 0 stays alive
    assert store.expire(now=135.0) == 2 and store.live_series == 1
    assert store.apply(outlets(3, 136.0, 10, 3), now=136.0) == Applied(accepted=2, refused=1)
    assert live_outlets(store) == {"0", "10", "11"} and store.refused_total == 1
