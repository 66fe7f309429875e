"""What every benchmark shares: alternating rounds with medians, result files, the peers' processes.

A figure is measured side by side with its peer in the same run: rounds alternate between the
two (so a busy neighbour on a shared machine slows both alike), and the median of each side is
reported, with the ratio. Each benchmark writes `bench/results/<name>.json` and prints its
`BENCH <name> key=value ...` lines.
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "results"


def alternate(rounds: int, sides: dict[str, Callable[[], float | None]]) -> dict[str, list[float]]:
    """Run each side once per round, in turn; a side returns its figure (or None to time the call)."""
    figures: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, run in sides.items():
            started = time.perf_counter()
            got = run()
            figures[name].append(time.perf_counter() - started if got is None else got)
    return figures


def median(values: list[float]) -> float:
    return statistics.median(values)


def write_result(name: str, lines: list[str], data: dict[str, Any]) -> None:
    """Print the BENCH lines and keep them with the raw figures in bench/results/<name>.json."""
    for line in lines:
        print(line, flush=True)
    RESULTS.mkdir(exist_ok=True)
    record = {"bench": name, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "host": platform.node(),
              "python": platform.python_version(), "lines": lines, **data}
    (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")


# -- peers: tierwatch's collector and Debian's Pushgateway, each holding the same live series ------

PUSH_SERIES = 1000  # series per push, as one agent's batch / one Pushgateway group
METRIC = "tierwatch_pdu_outlet_power_watts"


def token_of(i: int) -> str:
    return f"bench-token-{i:06d}-0123456789abcdef"


def start_tierwatch(work: Path, agents: int) -> tuple[Any, str]:
    """A collector process on loopback that knows `agents` agents (hashed tokens); (process, base URL)."""
    import hashlib

    from tests.peers.processes import free_tcp_port, start_collector

    port = free_tcp_port()
    lines = [f"  bench-{i:06d}: {{token_sha256: {hashlib.sha256(token_of(i).encode()).hexdigest()}}}"
             for i in range(agents)]
    cfg = work / "collector.yaml"
    cfg.write_text(f"listen: {{address: 127.0.0.1, port: {port}}}\nagents:\n" + "\n".join(lines)
                   + f"\nstate_dir: {work / 'state'}\nlog: {{format: json, level: warning}}\n"
                   + "series: {ttl_factor: 100}\n")
    return start_collector(cfg, work / "collector.log", port), f"http://127.0.0.1:{port}"


def start_pushgateway(work: Path) -> tuple[Any, str]:
    """Debian's prometheus-pushgateway on loopback, memory only (`--persistence.file=` empty: the
    packaged default reloads yesterday's groups)."""
    import shutil

    from tests.peers.processes import Proc, free_tcp_port, http_get, wait_until

    binary = shutil.which("prometheus-pushgateway")
    if binary is None:
        raise SystemExit("prometheus-pushgateway is not installed: run `make setup-bench`")
    port = free_tcp_port()
    proc = Proc([binary, f"--web.listen-address=127.0.0.1:{port}", "--persistence.file=", "--log.level=warn"],
                work / "pushgateway.log")
    wait_until(lambda: http_get(f"http://127.0.0.1:{port}/-/ready", timeout=1)[0] == 200, 20, what="pushgateway ready")
    return proc, f"http://127.0.0.1:{port}"


class Pusher:
    """Pushes one agent's PUSH_SERIES series at a time to either peer, over one kept-alive connection."""

    def __init__(self, tierwatch: str, pushgateway: str) -> None:
        import http.client
        import urllib.parse

        def conn(url: str) -> http.client.HTTPConnection:
            parts = urllib.parse.urlsplit(url)
            return http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)

        self._tw, self._pg = conn(tierwatch), conn(pushgateway)
        self._seq: dict[int, int] = {}

    @staticmethod
    def _values(agent: int, round_: int) -> list[float]:
        return [float((agent * 7919 + k * 104729 + round_ * 31) % 50000) / 100 for k in range(PUSH_SERIES)]

    def tierwatch(self, agent: int, round_: int = 0) -> None:
        import orjson

        seq = self._seq[agent] = self._seq.get(agent, 0) + 1
        now = time.time()
        target = f"pdu-{agent:06d}"
        body = orjson.dumps({
            "version": 1, "agent": f"bench-{agent:06d}", "seq": seq, "sent_at": now, "interval": 30.0,
            "metrics": {METRIC: {"type": "gauge", "help": "Outlet power."}},
            "outcomes": [{"target": target, "status": "ok", "started_at": now, "duration": 0.1, "interval": 30.0,
                          "readings": PUSH_SERIES, "health": "ok"}],
            "readings": [{"target": target, "metric": METRIC, "labels": {"outlet": str(k)}, "value": v, "ts": now}
                         for k, v in enumerate(self._values(agent, round_))]})
        self._request(self._tw, "POST", "/api/v1/ingest", body, {"Authorization": f"Bearer {token_of(agent)}",
                                                                  "Content-Type": "application/json"})

    def pushgateway(self, agent: int, round_: int = 0) -> None:
        lines = [f"# TYPE {METRIC} gauge\n"]
        lines += [f'{METRIC}{{outlet="{k}",target="pdu-{agent:06d}"}} {v!r}\n'
                  for k, v in enumerate(self._values(agent, round_))]
        self._request(self._pg, "PUT", f"/metrics/job/bench/instance/bench-{agent:06d}", "".join(lines).encode(),
                      {"Content-Type": "text/plain; version=0.0.4"})

    @staticmethod
    def _request(conn: Any, method: str, path: str, body: bytes, headers: dict[str, str]) -> None:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        answer = resp.read()
        if resp.status not in (200, 202):
            raise RuntimeError(f"{method} {path}: {resp.status} {answer[:300]!r}")

    def close(self) -> None:
        self._tw.close()
        self._pg.close()


def scrape(url: str, gzip: bool = False) -> tuple[float, int]:
    """GET url/metrics as Prometheus asks for it; (seconds, body bytes)."""
    import urllib.request

    headers = {"Accept": "text/plain;version=0.0.4"}
    if gzip:
        headers["Accept-Encoding"] = "gzip"
    started = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url + "/metrics", headers=headers), timeout=120) as resp:
        size = len(resp.read())
    return time.perf_counter() - started, size


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


class Held:
    """Both peers started in `work`, each holding `series_live` series (series_live / PUSH_SERIES
    agents, one push each)."""

    def __init__(self, work: Path, series_live: int) -> None:
        self.agents = max(1, series_live // PUSH_SERIES)
        self.tw_proc, self.tw_url = start_tierwatch(work, self.agents)
        self.pg_proc, self.pg_url = start_pushgateway(work)
        self.pusher = Pusher(self.tw_url, self.pg_url)
        for agent in range(self.agents):
            self.pusher.tierwatch(agent)
            self.pusher.pushgateway(agent)

    def close(self) -> None:
        self.pusher.close()
        self.tw_proc.stop()
        self.pg_proc.stop()

    def __enter__(self) -> Held:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
