"""How many targets one agent core polls on time, and the agent's memory beside node_exporter's.

    BENCH agent_capacity targets=<N> interval_s=30 varbinds_per_target=<..> missed_deadlines=<n> skipped_slots=<n> agent_cpu_ratio=<cpu s per s>
    BENCH agent_rss targets=500 mib=<..> node_exporter_mib=<..>

The agent is pinned to core 0 (``os.sched_setaffinity``); its peers — two Debian snmpd on
loopback (the responder must not be the bottleneck: each answers half the targets) and a real
collector receiving the readings — are pinned to core 1. Every target polls HOST-RESOURCES and
IF-MIB of an snmpd every 30 s (first polls spread over the interval). After one interval of warm-up
the agent's CPU is read from /proc over ``AGENT_CAPACITY_SECONDS`` (default 60 s: two intervals);
missed deadlines (polls not ``ok``) and skipped slots come from the agent's own self-metrics as the
collector exposes them, and varbinds per target from its SNMP counters.

``AGENT_CAPACITY_TARGETS`` (default "2000,1000,500") is tried in order; the first count with no
missed deadline and no skipped slot is reported (or the last one tried); an empty list runs only
``agent_rss``. ``agent_rss`` runs 500 targets: once every target has polled, the agent's VmRSS is
sampled every 2 s over one more interval (every target polls again meanwhile) and the highest
sample is compared with Debian's prometheus-node-exporter's after a few scrapes.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import start_tierwatch, token_of, write_result
from tests.peers.processes import BIN, Proc, free_tcp_port, http_get, wait_until
from tests.peers.snmpd import COMMUNITY, SnmpdPeer

INTERVAL = 30.0
RSS_EVERY = 2.0  # seconds between two samples of the agent's RSS
SAMPLE = re.compile(r"^(\w+)(\{[^}]*\})? (\S+)$")


def pin(pid: int, core: int) -> None:
    if (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(pid, {core})


def proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def agent_config(work: Path, collector: str, ports: list[int], targets: int) -> Path:
    lines = ["agent: {id: bench-000000, interval: 5s}",     # self-metrics every 5 s; targets poll every 30 s
             f"collector: {{urls: ['{collector}'], token: {token_of(0)}, batch_max_readings: 5000}}",
             "host: {enabled: false}",
             f"credentials: {{bench: {{version: 2c, community: {COMMUNITY}}}}}",
             "scheduler: {max_concurrency: 64, jitter: 1.0}",
             "log: {level: warning, format: json}",
             "targets:"]
    for i in range(targets):
        lines.append(f"  - {{name: t-{i:05d}, address: 127.0.0.1, port: {ports[i % len(ports)]}, credentials: bench, "
                     f"profiles: [host-resources, if-mib], interval: 30s, timeout: 10s}}")
    path = work / "agent.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def scrape(url: str) -> dict[tuple[str, str], float]:
    """The agent's self-metrics as the collector exposes them: (name, labels) → value."""
    status, body, _ = http_get(url + "/metrics", timeout=30)
    assert status == 200, status
    out: dict[tuple[str, str], float] = {}
    for line in body.decode().splitlines():
        m = SAMPLE.match(line)
        if m and m.group(1).startswith("tierwatch_agent_"):
            out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def increase(before: dict[tuple[str, str], float], after: dict[tuple[str, str], float], name: str,
             status: str | None = None) -> float:
    """Summed increase of a counter's series present in both scrapes (optionally one poll status)."""
    total = 0.0
    for key, value in after.items():
        if key[0] != name or key not in before:
            continue
        if status is not None and f'status="{status}"' not in key[1]:
            continue
        total += max(0.0, value - before[key])
    return total


class Hall:
    """Two snmpd and a collector on core 1."""

    def __init__(self, work: Path) -> None:
        self.snmpd = [SnmpdPeer().start() for _ in range(2)]
        for peer in self.snmpd:
            assert peer.proc is not None
            pin(peer.proc.pid, 1)
        self.collector, self.url = start_tierwatch(work, 1)
        pin(self.collector.popen.pid, 1)

    def stop(self) -> None:
        self.collector.stop()
        for peer in self.snmpd:
            peer.stop()


def run_agent(work: Path, hall: Hall, targets: int) -> Proc:
    config = agent_config(work, hall.url, [p.port for p in hall.snmpd], targets)
    agent = Proc([str(BIN / "tierwatch-agent"), "run", "--config", str(config)], work / f"agent-{targets}.log")
    pin(agent.popen.pid, 0)
    return agent


def capacity(work: Path, hall: Hall, targets: int, seconds: float) -> dict[str, float]:
    agent = run_agent(work, hall, targets)
    try:
        time.sleep(INTERVAL + 15)                      # warm-up: every target's first poll, detection included
        before, cpu0, t0 = scrape(hall.url), proc_cpu(agent.popen.pid), time.monotonic()
        time.sleep(seconds)
        cpu1, t1 = proc_cpu(agent.popen.pid), time.monotonic()
        time.sleep(6)                                  # the self-metrics of the window reach the collector
        after = scrape(hall.url)
        if agent.popen.poll() is not None:
            raise SystemExit(f"the agent exited:\n{agent.log()[-3000:]}")
    finally:
        agent.stop()
    polls = increase(before, after, "tierwatch_agent_polls_total")
    ok = increase(before, after, "tierwatch_agent_polls_total", "ok")
    skipped = increase(before, after, "tierwatch_agent_polls_skipped_total")
    varbinds = increase(before, after, "tierwatch_agent_snmp_varbinds_total")
    seen = {k[1] for k in before if k[0] == "tierwatch_agent_polls_total"}
    known = len({re.search(r'target="([^"]*)"', labels).group(1) for labels in seen})   # targets polled by then
    expected = known * seconds / INTERVAL
    # a deadline is missed by a poll that did not end ok, or by one that never started in the window
    missed = (polls - ok) + max(0.0, 0.95 * expected - polls)
    return {"targets": targets, "known": known, "polls": polls, "ok_polls": ok, "expected_polls": expected, "missed": missed,
            "skipped": skipped, "varbinds_per_poll": varbinds / ok if ok else 0.0,
            "cpu_ratio": (cpu1 - cpu0) / (t1 - t0)}


def steady_rss(work: Path, hall: Hall, targets: int = 500) -> tuple[float, list[float]]:
    """The agent's steady-state VmRSS with `targets` targets: once every target has polled (one
    interval and a bit), sampled every RSS_EVERY seconds over one more interval, so every target
    polls again while it is watched; the highest sample is the figure."""
    agent = run_agent(work, hall, targets)
    try:
        time.sleep(INTERVAL + 5)
        samples = []
        end = time.monotonic() + INTERVAL
        while time.monotonic() < end:
            samples.append(round(rss_mib(agent.popen.pid), 1))
            time.sleep(RSS_EVERY)
        if agent.popen.poll() is not None:
            raise SystemExit(f"the agent exited:\n{agent.log()[-3000:]}")
    finally:
        agent.stop()
    return max(samples), samples


def node_exporter_rss(work: Path) -> float:
    binary = shutil.which("prometheus-node-exporter")
    if binary is None:
        raise SystemExit("prometheus-node-exporter is not installed: run `make setup-bench`")
    port = free_tcp_port()
    proc = Proc([binary, f"--web.listen-address=127.0.0.1:{port}"], work / "node-exporter.log")
    try:
        wait_until(lambda: http_get(f"http://127.0.0.1:{port}/metrics", timeout=2)[0] == 200, 20, what="node_exporter")
        for _ in range(5):
            http_get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        return rss_mib(proc.popen.pid)
    finally:
        proc.stop()


def main() -> int:
    counts = [int(x) for x in os.environ.get("AGENT_CAPACITY_TARGETS", "2000,1000,500").split(",") if x]
    seconds = float(os.environ.get("AGENT_CAPACITY_SECONDS", "60"))
    work = Path(tempfile.mkdtemp(prefix="tw-bench-capacity-"))
    hall = Hall(work)
    runs = []
    try:
        for n in counts:
            result = capacity(work, hall, n, seconds)
            runs.append(result)
            print(f"# {n} targets: {result}", file=sys.stderr, flush=True)
            if result["missed"] == 0 and result["skipped"] == 0:
                break
        agent_mib, rss_samples = steady_rss(work, hall)
        node_mib = node_exporter_rss(work)
    finally:
        hall.stop()
        shutil.rmtree(work, ignore_errors=True)
    lines = []
    if runs:
        best = runs[-1]
        lines.append(f"BENCH agent_capacity targets={best['targets']} interval_s={INTERVAL:g} "
                     f"varbinds_per_target={best['varbinds_per_poll']:.0f} missed_deadlines={best['missed']:.0f} "
                     f"skipped_slots={best['skipped']:.0f} agent_cpu_ratio={best['cpu_ratio']:.3f}")
    lines.append(f"BENCH agent_rss targets=500 mib={agent_mib:.1f} node_exporter_mib={node_mib:.1f}")
    write_result("agent_capacity" if runs else "agent_rss", lines,
                 {"runs": runs, "agent_rss_mib": agent_mib, "agent_rss_samples_mib": rss_samples,
                  "node_exporter_rss_mib": node_mib})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
