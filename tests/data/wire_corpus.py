"""A corpus of wire batches, bad and good, and the answers the validator gave them.

`wire_corpus.json` was recorded once with the hand-written validator that the model-based one
replaced (`python -m tests.data.wire_corpus` at that version); `tests/unit/test_wire_corpus.py`
asserts that today's validator gives every batch the same answer: the same error texts in the
same order for a bad batch, the same readings, outcomes and metadata for a good one.

Only each batch's digest and answer are stored: the batches are rebuilt by `cases()`, by
mutating a valid batch with a seeded random generator: wrong types,
out-of-range numbers, missing and unknown fields, bad names, too many labels or readings, and
several problems at once (up to more than the 50 reported).
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).with_name("wire_corpus.json")

BAD_VALUES: list[Any] = [None, True, False, "x", "", -1, 0, 1, 7.5, -0.5, 1e300, -1e300, 1e299, 1e11, 1e11 - 1,
                         2**31, 2**31 - 1, 2**63, 2**63 - 1, 86400, 86400.5, [], {}, [1], {"a": 1}, "ok", "bad name",
                         "9x", "a" * 128, "a" * 129, "m" * 200, "m" * 201, "r" * 1025, "tierwatch_x", "x:y", "-x",
                         "gauge", "counter", "summary", float("inf"), float("-inf"), float("nan")]
LABEL_NAMES = ["phase", "__x", "_", "_x", "target", "agent", "9a", "a-b", "", "ok_1", "x" * 90]
LABEL_VALUES: list[Any] = ["1", "", 1, None, True, "v" * 1024, "v" * 1025, [], {}]


def pick(rng: random.Random, values: list[Any]) -> Any:
    return copy.deepcopy(rng.choice(values))


def base(rng: random.Random) -> dict[str, Any]:
    n_out = rng.randint(0, 3)
    n_read = rng.randint(0, 6)
    return {
        "version": 1, "agent": "row-a-01", "seq": rng.randint(0, 10**6), "sent_at": 1_700_000_000.0 + rng.random(),
        "interval": 15.0,
        "metrics": {"tierwatch_pdu_power_watts": {"type": "gauge", "help": "Power."},
                    "tierwatch_ups_output_total": {"type": "counter"}},
        "outcomes": [{"target": f"pdu-{i}", "status": rng.choice(["ok", "timeout", "auth_error", "error"]),
                      "started_at": 1_700_000_000.0, "duration": 0.2, "interval": 30.0, "readings": 2,
                      "health": rng.choice(["ok", "degraded", "critical", "unknown"]), "reason": "",
                      "varbinds": 4} for i in range(n_out)],
        "readings": [{"target": f"pdu-{i % 3}", "metric": "tierwatch_pdu_power_watts",
                      "labels": {"phase": str(i), "outlet": "A1"} if i % 2 else {},
                      "value": rng.uniform(-1e6, 1e6), "ts": 1_700_000_000.0 + i} for i in range(n_read)],
    }


def mutate(rng: random.Random, b: dict[str, Any]) -> None:
    kind = rng.randrange(14)
    if kind == 0:  # a batch field gets a wrong value
        b[rng.choice(["version", "agent", "seq", "sent_at", "interval", "outcomes", "readings", "metrics"])] = \
            pick(rng, BAD_VALUES)
    elif kind == 1:  # a batch field goes missing, or one is added
        if rng.random() < 0.5:
            b.pop(rng.choice(list(b)), None)
        else:
            b[rng.choice(["extra", "Version", "reading"])] = 1
    elif kind in (2, 3, 4) and isinstance(b.get("readings"), list) and b["readings"]:
        r = rng.choice(b["readings"])
        if not isinstance(r, dict):
            return
        op = rng.randrange(5)
        if op == 0:
            r[rng.choice(["target", "metric", "value", "ts", "labels"])] = pick(rng, BAD_VALUES)
        elif op == 1:
            r.pop(rng.choice(["target", "metric", "value", "ts", "labels"]), None)
        elif op == 2:
            r[rng.choice(["extra", "unit", "Labels"])] = pick(rng, BAD_VALUES)
        elif op == 3 and isinstance(r.get("labels"), dict):
            for _ in range(rng.randint(1, 3)):
                r["labels"][rng.choice(LABEL_NAMES)] = pick(rng, LABEL_VALUES)
        else:
            r["labels"] = {f"l{i}": "v" for i in range(rng.choice([5, 32, 33, 40]))}
    elif kind in (5, 6) and isinstance(b.get("outcomes"), list) and b["outcomes"]:
        o = rng.choice(b["outcomes"])
        if not isinstance(o, dict):
            return
        op = rng.randrange(3)
        fields = ["target", "status", "started_at", "duration", "interval", "readings", "health", "reason",
                  "varbinds"]
        if op == 0:
            o[rng.choice(fields)] = pick(rng, BAD_VALUES)
        elif op == 1:
            o.pop(rng.choice(fields), None)
        else:
            o[rng.choice(["extra", "Status"])] = 1
    elif kind == 7 and isinstance(b.get("metrics"), dict):
        name = rng.choice(["tierwatch_pdu_power_watts", "bad name", "9x", "", "m" * 201, "x" * 90 + " y", "ok:name"])
        b["metrics"][name] = pick(rng, [{"type": "gauge"}, {"type": "summary"}, {"type": "counter", "help": 3},
                                         {"help": "h"}, "gauge", None, {"type": "gauge", "help": "h", "unit": "W"},
                                         {"type": "gauge", "help": "h" * 600}])
    elif kind == 8 and isinstance(b.get("readings"), list):  # many bad readings at once (past the report cap)
        b["readings"].extend({"target": "t", "metric": "bad name", "value": 1, "ts": 1.0}
                             for _ in range(rng.choice([3, 49, 50, 51, 120])))
    elif kind == 9 and isinstance(b.get("readings"), list):
        b["readings"].append(pick(rng, BAD_VALUES))
    elif kind == 10 and isinstance(b.get("outcomes"), list):
        b["outcomes"].append(pick(rng, BAD_VALUES))
    elif kind == 11 and rng.random() < 0.1:
        b["outcomes"] = [{"target": "t", "status": "ok", "started_at": 1.0, "duration": 0.0}] * 10_001
    elif kind == 12 and isinstance(b.get("readings"), list):
        b["readings"].extend({"target": "t", "metric": "m", "value": 1, "ts": 1.0} for _ in range(12))
    elif kind == 13 and isinstance(b.get("readings"), list) and b["readings"]:
        b["readings"][rng.randrange(len(b["readings"]))] = {"target": "t\u00e9", "metric": "tierwatch_x", "value": 1, "ts": 1.0,
                            "labels": {"phase": "\u00e9\n\"\\"}}


LIMITS = [{}, {"max_labels": 4}, {"max_readings": 10}, {"max_label_value": 8}]


def cases(n: int = 3000, seed: int = 20261201) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for body in ([], "x", 3, None, {}, {"version": 1}):
        out.append({"limits": {}, "batch": body})
    for _ in range(n):
        b = base(rng)
        for _ in range(rng.choice([0, 1, 1, 2, 3, 5])):
            mutate(rng, b)
        out.append({"limits": rng.choice(LIMITS), "batch": copy.deepcopy(b)})
    return out


def answer(batch: Any, problems: list[str]) -> dict[str, Any]:
    """The validator's answer in a JSON-comparable form."""
    if batch is None:
        return {"errors": problems}
    return {"agent": batch.agent, "seq": batch.seq, "sent_at": batch.sent_at, "interval": batch.interval,
            "metrics": {k: list(v) for k, v in batch.metrics.items()},
            "outcomes": [[o.target, o.status, o.started_at, o.duration, o.interval, o.readings, o.health, o.reason,
                          o.varbinds] for o in batch.outcomes],
            "readings": [[r.target, r.metric, [list(p) for p in r.labels], r.value, r.ts] for r in batch.readings]}


def fingerprint(case: dict[str, Any]) -> str:
    """A short digest of a case, so a changed generator is told apart from a changed validator."""
    text = json.dumps(case, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def record() -> None:
    from tierwatch_common.wire import Limits, validate_batch

    rows = []
    for case in cases():
        batch, problems = validate_batch(case["batch"], Limits(**case["limits"]))
        rows.append({"case": fingerprint(case), "answer": answer(batch, problems)})
    CORPUS.write_text(json.dumps(rows, separators=(",", ":")) + "\n")
    bad = sum(1 for r in rows if "errors" in r["answer"])
    print(f"recorded {len(rows)} batches ({bad} refused) in {CORPUS}")


if __name__ == "__main__":
    record()
