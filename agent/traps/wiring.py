"""A trap receiver assembled from an agent config and its profiles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent.config import AgentConfig
from agent.profiles.loader import ProfileSet
from agent.scheduler import Scheduler
from agent.traps.catalog import TrapCatalog
from agent.traps.fastpath import TrapPath
from agent.traps.notification import Notification
from agent.traps.receiver import TrapReceiver
from agent.traps.security import UsmReceiver, default_engine_id
from agent.traps.senders import directory_for, v3_users


def receiver_for(config: AgentConfig | None, profiles: ProfileSet | None,
                 on_notification: Callable[[Notification], None], *, listen: str | None = None,
                 catalog: TrapCatalog | None = None) -> TrapReceiver:
    """The receiver `config.traps` describes (`listen` overrides its address). Without a config:
    any v1/v2c sender and community, no v3. Every notification is described by the catalog
    (the profiles' `traps:` sections) before `on_notification` sees it."""
    catalog = catalog or TrapCatalog(profiles or ())

    def deliver(note: Notification) -> None:
        catalog.describe(note)
        on_notification(note)

    if config is None:
        return TrapReceiver(listen or "127.0.0.1:10162", None, None, deliver)
    traps = config.traps
    engine = bytes.fromhex(traps.engine_id.removeprefix("0x")) if traps and traps.engine_id else \
        default_engine_id(config.agent.id)
    usm = UsmReceiver(v3_users(config), engine)
    address = listen or (traps.listen if traps else "127.0.0.1:10162")
    return TrapReceiver(address, directory_for(config), usm, deliver, queue=traps.queue if traps else 10_000)


@dataclass(slots=True)
class TrapService:
    """The running agent's receiver and the fast path it feeds."""

    receiver: TrapReceiver
    path: TrapPath


def trap_service(config: AgentConfig, profiles: ProfileSet, scheduler: Scheduler) -> TrapService | None:
    """The receiver `config.traps` asks for, feeding immediate polls to `scheduler`; None without it."""
    if config.traps is None:
        return None
    clock = scheduler.clock
    path = TrapPath(scheduler.trigger, burst=config.traps.poll_burst, every=config.traps.poll_every,
                    monotonic=clock.monotonic)
    receiver = receiver_for(config, profiles, path)
    receiver.clock = clock.time  # receive times on the scheduler's clock, like the outcomes they stamp
    return TrapService(receiver, path)
