"""The clock-skew warning: once past the threshold, cleared under half of it, never once per batch."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from collector.skew import ClockSkew


def test_the_skew_warning_fires_once_past_the_threshold_and_clears_only_well_under_it() -> None:
    skew = ClockSkew(CollectorRegistry(), warn_after=2.0)
    with capture_logs() as logs:
        lags = [skew.record("row-a-01", 1000.0 - off, 1000.0) for off in (0.1, 2.5, 3.0, 1.9, 2.2, 0.5, 2.5)]
    assert lags == pytest.approx([0.1, 2.5, 3.0, 1.9, 2.2, 0.5, 2.5])
    assert [e["event"] for e in logs] == ["agent_clock_skewed", "agent_clock_skew_cleared", "agent_clock_skewed"]
    assert skew.record("row-a-01", 1010.0, 1000.0) == 0.0   # ahead: nothing to wait for
    assert skew.offsets["row-a-01"] == -10.0
