"""Assembles a running agent from its config: sources, outbox, scheduler, sender."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import structlog

from agent.config import AgentConfig
from agent.profiles.loader import ProfileSet, load_profiles
from agent.outbox import MemoryOutbox, Outbox
from agent.scheduler import Scheduler
from agent.selfmetrics import emit_self_metrics
from agent.sender import Sender
from agent.sources.factory import build_sources

log = structlog.get_logger("agent.runtime")


def build_outbox(config: AgentConfig) -> Outbox:
    if config.spool.path is None:
        return MemoryOutbox()
    from agent.spool import Spool

    return Spool(config.spool)


async def run_agent(config: AgentConfig, *, profiles: ProfileSet | None = None, stop: asyncio.Event | None = None,
                    drain_seconds: float = 5.0) -> None:
    """Run until `stop` is set (or SIGINT/SIGTERM), then give the sender a moment to drain."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    outbox = build_outbox(config)
    profiles = profiles or load_profiles(config.profile_dirs)
    sources, snmp_client = build_sources(config, profiles)
    scheduler = Scheduler(sources, outbox, max_concurrency=config.scheduler.max_concurrency,
                          jitter=config.scheduler.jitter)
    sender = Sender(config.collector, config.agent.id, config.agent.interval, outbox)
    log.info("agent_started", agent=config.agent.id, targets=len(sources), collectors=config.collector.urls)
    traps = None
    if config.traps is not None:  # the trap receiver's modules load only when traps are configured
        from agent.traps.wiring import trap_service

        traps = trap_service(config, profiles, scheduler)
    if traps is not None:
        await traps.receiver.start()
    scheduler.start()
    send_task = asyncio.create_task(sender.run(), name="sender")
    self_task = asyncio.create_task(emit_self_metrics(config.agent.id, config.agent.interval, outbox, scheduler,
                                                      sender, snmp_client, traps), name="self-metrics")
    stop_task = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({send_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
    if traps is not None:
        await traps.receiver.close()
    await scheduler.stop()
    self_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await self_task
    if send_task not in done:
        # Let queued readings go out before exiting (bounded).
        deadline = loop.time() + drain_seconds
        while outbox.stats().depth_items and loop.time() < deadline and not send_task.done():
            await asyncio.sleep(0.05)
        send_task.cancel()
    stop_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await send_task
    await outbox.close()
    if snmp_client is not None:
        await snmp_client.close()
    log.info("agent_stopped", agent=config.agent.id, batches_sent=sender.stats.sent)
