"""An agent whose collector refuses readings at its series limit counts them and says so once."""

from __future__ import annotations

import asyncio
import time

import pytest
from structlog.testing import capture_logs

from agent.outbox import MemoryOutbox
from tests.peers.collector_app import RunningCollector
from tests.peers.sender import sending
from tierwatch_common.models import Outcome, Reading

pytestmark = pytest.mark.integration


async def test_readings_a_collector_refuses_at_its_series_limit_are_counted_and_logged_once(
        running_collector: RunningCollector) -> None:
    async with running_collector(agents={"row-a-01": {"token": "t0k3n-for-tests"}},
                                 series={"max_live": 2}) as (url, _):
        outbox = MemoryOutbox(first_seq=1)
        with capture_logs() as logs:
            async with sending([url], outbox) as sender:
                for n in range(3):                      # three outlets, then the same three again
                    ts = time.time()
                    await outbox.put([Outcome("pdu-a", "ok", ts, 0.01, 1.0, 3, "ok")],
                                     [Reading("pdu-a", "tierwatch_pdu_outlet_power_watts", (("outlet", str(k)),),
                                              float(n), ts) for k in range(3)], {})
                    deadline = time.monotonic() + 10
                    while sender.stats.sent < n + 1:
                        assert time.monotonic() < deadline, "the batch was not acknowledged"
                        await asyncio.sleep(0.02)
    assert sender.stats.refused_readings == 3                 # one outlet in each of the three batches
    refusing = [e for e in logs if e["event"] == "collector_refusing_readings"]
    assert len(refusing) == 1 and refusing[0]["refused"] == {"series_limit": 1}
