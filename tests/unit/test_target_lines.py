"""Per-target poll state lines kept between scrapes equal a fresh render after every new outcome."""

from __future__ import annotations

from collector.exporter import ReadingsExporter
from collector.store import SeriesStore
from collector.textformat import TextSink
from tierwatch_common.models import Batch, Outcome


def page(exporter: ReadingsExporter) -> bytes:
    sink = TextSink()
    for _ in exporter.emit(sink):
        pass
    return sink.text()


def test_target_lines_kept_across_outcomes_agents_and_places_equal_a_fresh_render() -> None:
    store = SeriesStore(min_ttl=1e9)
    store.node_labels["ups-a"] = (("feed", "A"), ("room", "hall-1"))
    kept = ReadingsExporter(store, clock=lambda: 100.0)
    steps = [
        ("agent-1", Outcome("ups-a", "ok", 10.0, 0.25, 15.0, 12, "ok", "", 40)),
        ("agent-1", Outcome("ups-a", "timeout", 25.0, 3.0, 15.0, 0, "unknown", "no answer", 0)),
        ("agent-2", Outcome("ups-a", "ok", 40.0, 0.5, 15.0, 12, "degraded", "on battery", 41)),  # another agent
        ("agent-2", Outcome("pdu-b", "ok", 41.0, 0.2, 15.0, 3, "critical", "overload", 9)),
    ]
    for seq, (agent, outcome) in enumerate(steps, start=1):
        store.apply(Batch(agent, seq, outcome.started_at, 15.0, [outcome], []), now=outcome.started_at + 1)
        if seq == 3:
            store.node_labels["ups-a"] = (("feed", "B"),)       # moved in the hall model
        assert page(kept) == page(ReadingsExporter(store, clock=lambda: 100.0)), seq
    text = page(kept).decode()
    assert 'tierwatch_target_up{agent="agent-2",feed="B",target="ups-a"} 1.0' in text
    assert 'agent="agent-1"' not in text.split("# HELP tierwatch_collector_agent_last_batch")[0]
