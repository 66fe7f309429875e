"""Running the hall: the model, its SNMP responder, the agents' uplink relays and the control channel."""

from __future__ import annotations

import asyncio
import secrets
import signal
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from aiohttp import web

from tierwatch_demo.control import control_app, write_control_file
from tierwatch_demo.mibs import hall_devices
from tierwatch_demo.model import HallModel
from tierwatch_demo.responder import HallResponder, serve
from tierwatch_demo.scenarios import ScenarioBook
from tierwatch_demo.spec import HallSpec
from tierwatch_demo.uplink import Uplink

log = structlog.get_logger(__name__)


@dataclass
class RunningHall:
    spec: HallSpec
    model: HallModel
    book: ScenarioBook
    responder: HallResponder
    snmp_port: int
    control_url: str
    uplinks: dict[str, Uplink] = field(default_factory=dict)
    _closers: list = field(default_factory=list)

    async def close(self) -> None:
        for closer in reversed(self._closers):
            await closer()


async def start_hall(spec: HallSpec, workdir: Path, *, collector: tuple[str, int]) -> RunningHall:
    """Start everything the hall serves; the caller owns the result and must `close()` it."""
    model = HallModel(spec)
    book = ScenarioBook(model)
    devices = hall_devices(model)
    transport, responder = await serve(model, devices, spec.snmp.address, spec.snmp.port)
    snmp_port = transport.get_extra_info("sockname")[1]
    uplinks = {a.name: Uplink(a.name, a.uplink_port, collector,
                              (lambda name=a.name: name in model.faults.silent_agents)) for a in spec.agents}
    for u in uplinks.values():
        await u.start()

    def changed() -> None:
        for name, u in uplinks.items():
            if name in model.faults.silent_agents:
                u.drop()
        log.info("scenarios_changed", active=[f"{a.name}:{a.target}" for a in book.active])

    token = secrets.token_urlsafe(24)
    runner = web.AppRunner(control_app(book, token, changed), access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, spec.control.address, spec.control.port)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://{spec.control.address}:{port}"
    control_file = write_control_file(workdir, url, token)
    hall = RunningHall(spec, model, book, responder, snmp_port, url, uplinks)

    async def stop_udp() -> None:
        transport.close()

    async def stop_uplinks() -> None:
        for u in uplinks.values():
            await u.stop()

    async def forget_control() -> None:
        control_file.unlink(missing_ok=True)        # `tierwatch-demo status` then says no hall runs

    hall._closers.extend([stop_udp, stop_uplinks, runner.cleanup, forget_control])   # closed in reverse order
    log.info("hall_started", hall=spec.hall.name, devices=len(devices), snmp_port=snmp_port, control=url,
             time_scale=spec.hall.time_scale, uplinks={n: u.port for n, u in uplinks.items()})
    return hall


async def run_hall(spec: HallSpec, workdir: Path, collector: tuple[str, int]) -> None:
    """The hall in the foreground until cancelled (`tierwatch-demo hall`)."""
    hall = await start_hall(spec, workdir, collector=collector)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):      # an orderly stop, wherever the loop is when it comes
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await hall.close()
