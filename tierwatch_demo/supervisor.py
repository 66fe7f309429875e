"""`tierwatch-demo up` (what `make demo` runs): the collector, the hall and its agents, together.

The collector and the agents run as child processes with their logs in files under the work
directory; the hall runs in this process. A one-screen summary refreshes in place (or, when the
output is not a terminal, nothing but the start banner is printed). SIGINT/SIGTERM stop
everything this started, agents first.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
import urllib.request
from pathlib import Path
from typing import TextIO

from tierwatch_demo.derive import write_all
from tierwatch_demo.hall import RunningHall, start_hall
from tierwatch_demo.spec import HallSpec
from tierwatch_demo.summary import CLEAR, fetch_availability, render

STOP_GRACE = 10.0


class Child:
    """One child process with its output in a log file."""

    def __init__(self, name: str, args: list[str], log: Path) -> None:
        self.name, self.args, self.log = name, args, log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = await asyncio.create_subprocess_exec(*self.args, stdout=out, stderr=out,
                                                             stdin=asyncio.subprocess.DEVNULL)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def stop(self) -> None:
        if not self.alive:
            return
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), STOP_GRACE)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:
            return resp.status == 200
    except OSError:
        return False


async def wait_ready(url: str, seconds: float, child: Child) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and child.alive:
        if await asyncio.to_thread(_ready, url):
            return True
        await asyncio.sleep(0.2)
    return False


async def up(spec: HallSpec, workdir: Path, *, port: int, interval: float | None, summary: bool,
             out: TextIO = sys.stdout) -> int:
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    configs = workdir / "configs"
    url = f"http://127.0.0.1:{port}"
    paths = write_all(spec, configs, collector_port=port, state_dir=str(workdir / "state"))
    py = sys.executable
    collector = Child("collector", [py, "-m", "collector.cli", "run", "--config", str(paths["collector"])],
                      workdir / "collector.log")
    children = [collector]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    hall: RunningHall | None = None
    try:
        await collector.start()
        if not await wait_ready(url + "/readyz", 60, collector):
            print(f"demo: the collector did not become ready; see {collector.log}", file=sys.stderr)
            return 1
        hall = await start_hall(spec, workdir, collector=("127.0.0.1", port))
        uplinks = {n: u.port for n, u in hall.uplinks.items()}
        paths = write_all(spec, configs, collector_port=port, state_dir=str(workdir / "state"),
                          snmp_port=hall.snmp_port, interval=interval, uplinks=uplinks)
        for a in spec.agents:
            child = Child(a.name, [py, "-m", "agent.cli", "run", "--config", str(paths[a.name])],
                          workdir / f"agent-{a.name}.log")
            await child.start()
            children.append(child)
        urls = {"metrics": url + "/metrics", "availability": url + "/api/v1/availability", "status page": url + "/"}
        banner = "\n".join([f"\n  tierwatch demo hall '{spec.hall.name}' is up:"]
                           + [f"    {k:<13} {v}" for k, v in urls.items()]
                           + [f"    hall control  {hall.control_url} (tierwatch-demo scenarios | scenario NAME | status | restore)",
                              f"    logs          {workdir}/*.log", "  Ctrl-C stops it.\n"])
        print(banner, file=out, flush=True)
        while not stop.is_set():
            dead = [c.name for c in children if not c.alive]
            if dead:
                print(f"demo: {', '.join(dead)} exited; see its log in {workdir}; stopping the others", file=sys.stderr)
                return 1
            if summary:
                try:
                    availability = await asyncio.to_thread(fetch_availability, url)
                except (OSError, ValueError):
                    availability = None
                out.write(CLEAR + banner + "\n" + render(availability, hall.book, {}))
                out.flush()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 2.0)
        return 0
    finally:
        for child in reversed(children[1:]):
            await child.stop()
        if hall is not None:
            await hall.close()
        await collector.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        print(f"demo: stopped the collector, the hall and {len(children) - 1} agents; logs in {workdir}", file=out)
