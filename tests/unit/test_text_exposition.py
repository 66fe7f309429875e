"""The collector's own exposition text says exactly what prometheus-client would say."""

from __future__ import annotations

from prometheus_client import Counter
from prometheus_client.exposition import generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from collector.exporter import ReadingsExporter
from collector.exposition import ExpositionRegistry, render
from collector.store import SeriesStore
from collector.textformat import TextSink
from tierwatch_common.models import Batch, MetricInfo, Outcome, Reading

NASTY = 'quote " backslash \\ newline \n end'


def store_with_readings() -> SeriesStore:
    store = SeriesStore(min_ttl=1e9)
    batch = Batch("agent-1", 1, 100.0, 15.0, [Outcome("pdu-a", "ok", 100.0, 0.25, 15.0, 2, "degraded", "x", 40)],
                  [Reading("pdu-a", "tierwatch_pdu_power_watts", (("phase", "1"), ("where", NASTY)), 1234.5, 100.0),
                   Reading("pdu-a", "tierwatch_pdu_energy_joules_total", (), 3.5e10, 100.0)],
                  {"tierwatch_pdu_energy_joules_total": MetricInfo("counter", "Energy.\nSecond line \\ here.")})
    store.apply(batch, now=1e12)  # far future "now" is fine: min_ttl keeps everything alive
    return store


def samples(families) -> set[tuple[str, tuple[tuple[str, str], ...], float]]:  # noqa: ANN001
    return {(s.name, tuple(sorted(s.labels.items())), s.value) for f in families for s in f.samples
            if not s.name.endswith("_created")}


def types(families) -> dict[str, str]:  # noqa: ANN001
    return {f.name: f.type for f in families}


def registry() -> ExpositionRegistry:
    reg = ExpositionRegistry()
    reg.expose(ReadingsExporter(store_with_readings()))
    Counter("tierwatch_collector_test_events", "Events.", registry=reg).inc(3)
    return reg


async def test_the_text_format_carries_the_same_samples_types_and_escapes_as_prometheus_client() -> None:
    reg = registry()
    ours = (await render(reg, generate_latest, openmetrics=False)).decode()
    theirs = generate_latest(reg).decode()
    assert samples(parse_text(ours)) == samples(parse_text(theirs))
    assert types(parse_text(ours)) == types(parse_text(theirs))
    assert "# HELP tierwatch_pdu_energy_joules_total Energy.\\nSecond line \\\\ here." in ours
    assert 'where="quote \\" backslash \\\\ newline \\n end"' in ours


async def test_the_openmetrics_format_parses_and_ends_with_a_single_eof() -> None:
    reg = registry()
    ours = (await render(reg, generate_openmetrics, openmetrics=True)).decode()
    assert ours.endswith("# EOF\n") and ours.count("# EOF") == 1
    assert "# TYPE tierwatch_pdu_energy_joules counter" in ours
    assert "tierwatch_pdu_energy_joules_total{agent=\"agent-1\",target=\"pdu-a\"} 35000000000.0" in ours
    theirs = generate_openmetrics(reg).decode()
    assert samples(parse_openmetrics(ours)) == samples(parse_openmetrics(theirs))


def test_a_scrape_paused_midway_shows_every_series_once_and_drops_none_until_it_ends() -> None:
    import collector.exporter as exporter_module

    store = SeriesStore(ttl_factor=1.0, min_ttl=1.0)  # TTL 15 s: the batch interval
    readings = [Reading("pdu-a", f"tierwatch_m{i}", (), float(i), 100.0) for i in range(30)]
    store.apply(Batch("agent-1", 1, 100.0, 15.0, [], readings), now=100.0)
    exporter = ReadingsExporter(store, clock=lambda: 100.0)
    old_step, exporter_module.STEP_SERIES = exporter_module.STEP_SERIES, 1
    try:
        sink = TextSink()
        steps = exporter.emit(sink)
        next(steps)  # paused after the first series: a batch changes some and adds others; time passes
        store.apply(Batch("agent-1", 2, 101.0, 15.0, [],
                          [Reading("pdu-a", f"tierwatch_m{i}", (), 1000.0, 101.0) for i in range(20, 40)]), now=101.0)
        assert store.expire(now=115.5) == 0 and store.live_series == 40  # nothing dropped while the scrape runs
        for _ in steps:
            pass
    finally:
        exporter_module.STEP_SERIES = old_step
    text = sink.text().decode()
    names = [s.name for f in parse_text(text) for s in f.samples if s.name.startswith("tierwatch_m")]
    assert sorted(names) == sorted(f"tierwatch_m{i}" for i in range(30))  # each once; newcomers wait
    assert store.expire(now=115.5) == 20 and store.live_series == 20  # once it ended, the silent ones go


def test_both_sinks_receive_the_same_samples_from_one_emitter() -> None:
    store = store_with_readings()
    exporter = ReadingsExporter(store)
    sink = TextSink()
    for _ in exporter.emit(sink):
        pass
    assert samples(parse_text(sink.text().decode())) == samples(exporter.collect())
