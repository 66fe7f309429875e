"""SNMP CPU: tierwatch's poll path beside prometheus-snmp-exporter and net-snmp's snmpbulkwalk.

One Debian snmpd on loopback; the same MIB-2 walk for all three: the interface tables (ifTable,
ifXTable) and the HOST-RESOURCES tables (storage, devices, processors, running software and its
performance, installed software), every column, plus four scalars; GETBULK max-repetitions 25.
- tierwatch: the agent's real poll path, an `SnmpSource` with a profile over those tables (every
  numeric column a metric, every text column a label lookup), request to readings, profile
  evaluation included, in this process (`time.process_time`).
- snmp_exporter: Debian's prometheus-snmp-exporter with a module walking the same tables and
  exporting the same metrics and lookups, scraped over HTTP; its CPU from /proc/<pid>/stat.
- snmpbulkwalk: one process per table (`resource.RUSAGE_CHILDREN`), process start included.
Each is normalised by the varbinds it received (tierwatch: the poll's varbinds; snmp_exporter: its
`snmp_scrape_pdus_returned`; snmpbulkwalk: output lines). Rounds alternate the three, medians
are reported. Prints, for SNMPv2c and SNMPv3 authPriv (SHA/AES-128):

    BENCH snmp_cpu version=2c tierwatch=<s per 10k vb> snmp_exporter=<..> snmpbulkwalk=<..> ratio=<..>

and writes bench/results/snmp_cpu.json. Environment: SNMP_CPU_ROUNDS (7), SNMP_CPU_POLLS (4 per
round and client), SNMP_CPU_BACKEND (fast).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from agent.config import SnmpTarget
from agent.profiles.loader import load_profiles
from agent.snmp import types as t
from agent.snmp.backends import make_client
from agent.snmp.types import Endpoint, V3Auth
from agent.sources.snmp import SnmpSource
from tests.peers.processes import free_tcp_port
from tests.peers.snmpd import AUTH_KEY, COMMUNITY, PRIV_KEY, SnmpdPeer

RESULTS = Path(__file__).resolve().parent / "results" / "snmp_cpu.json"
EXPORTER = shutil.which("prometheus-snmp-exporter") or "/usr/bin/prometheus-snmp-exporter"
BULKWALK = shutil.which("snmpbulkwalk") or "/usr/bin/snmpbulkwalk"
REPS = 25
V3_USER = "shaaes"  # SHA / AES-128: what all three clients speak
# (table, entry OID, columns); the first text column of each table names its rows.
TABLES = [
    ("ifTable", "1.3.6.1.2.1.2.2.1", range(1, 23)),
    ("ifXTable", "1.3.6.1.2.1.31.1.1.1", range(1, 20)),
    ("hrStorageTable", "1.3.6.1.2.1.25.2.3.1", range(1, 8)),
    ("hrDeviceTable", "1.3.6.1.2.1.25.3.2.1", range(1, 7)),
    ("hrProcessorTable", "1.3.6.1.2.1.25.3.3.1", range(1, 3)),
    ("hrSWRunTable", "1.3.6.1.2.1.25.4.2.1", range(1, 8)),
    ("hrSWRunPerfTable", "1.3.6.1.2.1.25.5.1.1", range(1, 3)),
    ("hrSWInstalledTable", "1.3.6.1.2.1.25.6.3.1", range(1, 6)),
]
SCALARS = ["1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.25.1.1.0", "1.3.6.1.2.1.25.1.5.0", "1.3.6.1.2.1.25.1.6.0"]
NUMERIC = {t.INTEGER, t.COUNTER32, t.COUNTER64, t.GAUGE32, t.TIMETICKS}
COUNTERS = {t.COUNTER32, t.COUNTER64}
BINARY = "binary"  # an OctetString column with values that are not text (MAC addresses, dates)


def endpoint(port: int, version: str) -> Endpoint:
    if version == "3":
        return Endpoint("127.0.0.1", port, "3", v3=V3Auth(V3_USER, "SHA", AUTH_KEY, "AES", PRIV_KEY), timeout=5.0)
    return Endpoint("127.0.0.1", port, "2c", community=COMMUNITY, timeout=5.0)


async def column_kinds(port: int) -> dict[str, str]:
    """Column OID → the kind of its values on this snmpd (columns without rows are left out)."""
    client = make_client("fast")
    try:
        kinds: dict[str, str] = {}
        for _, entry, cols in TABLES:
            got = await client.walk_columns(endpoint(port, "2c"), [f"{entry}.{c}" for c in cols])
            kinds.update({col: rows[0].kind if rows[0].kind != t.OCTET_STRING or all(_utf8(vb.value) for vb in rows)
                          else BINARY for col, rows in got.items() if rows})
        return kinds
    finally:
        await client.close()


def _utf8(value: object) -> bool:
    try:
        bytes(value).decode("utf-8")  # type: ignore[arg-type]
    except UnicodeDecodeError:
        return False
    return True


def _name(table: str, col: int, kind: str) -> str:
    return f"bench_{table.lower()}_{col}" + ("_total" if kind in COUNTERS else "")


def profile_text(kinds: dict[str, str]) -> str:
    tables = []
    for table, entry, cols in TABLES:
        present = [c for c in cols if f"{entry}.{c}" in kinds]
        numeric = [c for c in present if kinds[f"{entry}.{c}"] in NUMERIC]
        if not numeric:
            continue
        text = [c for c in present if kinds[f"{entry}.{c}"] not in NUMERIC]
        tables.append({
            "name": table, "index": [{"label": "index"}],
            "lookups": [{"label": f"c{c}", "oid": f"{entry}.{c}"} for c in text],
            "metrics": [{"name": _name(table, c, kinds[f"{entry}.{c}"]), "oid": f"{entry}.{c}", "help": f"{table} column {c}",
                         "type": "counter" if kinds[f"{entry}.{c}"] in COUNTERS else "gauge"} for c in numeric],
        })
    scalars = [{"name": f"bench_scalar_{i}", "oid": oid, "help": f"scalar {oid}"} for i, oid in enumerate(SCALARS)]
    return yaml.safe_dump({"name": "bench-mib2", "description": "benchmark walk over MIB-2 tables",
                           "scalars": scalars, "tables": tables}, sort_keys=False)


def exporter_config(kinds: dict[str, str]) -> str:
    """An snmp_exporter 0.21 module (the format before `auths:`) per SNMP version."""
    metrics = [{"name": f"bench_scalar_{i}", "oid": oid[:-2], "type": "gauge", "help": f"scalar {oid}"}
               for i, oid in enumerate(SCALARS)]
    for table, entry, cols in TABLES:
        present = [c for c in cols if f"{entry}.{c}" in kinds]
        text = [c for c in present if kinds[f"{entry}.{c}"] in (t.OCTET_STRING, BINARY)]
        lookups = [{"labels": ["index"], "labelname": f"c{c}", "oid": f"{entry}.{c}",
                    "type": "DisplayString" if kinds[f"{entry}.{c}"] == t.OCTET_STRING else "OctetString"}
                   for c in text]
        for c in present:
            kind = kinds[f"{entry}.{c}"]
            if kind in NUMERIC:
                metrics.append({"name": _name(table, c, kind), "oid": f"{entry}.{c}", "help": f"{table} column {c}",
                                "type": "counter" if kind in COUNTERS else "gauge",
                                "indexes": [{"labelname": "index", "type": "gauge"}], "lookups": lookups})
    base = {"walk": [entry for _, entry, _ in TABLES], "get": SCALARS, "metrics": metrics,
            "max_repetitions": REPS, "retries": 0, "timeout": "10s"}
    v3auth = {"username": V3_USER, "security_level": "authPriv", "password": AUTH_KEY, "auth_protocol": "SHA",
              "priv_protocol": "AES", "priv_password": PRIV_KEY}
    return yaml.safe_dump({"bench_2c": {**base, "version": 2, "auth": {"community": COMMUNITY}},
                           "bench_3": {**base, "version": 3, "auth": v3auth}}, sort_keys=False)


def proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


class Exporter:
    def __init__(self, config: Path, workdir: Path) -> None:
        self.port = free_tcp_port()
        self.log = open(workdir / "snmp_exporter.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([EXPORTER, f"--config.file={config}",
                                      f"--web.listen-address=127.0.0.1:{self.port}"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"snmp_exporter exited: {(workdir / 'snmp_exporter.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("snmp_exporter did not start")

    def scrape(self, module: str, snmp_port: int) -> int:
        url = f"http://127.0.0.1:{self.port}/snmp?module={module}&target=127.0.0.1:{snmp_port}"
        try:
            body = urllib.request.urlopen(url, timeout=60).read().decode()
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"snmp_exporter scrape failed: {exc.read().decode(errors='replace')[-1000:]}") from None
        for line in body.splitlines():
            if line.startswith("snmp_scrape_pdus_returned "):
                return int(float(line.split()[1]))
        raise RuntimeError(f"snmp_exporter scrape failed: {body[-1000:]}")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


def bulkwalk_args(port: int, version: str) -> list[str]:
    auth = (["-v3", "-l", "authPriv", "-u", V3_USER, "-a", "SHA", "-A", AUTH_KEY, "-x", "AES", "-X", PRIV_KEY]
            if version == "3" else ["-v2c", "-c", COMMUNITY])
    return [BULKWALK, *auth, f"-Cr{REPS}", "-On", "-Oq", "-t", "10", "-r", "0", f"127.0.0.1:{port}"]


def run_bulkwalks(port: int, version: str, times: int) -> tuple[float, int]:
    env = {**os.environ, "MIBS": "", "MIBDIRS": "/nonexistent"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = 0
    for _ in range(times):
        for _, entry, _ in TABLES:
            out = subprocess.run([*bulkwalk_args(port, version), entry], env=env, capture_output=True, check=True)
            lines += out.stdout.count(b"\n")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), lines


async def run_tierwatch(source: SnmpSource, times: int) -> tuple[float, int]:
    varbinds = 0
    start = time.process_time()
    for _ in range(times):
        result = await source.poll()
        if result.status != "ok":
            raise RuntimeError(f"tierwatch poll failed: {result.status} {result.reason}")
        varbinds += result.varbinds
    return time.process_time() - start, varbinds


def run_exporter(exp: Exporter, module: str, port: int, times: int) -> tuple[float, int]:
    start = proc_cpu(exp.proc.pid)
    varbinds = sum(exp.scrape(module, port) for _ in range(times))
    return proc_cpu(exp.proc.pid) - start, varbinds


def per_10k(cpu: float, varbinds: int) -> float:
    return cpu / varbinds * 10_000 if varbinds else float("nan")


async def measure(peer: SnmpdPeer, exp: Exporter, profiles, version: str, rounds: int, polls: int,
                  backend: str) -> dict:
    client = make_client(backend)
    target = SnmpTarget(name="bench", address="127.0.0.1", port=peer.port, credentials="bench",
                        profiles=["bench-mib2"], timeout=60, max_repetitions=REPS)
    source = SnmpSource(target, endpoint(peer.port, version), profiles, client)
    figures: dict[str, list[float]] = {"tierwatch": [], "snmp_exporter": [], "snmpbulkwalk": []}
    counts: dict[str, int] = {}
    try:
        await run_tierwatch(source, 1)  # warm-up: discovery, keys, caches, first answers
        exp.scrape(f"bench_{version if version == '3' else '2c'}", peer.port)
        clients = {
            "tierwatch": lambda: run_tierwatch(source, polls),
            "snmp_exporter": lambda: run_exporter(exp, f"bench_{'3' if version == '3' else '2c'}", peer.port, polls),
            "snmpbulkwalk": lambda: run_bulkwalks(peer.port, version, polls),
        }
        order = list(clients)
        for r in range(rounds):
            for name in order[r % 3:] + order[:r % 3]:  # alternate who goes first
                got = clients[name]()
                cpu, vbs = await got if asyncio.iscoroutine(got) else got
                figures[name].append(per_10k(cpu, vbs))
                counts[name] = vbs // polls
    finally:
        await client.close()
    med = {k: statistics.median(v) for k, v in figures.items()}
    return {"median_s_per_10k_varbinds": med, "rounds": figures, "varbinds_per_poll": counts,
            "ratio": med["tierwatch"] / med["snmp_exporter"]}


async def main() -> int:
    rounds = int(os.environ.get("SNMP_CPU_ROUNDS", "7"))
    polls = int(os.environ.get("SNMP_CPU_POLLS", "4"))
    backend = os.environ.get("SNMP_CPU_BACKEND", "fast")
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="tw-bench-snmp-"))
    peer = SnmpdPeer().start()
    exp = None
    try:
        kinds = await column_kinds(peer.port)
        (work / "profiles").mkdir()
        (work / "profiles" / "bench-mib2.yaml").write_text(profile_text(kinds))
        (work / "snmp.yml").write_text(exporter_config(kinds))
        profiles = load_profiles([work / "profiles"])
        exp = Exporter(work / "snmp.yml", work)
        results = {}
        for version in ("2c", "3"):
            res = await measure(peer, exp, profiles, version, rounds, polls, backend)
            results[version] = res
            med = res["median_s_per_10k_varbinds"]
            print(f"BENCH snmp_cpu version={version} tierwatch={med['tierwatch']:.4f} "
                  f"snmp_exporter={med['snmp_exporter']:.4f} snmpbulkwalk={med['snmpbulkwalk']:.4f} "
                  f"ratio={res['ratio']:.2f}", flush=True)
            print(f"  varbinds per poll: {res['varbinds_per_poll']}", file=sys.stderr)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({"backend": backend, "rounds": rounds, "polls_per_round": polls,
                                       "max_repetitions": REPS, "results": results}, indent=2) + "\n")
        print(f"  snmp_cpu took {time.monotonic() - started:.0f} s", file=sys.stderr)
    finally:
        if exp is not None:
            exp.stop()
        peer.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
