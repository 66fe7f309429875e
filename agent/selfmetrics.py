"""The agent's own health, sent through the outbox like any reading (target = the agent id).

Spool depth and drops, batches delivered and polls per target and status reach the collector
as ordinary readings, so an agent that cannot deliver shows it as soon as it can again.
"""

from __future__ import annotations

import asyncio
import time

import structlog

from agent import names
from agent.outbox import Outbox
from agent.scheduler import Scheduler
from agent.sender import Sender
from tierwatch_common.wire import Reading

log = structlog.get_logger("agent.selfmetrics")

METRICS: dict[str, tuple[str, str]] = {
    names.AGENT_OUTBOX_ITEMS: ("gauge", "Readings and poll outcomes waiting in the agent's outbox."),
    names.AGENT_OUTBOX_BYTES: ("gauge", "Bytes the agent's outbox holds."),
    names.AGENT_OUTBOX_DROPPED: ("counter", "Readings and outcomes dropped because the outbox was full or too old."),
    names.AGENT_BATCHES_SENT: ("counter", "Batches a collector acknowledged since the agent started."),
    names.AGENT_POLLS: ("counter", "Polls since the agent started, by polled target and status."),
}


def self_readings(agent_id: str, outbox: Outbox, scheduler: Scheduler, sender: Sender,
                  now: float | None = None) -> list[Reading]:
    now = time.time() if now is None else now
    st = outbox.stats()
    out = [
        Reading(agent_id, names.AGENT_OUTBOX_ITEMS, (), float(st.depth_items), now),
        Reading(agent_id, names.AGENT_OUTBOX_BYTES, (), float(st.depth_bytes), now),
        Reading(agent_id, names.AGENT_OUTBOX_DROPPED, (), float(st.dropped_total), now),
        Reading(agent_id, names.AGENT_BATCHES_SENT, (), float(sender.stats.sent), now),
    ]
    for (target, status), count in sorted(scheduler.polls.items()):
        out.append(Reading(target, names.AGENT_POLLS, (("status", status),), float(count), now))
    return out


async def emit_self_metrics(agent_id: str, interval: float, outbox: Outbox, scheduler: Scheduler,
                            sender: Sender) -> None:
    """Put the agent's self-metrics into the outbox every `interval` seconds (until cancelled)."""
    while True:
        await asyncio.sleep(interval)
        await outbox.put([], self_readings(agent_id, outbox, scheduler, sender), METRICS)
