"""The wire format's validator: strict, and it reports every problem at once."""

from __future__ import annotations

import math

from tierwatch_common.wire import Limits, validate_batch


def batch(**over: object) -> dict:
    base = {"version": 1, "agent": "row-a-01", "seq": 7, "sent_at": 1_700_000_000.0, "interval": 15.0,
            "outcomes": [{"target": "pdu-a", "status": "ok", "started_at": 1_700_000_000.0, "duration": 0.2,
                          "interval": 30.0, "readings": 1, "health": "ok", "reason": ""}],
            "readings": [{"target": "pdu-a", "metric": "tierwatch_pdu_power_watts", "labels": {"phase": "1"},
                          "value": 1200.5, "ts": 1_700_000_000.1}]}
    base.update(over)
    return base


def test_a_valid_batch_is_accepted_with_sorted_labels() -> None:
    b, problems = validate_batch(batch())
    assert problems == [] and b is not None
    assert b.readings[0].labels == (("phase", "1"),)
    assert b.outcomes[0].interval == 30.0


def test_every_problem_is_reported_not_only_the_first() -> None:
    bad = batch(seq=-1, readings=[
        {"target": "pdu-a", "metric": "9bad", "value": 1.0, "ts": 1.0},
        {"target": "pdu-a", "metric": "ok_name", "value": "x", "ts": 1.0},
        {"target": "pdu-a", "metric": "ok_name", "value": 1.0, "ts": 1.0, "labels": {"__x": "1"}},
    ])
    b, problems = validate_batch(bad)
    assert b is None
    joined = "\n".join(problems)
    assert "batch.seq" in joined and "readings[0].metric" in joined
    assert "readings[1].value" in joined and "readings[2].labels" in joined


def test_non_finite_and_huge_numbers_are_refused() -> None:
    for value in (math.inf, -math.inf, math.nan, 1e308 * 10):
        b, problems = validate_batch(batch(readings=[{"target": "t", "metric": "m", "value": value, "ts": 1.0}]))
        assert b is None and any("finite" in p for p in problems)


def test_booleans_are_not_numbers() -> None:
    b, problems = validate_batch(batch(readings=[{"target": "t", "metric": "m", "value": True, "ts": 1.0}]))
    assert b is None and "readings[0].value" in problems[0]


def test_label_count_is_bounded_by_the_limits() -> None:
    labels = {f"l{i}": "v" for i in range(5)}
    b, problems = validate_batch(batch(readings=[{"target": "t", "metric": "m", "value": 1, "ts": 1.0,
                                                  "labels": labels}]), Limits(max_labels=4))
    assert b is None and "exceed the limit of 4" in problems[0]


def test_reserved_labels_cannot_be_sent_by_an_agent() -> None:
    b, problems = validate_batch(batch(readings=[{"target": "t", "metric": "m", "value": 1, "ts": 1.0,
                                                  "labels": {"target": "spoofed"}}]))
    assert b is None and "reserved" in problems[0]


def test_unknown_fields_and_versions_are_errors() -> None:
    b, problems = validate_batch(batch(version=2, extra=1))
    assert b is None
    assert any("unsupported version" in p for p in problems) and any("batch.extra" in p for p in problems)


def test_a_body_that_is_not_an_object_is_refused() -> None:
    for body in ([], "x", 3, None):
        b, problems = validate_batch(body)
        assert b is None and problems == ["batch: must be an object"]


def test_the_problem_list_is_capped_so_a_huge_bad_batch_gets_a_short_answer() -> None:
    readings = [{"target": "t", "metric": "bad name", "value": 1, "ts": 1.0}] * 500
    b, problems = validate_batch(batch(readings=readings))
    assert b is None and len(problems) == 51 and problems[-1] == "... and 450 more problems"


def test_a_name_ending_in_a_newline_is_refused() -> None:
    # `$` in a Python pattern also matches before a final newline; the wire's names may not end in one.
    b, problems = validate_batch(batch(agent="row-a-01\n", readings=[
        {"target": "pdu-a\n", "metric": "tierwatch_x\n", "value": 1, "ts": 1.0, "labels": {"phase\n": "1"}}]))
    assert b is None
    assert problems == [
        "batch.agent: must be 1-128 characters of letters, digits, '.', '_', ':' or '-'",
        "batch.readings[0].target: invalid target name",
        "batch.readings[0].metric: invalid metric name 'tierwatch_x\\n'",
        "batch.readings[0].labels: invalid or reserved label name 'phase\\n'",
    ]


def test_label_names_are_checked_exactly_as_prometheus_and_the_reserved_words_say() -> None:
    import random

    from tierwatch_common.vocabulary import RESERVED_LABELS
    from tierwatch_common.wireformat import LABEL_NAME_RE

    rng = random.Random(7)
    alphabet = "agentr_AZ09-x"
    names = ["", "_", "__", "___", "_a", "a", "agent", "agents", "agen", "target", "targe", "targets", "Target",
             "tar_get", "_agent", "9a", "a9", "__name__", "t", "ta"]
    names += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
    for name in names:
        want = bool(LABEL_NAME_RE.match(name)) and not name.startswith("__") and name not in RESERVED_LABELS
        b, problems = validate_batch(batch(readings=[{"target": "t", "metric": "m", "value": 1, "ts": 1.0,
                                                      "labels": {name: "v"}}]))
        assert (b is not None) == want, (name, problems)


def test_metric_metadata_keeps_its_type_and_a_bounded_help() -> None:
    b, problems = validate_batch(batch(metrics={"tierwatch_pdu_power_watts": {"type": "gauge", "help": "h" * 600},
                                                "tierwatch_x_total": {"type": "counter"}}))
    assert problems == [] and b is not None
    assert b.metrics["tierwatch_pdu_power_watts"] == ("gauge", "h" * 500)
    assert b.metrics["tierwatch_x_total"].type == "counter" and b.metrics["tierwatch_x_total"].help == ""


def test_labels_come_out_in_canonical_order_whatever_order_they_were_sent_in() -> None:
    readings = [{"target": "t", "metric": "m", "value": 1, "ts": 1.0, "labels": {"b": "2", "a": "1", "c": "3"}},
                {"target": "t", "metric": "m", "value": 1, "ts": 1.0, "labels": {"c": "3", "a": "1", "b": "2"}}]
    b, _ = validate_batch(batch(readings=readings))
    assert b is not None
    assert b.readings[0].labels == b.readings[1].labels == (("a", "1"), ("b", "2"), ("c", "3"))
