"""The agent's own health, sent through the outbox like any reading.

Spool depth and drops, batches delivered or rejected, send failures and the SNMP client's
traffic are readings of the agent's own target (its id); polls, poll lag, skipped slots,
device reboots and counter wraps are readings of each polled target. They reach the collector
as ordinary readings, so an agent that cannot deliver shows it as soon as it can again.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import structlog

from agent import names
from agent.outbox import Outbox
from agent.scheduler import Scheduler
from agent.sender import Sender
from agent.snmp.protocol import CountingClient
from agent.sources.snmp import SnmpSource
from tierwatch_common.models import MetricInfo, Reading

if TYPE_CHECKING:
    from agent.traps.wiring import TrapService

log = structlog.get_logger("agent.selfmetrics")

METRICS: dict[str, MetricInfo] = {
    names.AGENT_OUTBOX_ITEMS: MetricInfo("gauge", "Readings and poll outcomes waiting in the agent's outbox."),
    names.AGENT_OUTBOX_BYTES: MetricInfo("gauge", "Bytes the agent's outbox holds."),
    names.AGENT_OUTBOX_DROPPED: MetricInfo("counter",
                                           "Readings and outcomes dropped because the outbox was full or too old."),
    names.AGENT_BATCHES_SENT: MetricInfo("counter", "Batches a collector acknowledged since the agent started."),
    names.AGENT_BATCHES_REJECTED: MetricInfo("counter",
                                             "Batches a collector refused as malformed (dropped, not retried)."),
    names.AGENT_SEND_FAILURES: MetricInfo("counter", "Batch deliveries that failed and were retried after a back-off."),
    names.AGENT_POLLS: MetricInfo("counter", "Polls since the agent started, by polled target and status."),
    names.AGENT_POLL_LAG: MetricInfo("gauge", "Seconds the target's last poll started after its scheduled slot."),
    names.AGENT_POLLS_SKIPPED: MetricInfo("counter",
                                          "Scheduled polls of the target skipped because the previous one overran."),
    names.AGENT_DEVICE_REBOOTS: MetricInfo("counter",
                                           "Device restarts seen (sysUpTime.0 went back) since the agent started."),
    names.AGENT_COUNTER_WRAPS: MetricInfo("counter",
                                          "Counter32 wraps of the target's counters corrected since the agent started."),
    names.AGENT_SNMP_REQUESTS: MetricInfo("counter", "SNMP requests the agent sent (retries not included)."),
    names.AGENT_SNMP_VARBINDS: MetricInfo("counter", "SNMP varbinds the agent received."),
    names.AGENT_SNMP_BACKOFFS: MetricInfo("counter", "SNMP requests made smaller and sent again after tooBig."),
    names.AGENT_TRAPS_RECEIVED: MetricInfo("counter",
                                           "SNMP traps and informs accepted from the target, by trap (profile name)."),
    names.AGENT_TRAPS_DROPPED: MetricInfo("counter", "SNMP notifications the agent refused, by reason."),
    names.AGENT_TRAP_POLLS: MetricInfo("counter", "Immediate polls the target's traps asked for, by result "
                                                  "(triggered, limited by the token bucket, already running)."),
}


def self_readings(agent_id: str, outbox: Outbox, scheduler: Scheduler, sender: Sender,
                  now: float | None = None, snmp_client: object = None, traps: TrapService | None = None,
                  ) -> list[Reading]:
    now = time.time() if now is None else now
    st = outbox.stats()
    agent = [
        (names.AGENT_OUTBOX_ITEMS, st.depth_items),
        (names.AGENT_OUTBOX_BYTES, st.depth_bytes),
        (names.AGENT_OUTBOX_DROPPED, st.dropped_total),
        (names.AGENT_BATCHES_SENT, sender.stats.sent),
        (names.AGENT_BATCHES_REJECTED, sender.stats.rejected),
        (names.AGENT_SEND_FAILURES, sender.stats.failures),
    ]
    if isinstance(snmp_client, CountingClient):
        agent += [(names.AGENT_SNMP_REQUESTS, snmp_client.requests), (names.AGENT_SNMP_VARBINDS, snmp_client.varbinds),
                  (names.AGENT_SNMP_BACKOFFS, snmp_client.backoffs)]
    out = [Reading(agent_id, name, (), float(value), now) for name, value in agent]
    if traps is not None:
        out += trap_readings(agent_id, traps, now)
    for (target, status), count in sorted(scheduler.polls.items()):
        out.append(Reading(target, names.AGENT_POLLS, (("status", status),), float(count), now))
    for source in scheduler.sources:
        target = source.target
        if target in scheduler.lag:
            out.append(Reading(target, names.AGENT_POLL_LAG, (), scheduler.lag[target], now))
            out.append(Reading(target, names.AGENT_POLLS_SKIPPED, (), float(scheduler.skipped[target]), now))
        if isinstance(source, SnmpSource):
            out.append(Reading(target, names.AGENT_DEVICE_REBOOTS, (), float(source.reboots), now))
            out.append(Reading(target, names.AGENT_COUNTER_WRAPS, (), float(source.counter_wraps), now))
    return out


def trap_readings(agent_id: str, traps: TrapService, now: float) -> list[Reading]:
    out = [Reading(agent_id, names.AGENT_TRAPS_DROPPED, (("reason", reason),), float(n), now)
           for reason, n in sorted(traps.receiver.dropped.items())]
    out += [Reading(target, names.AGENT_TRAPS_RECEIVED, (("trap", trap),), float(n), now)
            for (target, trap), n in sorted(traps.path.received.items())]
    out += [Reading(target, names.AGENT_TRAP_POLLS, (("result", result),), float(n), now)
            for (target, result), n in sorted(traps.path.polls.items())]
    return out


async def emit_self_metrics(agent_id: str, interval: float, outbox: Outbox, scheduler: Scheduler,
                            sender: Sender, snmp_client: object = None, traps: TrapService | None = None) -> None:
    """Put the agent's self-metrics into the outbox every `interval` seconds (until cancelled)."""
    while True:
        await asyncio.sleep(interval)
        await outbox.put([], self_readings(agent_id, outbox, scheduler, sender, snmp_client=snmp_client,
                                           traps=traps), METRICS)
