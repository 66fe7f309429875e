"""The shared models: one canonical label form, written as the same JSON by both ends' journals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from agent.config import SpoolSettings
from agent.spool import Spool
from collector.ledger import SqliteSeqLedger
from tierwatch_common.models import (Batch, MetricInfo, Outcome, Reading, canonical_labels, journal_rows,
                                     labels_json)


def test_canonical_labels_sort_by_name_from_a_mapping_or_pairs() -> None:
    assert canonical_labels({"phase": "1", "outlet": "A1"}) == (("outlet", "A1"), ("phase", "1"))
    assert canonical_labels([("b", "2"), ("a", "1")]) == (("a", "1"), ("b", "2"))
    assert canonical_labels({}) == ()


def test_labels_json_is_the_same_text_whatever_the_order() -> None:
    assert labels_json((("a", "1"), ("b", "\u00e9\""))) == '{"a":"1","b":"\u00e9\\""}'
    assert labels_json(canonical_labels({"b": "2", "a": "1"})) == labels_json((("a", "1"), ("b", "2")))
    assert labels_json(()) == "{}"


def test_metric_info_is_a_type_and_a_help_text() -> None:
    info = MetricInfo("counter", "Energy.")
    assert (info.type, info.help) == ("counter", "Energy.") and MetricInfo("gauge").help == ""


async def test_the_agent_spool_and_the_collector_ledger_journal_the_same_keys(tmp_path: Path) -> None:
    outcome = Outcome("pdu-a", "ok", 10.0, 0.1, 15.0, 2)
    readings = [Reading("pdu-a", "tierwatch_x", canonical_labels({"phase": "1", "outlet": "A1"}), 1.0, 10.0),
                Reading("pdu-a", "tierwatch_y", (), 2.0, 10.0)]
    spool = Spool(SpoolSettings(path=tmp_path / "spool.sqlite", journal_produced=True))
    await spool.put([outcome], readings, {"tierwatch_x": MetricInfo("gauge", "X.")})
    await spool.close()
    ledger = SqliteSeqLedger(tmp_path / "ledger.sqlite", journal=True)
    ledger.record("row-a-01", 1, Batch("row-a-01", 1, 10.0, 15.0, [outcome], readings))
    ledger.close()
    with sqlite3.connect(tmp_path / "spool.sqlite") as db:
        produced = db.execute("SELECT kind, target, metric, labels, ts FROM produced ORDER BY rowid").fetchall()
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        applied = db.execute("SELECT kind, target, metric, labels, ts FROM journal ORDER BY rowid").fetchall()
    assert produced == applied == journal_rows([outcome], readings)
    assert produced[1][3] == '{"outlet":"A1","phase":"1"}'
