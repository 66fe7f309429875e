"""The model-based batch validator answers every batch of the recorded corpus as the hand-written
validator it replaced did: the same error texts in the same order, the same batch when valid."""

from __future__ import annotations

import json

import pytest

from tests.data.wire_corpus import CORPUS, answer, cases, fingerprint
from tierwatch_common.wire import Limits, validate_batch

RECORDED = json.loads(CORPUS.read_text())


def test_the_corpus_is_rebuilt_exactly_as_it_was_recorded() -> None:
    built = cases()
    assert len(built) == len(RECORDED)
    assert [fingerprint(c) for c in built] == [row["case"] for row in RECORDED]


@pytest.mark.parametrize("chunk", range(10))
def test_every_batch_gets_the_answer_recorded_from_the_hand_written_validator(chunk: int) -> None:
    mismatches = []
    for i, (case, row) in enumerate(zip(cases(), RECORDED)):
        if i % 10 != chunk:
            continue
        batch, problems = validate_batch(case["batch"], Limits(**case["limits"]))
        got = json.loads(json.dumps(answer(batch, problems)))
        if got != row["answer"]:
            mismatches.append((i, row["answer"], got))
    assert not mismatches, mismatches[:3]
