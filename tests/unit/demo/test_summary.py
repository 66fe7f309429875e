"""The live summary `make demo` shows: one screen, services by state, budget, scenarios."""

from __future__ import annotations

from pathlib import Path

from tierwatch_demo.model import HallModel
from tierwatch_demo.scenarios import ScenarioBook
from tierwatch_demo.spec import load_hall
from tierwatch_demo.summary import render

HALL = Path(__file__).resolve().parents[3] / "config" / "demo" / "hall.yaml"


def availability(states: dict[str, tuple[str, str]]) -> dict:
    return {"services": {name: {"kind": kind, "state": state, "reason": f"{name} reason",
                                "windows": {"30d": {"error_budget_remaining_seconds": 400.0,
                                                    "error_budget_allowed_seconds": 466.6}}}
                         for name, (kind, state) in states.items()}}


def test_the_summary_counts_services_by_state_and_lists_what_is_not_ok_with_the_budget_left():
    book = ScenarioBook(HallModel(load_hall(HALL)))
    book.start("crac-failure")
    text = render(availability({"pdu-a01-a": ("target", "ok"), "pdu-a01-b": ("target", "up"),
                                "crac-2": ("target", "down"), "hall-1-cooling": ("group", "degraded"),
                                "hall-1": ("group", "degraded")}), book, {})
    assert "services: 2 up, 0 degraded, 1 down, 0 unknown, 0 maintenance" in text
    assert "groups:   0 ok, 2 degraded, 0 down, 0 unknown" in text
    assert "hall-1 30d: 400 s left of 467 s" in text
    assert "crac-2" in text and "crac-2 reason" in text and "pdu-a01-a " not in text
    assert "crac-failure" in text and "3/4 units running" in text
    assert len(text.splitlines()) < 40 and max(map(len, text.splitlines())) <= 100


def test_the_summary_says_so_while_the_collector_does_not_answer():
    text = render(None, ScenarioBook(HallModel(load_hall(HALL))), {})
    assert "collector: not answering yet" in text and "no scenario active" in text
