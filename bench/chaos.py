"""`make chaos`: a scripted fault run on loopback that accounts for every reading.

Two agents poll this host (and, when snmpsim and the shared recordings are installed, a few
simulated devices) every half second into their spools. The collector is SIGKILLed and restarted
several times, one agent after the other is SIGKILLed and restarted, and the network between the
agents and the collector (a TCP relay we control) is cut for a while, once while the collector is
down as well, and for a few seconds the collector's answers are lost on the way back (so agents
must replay batches the collector already applied). Agent `chaos-a` reaches the collector only through the relay; `chaos-b` lists the relay
first and the collector's own port second, so it fails over and comes back.

At the end, every reading and poll outcome the agents produced (the spools' journals) is compared
with every one the collector applied (the ledger's journal). The last line is
`chaos: produced=N applied=N lost=N duplicated=N`; the exit code is 0 only when nothing was lost
or applied twice (readings the spool dropped by its own bounds are reported, not counted as lost),
nothing is left unsent, and every series was applied in time order.

`CHAOS_SECONDS` sets the length (default 300); `CHAOS_KEEP=1` keeps the working directory.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from tests.peers.delivery_audit import applied_count, audit, out_of_order, produced_keys, unsent
from tests.peers.processes import Proc, stable_tcp_port, start_agent, start_collector
from tests.peers.tcp_proxy import TcpProxy

AGENTS = ("chaos-a", "chaos-b")
INTERVAL = 0.5
SNMP_DEVICES = ("apc_ap8853", "apc_smt750x-nmc2", "apc_inrow-dx")


def say(t0: float, msg: str) -> None:
    print(f"chaos: t={time.monotonic() - t0:6.1f}s {msg}", flush=True)


class Run:
    def __init__(self, work: Path, seconds: float) -> None:
        self.work = work
        self.seconds = seconds
        self.port = stable_tcp_port()  # killed and restarted, cut and restored: ports nothing else gets
        self.proxy = TcpProxy(stable_tcp_port(), self.port)
        self.tokens = {a: f"chaos-token-{a}-{os.urandom(8).hex()}" for a in AGENTS}
        self.collector: Proc | None = None
        self.agents: dict[str, Proc] = {}
        self.snmpsim = None
        self.t0 = time.monotonic()
        self.faults: list[str] = []

    # -- set-up ------------------------------------------------------------------------------
    def write_configs(self) -> None:
        agents = "\n".join(f"  {a}: {{token: {t}}}" for a, t in self.tokens.items())
        (self.work / "collector.yaml").write_text(
            f"listen: {{address: 127.0.0.1, port: {self.port}}}\nagents:\n{agents}\n"
            f"state_dir: {self.work / 'state'}\ningest: {{journal_applied: true}}\nlog: {{format: json}}\n")
        relay = f"http://127.0.0.1:{self.proxy.listen_port}"
        direct = f"http://127.0.0.1:{self.port}"
        for agent in AGENTS:
            urls = [relay] if agent == "chaos-a" else [relay, direct]
            text = (f"agent: {{id: {agent}, interval: {INTERVAL}}}\n"
                    f"collector: {{urls: {urls}, token: {self.tokens[agent]}, timeout: 3s, backoff_initial: 0.2s,"
                    f" backoff_max: 2s, failback_after: 3s, batch_max_readings: 2000}}\n"
                    f"host: {{name: {agent}-host}}\n"
                    f"spool: {{path: {self.work / (agent + '.spool')}, journal_produced: true, fsync: batch}}\n"
                    "log: {format: json}\n")
            if agent == "chaos-b" and self.snmpsim is not None:
                text += "credentials:\n" + "".join(f"  {d}: {{version: 2c, community: {d}}}\n" for d in SNMP_DEVICES)
                text += "targets:\n" + "".join(
                    f"  - {{name: {d.replace('_', '-')}, address: 127.0.0.1, port: {self.snmpsim.port},"
                    f" credentials: {d}, interval: 1s, timeout: 3s}}\n" for d in SNMP_DEVICES)
            (self.work / f"{agent}.yaml").write_text(text)
            # The same agent with nothing to poll: used at the end to send what a spool still holds.
            (self.work / f"{agent}-drain.yaml").write_text(
                text.split("host:")[0] + "host: {enabled: false}\n"
                f"spool: {{path: {self.work / (agent + '.spool')}, journal_produced: true, fsync: batch}}\n"
                "log: {format: json}\n")

    def start_snmpsim(self) -> None:
        try:
            from tests.peers.snmpsim import RESPONDER, SnmpsimPeer
            from tests.shared_devices import SNMPREC_DIR
        except ImportError:
            return
        if not (RESPONDER.exists() and SNMPREC_DIR.is_dir()):
            print("chaos: snmpsim or the shared recordings are missing: polling the host only", flush=True)
            return
        self.snmpsim = SnmpsimPeer().start()

    # -- actions -----------------------------------------------------------------------------
    async def start_collector(self) -> None:
        self.collector = await asyncio.to_thread(start_collector, self.work / "collector.yaml",
                                                 self.work / "collector.log", self.port)
        say(self.t0, "collector up")

    async def kill_collector(self) -> None:
        assert self.collector is not None
        self.collector.kill()
        self.faults.append("collector_killed")
        say(self.t0, "collector SIGKILLed")

    def start_agent(self, agent: str, drain: bool = False) -> None:
        cfg = self.work / (f"{agent}-drain.yaml" if drain else f"{agent}.yaml")
        self.agents[agent] = start_agent(cfg, self.work / f"{agent}.log")
        say(self.t0, f"{agent} started" + (" to drain its spool" if drain else ""))

    async def kill_agent(self, agent: str) -> None:
        self.agents[agent].kill()
        self.faults.append(f"{agent}_killed")
        say(self.t0, f"{agent} SIGKILLed")

    async def cut(self) -> None:
        await self.proxy.cut()
        self.faults.append("network_cut")
        say(self.t0, "network to the collector cut")

    async def restore(self) -> None:
        await self.proxy.restore()
        say(self.t0, "network restored")

    async def mute(self, on: bool) -> None:
        self.proxy.mute = on
        if on:
            self.faults.append("answers_lost")
        say(self.t0, "collector answers lost on the way back" if on else "collector answers delivered again")

    def schedule(self) -> list[tuple[float, Callable[[], Awaitable[None]]]]:
        async def restart_agent(agent: str) -> None:
            self.start_agent(agent)

        return [
            (0.10, self.kill_collector), (0.16, self.start_collector),
            (0.25, self.cut), (0.40, self.restore),
            (0.45, lambda: self.kill_agent("chaos-a")), (0.48, lambda: restart_agent("chaos-a")),
            (0.55, self.kill_collector), (0.56, self.start_collector),
            (0.63, self.cut), (0.66, self.kill_collector), (0.71, self.start_collector), (0.74, self.restore),
            (0.80, lambda: self.kill_agent("chaos-b")), (0.80, lambda: restart_agent("chaos-b")),
            (0.84, lambda: self.mute(True)), (min(0.95, 0.84 + max(0.04, 8 / self.seconds)), lambda: self.mute(False)),
        ]

    # -- the run -----------------------------------------------------------------------------
    async def run(self) -> int:
        await asyncio.to_thread(self.start_snmpsim)
        self.write_configs()
        await self.start_collector()
        await self.proxy.restore()
        self.t0 = time.monotonic()
        for agent in AGENTS:
            self.start_agent(agent)
        for at, action in self.schedule():
            await asyncio.sleep(max(0.0, self.t0 + at * self.seconds - time.monotonic()))
            await action()
        await asyncio.sleep(max(0.0, self.t0 + self.seconds - time.monotonic()))
        await self.settle()
        return self.report()

    def lag(self, agent: str) -> int:
        produced, _ = produced_keys(self.work / f"{agent}.spool", agent)
        return sum(produced.values()) - applied_count(self.work / "state" / "ledger.sqlite", agent)

    async def settle(self) -> None:
        """Stop polling and let every spool empty into the collector (bounded in time)."""
        await drain_agents(self, AGENTS)
        say(self.t0, "agents stopped")
        assert self.collector is not None
        await asyncio.to_thread(self.collector.stop)
        await self.proxy.cut()
        say(self.t0, "collector stopped")

    def report(self) -> int:
        spools = {a: self.work / f"{a}.spool" for a in AGENTS}
        result = audit(spools, self.work / "state" / "ledger.sqlite")
        disorder = [p for a in AGENTS for p in out_of_order(self.work / "state" / "ledger.sqlite", a)]
        log = (self.work / "collector.log").read_text(errors="replace")
        print(f"chaos: faults={','.join(self.faults)} snmp={'yes' if self.snmpsim else 'no'} "
              f"replays_acknowledged={log.count('batch_duplicate')} "
              f"dropped_by_spool_bounds={result.dropped} unsent={result.unsent} out_of_order={len(disorder)}",
              flush=True)
        for p in disorder[:10]:
            print(f"chaos: out of order: {p}", flush=True)
        ok = (result.lost == 0 and result.duplicated == 0 and result.unsent == 0 and not disorder
              and result.produced > 0)
        print(result.line(), flush=True)
        return 0 if ok else 1

    def close(self) -> None:
        for proc in [*self.agents.values(), *([self.collector] if self.collector else [])]:
            if proc.alive():
                proc.kill()
        if self.snmpsim is not None:
            self.snmpsim.stop()


class Draining(Protocol):
    work: Path
    seconds: float
    agents: dict[str, Proc]

    def lag(self, agent: str) -> int: ...

    def start_agent(self, agent: str, drain: bool = False) -> None: ...


async def drain_agents(run: Draining, agents: tuple[str, ...]) -> None:
    """Wait (bounded) until the agents have nearly caught up, stop them, then run each with nothing
    to poll until its spool `<agent>.spool` holds nothing unsent."""
    deadline = time.monotonic() + max(30.0, 0.2 * run.seconds)
    while time.monotonic() < deadline and any(run.lag(a) > 2000 for a in agents):
        await asyncio.sleep(0.5)
    for agent in agents:
        await asyncio.to_thread(run.agents[agent].stop, signal.SIGTERM, 15)
    for agent in agents:
        while unsent(run.work / f"{agent}.spool") and time.monotonic() < deadline:
            run.start_agent(agent, drain=True)
            await asyncio.sleep(2.0)
            await asyncio.to_thread(run.agents[agent].stop, signal.SIGTERM, 15)


class FaultRun(Protocol):
    async def run(self) -> int: ...

    def close(self) -> None: ...


def run_fault(label: str, make: Callable[[Path, float], FaultRun]) -> int:
    """Run a fault run of `CHAOS_SECONDS` in a fresh working directory, kept if it failed or
    `CHAOS_KEEP` is set; the exit code is the run's."""
    seconds = float(os.environ.get("CHAOS_SECONDS", "300"))
    work = Path(tempfile.mkdtemp(prefix=f"tierwatch-{label}-"))
    print(f"{label}: {seconds:g} s of faults; working directory {work}", flush=True)
    run = make(work, seconds)
    code = 1
    try:
        code = asyncio.run(run.run())
    finally:
        run.close()
        if code == 0 and not os.environ.get("CHAOS_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"{label}: logs and databases kept in {work}", file=sys.stderr, flush=True)
    return code


def main() -> int:
    return run_fault("chaos", Run)


if __name__ == "__main__":
    raise SystemExit(main())
