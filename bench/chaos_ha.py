"""`make chaos-ha`: an HA collector pair under faults, on loopback, with history that survives them.

Two agents poll this host every half second and fan out to collectors `a` and `b`; Prometheus
scrapes both (config/scale-out/prometheus-pair.yml) and remote-writes to VictoriaMetrics, which
deduplicates the pair. Agent `ha-skewed` runs with its clock two minutes behind. Collector `a` is
SIGKILLed for a while, then `b`; agent `ha-cut` is cut off from both (its relays drop every
connection) for a while. Then the agents stop, their spools drain, and the run checks:

- produced / applied_a / applied_b: every reading and outcome the spools took in, and what each
  collector's ledger applied (lost or duplicated on either one fails the run);
- survivor_unknown_s: unknown time the surviving collector recorded while its partner was down;
- repaired_unknown_s: unknown time left in either collector's history once the replays repaired it;
- vm_gaps: stretches of more than three scrape intervals without a sample in VictoriaMetrics for
  the series of the agent that was never cut off;
- availability_equal: both collectors' up/down/unknown/maintenance seconds per service agree.

Last line: `chaos-ha: produced=N applied_a=N applied_b=N survivor_unknown_s=X repaired_unknown_s=Y
vm_gaps=Z availability_equal=yes|no`; exit 0 only if all is good. `CHAOS_SECONDS` sets the length
(default 300); `CHAOS_KEEP=1` keeps the working directory.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from pathlib import Path

import yaml

from bench.chaos import drain_agents, run_fault
from tests.peers.delivery_audit import applied_count, audit, produced_keys
from tests.peers.processes import BIN, Proc, http_get, stable_tcp_port, start_collector
from tests.peers.scaleout import collector_config, gaps, start_prometheus, start_victoria, vm_export
from tests.peers.tcp_proxy import TcpProxy

INTERVAL = 0.5
SCRAPE = 1.0
SKEW = 120.0
AGENTS = ("ha-cut", "ha-skewed")
REPLICAS = ("a", "b")
COUNTER = re.compile(r'^tierwatch_service_(up|down|unknown|maintenance)_seconds_total\{service="([^"]+)"\} (\S+)$', re.M)


def say(t0: float, msg: str) -> None:
    print(f"chaos-ha: t={time.monotonic() - t0:6.1f}s {msg}", flush=True)


class Run:
    def __init__(self, work: Path, seconds: float) -> None:
        self.work, self.seconds = work, seconds
        # Collectors and relays come back on their ports after being killed or cut: stable ports,
        # which nothing else on the machine can be handed meanwhile.
        self.ports = {r: stable_tcp_port() for r in REPLICAS}
        self.relays = {r: TcpProxy(stable_tcp_port(), p) for r, p in self.ports.items()}  # ha-cut's way in
        self.tokens = {a: f"ha-token-{a}-{os.urandom(8).hex()}" for a in AGENTS}
        self.collectors: dict[str, Proc] = {}
        self.agents: dict[str, Proc] = {}
        self.others: list[Proc] = []
        self.t0 = time.monotonic()
        self.survivor_unknown = 0.0

    def write_configs(self) -> None:
        for r, port in self.ports.items():
            # staleness 3 s (6 x 0.5 s): a SIGKILL loses up to one heartbeat (1 s) of engine state
            collector_config(self.work, r, port, self.tokens, ingest={"journal_applied": True},
                             series={"ttl_factor": 6})
        for agent in AGENTS:
            urls = ([f"http://127.0.0.1:{p.listen_port}" for p in self.relays.values()] if agent == "ha-cut"
                    else [f"http://127.0.0.1:{p}" for p in self.ports.values()])
            doc = {"agent": {"id": agent, "interval": INTERVAL},
                   "collector": {"urls": urls, "token": self.tokens[agent], "fan_out": True, "timeout": "3s",
                                 "backoff_initial": "0.2s", "backoff_max": "2s", "batch_max_readings": 2000},
                   "host": {"name": f"{agent}-host"},
                   "spool": {"path": str(self.work / f"{agent}.spool"), "journal_produced": True, "fsync": "batch"},
                   "log": {"format": "json"}}
            (self.work / f"{agent}.yaml").write_text(yaml.safe_dump(doc))
            doc["host"] = {"enabled": False}  # the same agent with nothing to poll: drains its spool
            (self.work / f"{agent}-drain.yaml").write_text(yaml.safe_dump(doc))

    # -- processes ---------------------------------------------------------------------------
    async def start_collector(self, r: str) -> None:
        self.collectors[r] = await asyncio.to_thread(start_collector, self.work / f"collector-{r}.yaml",
                                                     self.work / f"collector-{r}.log", self.ports[r], f"collector {r}")
        say(self.t0, f"collector {r} up")

    def start_agent(self, agent: str, drain: bool = False) -> None:
        cfg = str(self.work / (f"{agent}-drain.yaml" if drain else f"{agent}.yaml"))
        args = ([sys.executable, "-m", "bench.skewed_agent", str(SKEW), "run", "--config", cfg]
                if agent == "ha-skewed" else [str(BIN / "tierwatch-agent"), "run", "--config", cfg])
        self.agents[agent] = Proc(args, self.work / f"{agent}.log")

    def unknown_on(self, r: str) -> float:
        return sum(v for kind, _, v in self.counters(r) if kind == "unknown")

    def counters(self, r: str) -> list[tuple[str, str, float]]:
        status, body, _ = http_get(f"http://127.0.0.1:{self.ports[r]}/metrics", timeout=10)
        assert status == 200
        return [(k, s, float(v)) for k, s, v in COUNTER.findall(body.decode())]

    async def outage(self, down: str, start: float, end: float) -> None:
        survivor = "b" if down == "a" else "a"
        await self.wait_until(start)
        before = self.unknown_on(survivor)
        self.collectors[down].kill()
        say(self.t0, f"collector {down} SIGKILLed")
        await self.wait_until(end)
        self.survivor_unknown += max(0.0, self.unknown_on(survivor) - before)
        await self.start_collector(down)

    async def cut_off(self, start: float, end: float) -> None:
        await self.wait_until(start)
        for relay in self.relays.values():
            await relay.cut()
        say(self.t0, "ha-cut cut off from both collectors")
        await self.wait_until(end)
        for relay in self.relays.values():
            await relay.restore()
        say(self.t0, "ha-cut reaches both collectors again")

    async def wait_until(self, fraction: float) -> None:
        await asyncio.sleep(max(0.0, self.t0 + fraction * self.seconds - time.monotonic()))

    # -- the run -----------------------------------------------------------------------------
    async def run(self) -> int:
        self.write_configs()
        vm, vm_url = await asyncio.to_thread(start_victoria, self.work, f"{SCRAPE:g}s")
        self.others.append(vm)
        for r in REPLICAS:
            await self.start_collector(r)
            await self.relays[r].restore()
        prom, _ = await asyncio.to_thread(start_prometheus, self.work, self.ports, vm_url, f"{SCRAPE:g}s")
        self.others.append(prom)
        self.t0 = time.monotonic()
        started = time.time()
        for agent in AGENTS:
            self.start_agent(agent)
        await self.outage("a", 0.10, 0.40)
        await self.outage("b", 0.45, 0.70)
        await self.cut_off(0.75, 0.85)
        await self.wait_until(1.0)
        ended = time.time()
        await self.settle()
        series = vm_export(vm_url, '{__name__="tierwatch_host_cpus",target="ha-skewed-host"}', started + 10,
                           ended - 5)
        vm_gaps = (len(gaps(series[0]["timestamps"], started + 10, ended - 5, 3 * SCRAPE))
                   if len(series) == 1 else 1 + len(series))
        return self.report(vm_gaps)

    def lag(self, agent: str) -> int:
        produced, _ = produced_keys(self.work / f"{agent}.spool", agent)
        total = sum(produced.values())
        return max(total - applied_count(self.work / f"state-{r}" / "ledger.sqlite", agent) for r in REPLICAS)

    async def settle(self) -> None:
        await drain_agents(self, AGENTS)
        say(self.t0, "agents stopped, spools drained")

    def report(self, vm_gaps: int) -> int:
        spools = {a: self.work / f"{a}.spool" for a in AGENTS}
        results = {r: audit(spools, self.work / f"state-{r}" / "ledger.sqlite") for r in REPLICAS}
        figures = {r: {(k, s): v for k, s, v in self.counters(r)} for r in REPLICAS}
        repaired_unknown = max(sum(v for (k, _), v in f.items() if k == "unknown") for f in figures.values())
        equal = (figures["a"].keys() == figures["b"].keys() and bool(figures["a"])
                 and all(abs(figures["a"][key] - figures["b"][key]) < 0.01 for key in figures["a"]))
        for r, res in results.items():
            print(f"chaos-ha: collector {r}: {res.line()} dropped_by_spool_bounds={res.dropped} unsent={res.unsent}",
                  flush=True)
        if not equal:
            for key in sorted(figures["a"].keys() | figures["b"].keys()):
                print(f"chaos-ha: {key}: a={figures['a'].get(key)} b={figures['b'].get(key)}", flush=True)
        produced = results["a"].produced
        ok = (produced > 0 and all(r.lost == 0 and r.duplicated == 0 and r.unsent == 0 for r in results.values())
              and self.survivor_unknown < 0.001 and repaired_unknown < 0.001 and vm_gaps == 0 and equal)
        print(f"chaos-ha: produced={produced} applied_a={results['a'].applied} applied_b={results['b'].applied} "
              f"survivor_unknown_s={self.survivor_unknown:.3f} repaired_unknown_s={repaired_unknown:.3f} "
              f"vm_gaps={vm_gaps} availability_equal={'yes' if equal else 'no'}", flush=True)
        return 0 if ok else 1

    def close(self) -> None:
        for proc in [*self.agents.values(), *self.collectors.values(), *self.others]:
            if proc.alive():
                proc.kill()


def main() -> int:
    return run_fault("chaos-ha", Run)


if __name__ == "__main__":
    raise SystemExit(main())
