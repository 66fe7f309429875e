"""Scale-out end to end: Prometheus scrapes both collectors of an HA pair (the shipped
config/scale-out/prometheus-pair.yml) and remote-writes to Debian's VictoriaMetrics, which
deduplicates the pair: one series, one sample per scrape interval, and no gap while one
collector of the pair is down."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.peers.ingest import TOKENS, body
from tests.peers.processes import ROOT, Proc, free_tcp_port, http_get, http_post, wait_until
from tests.peers.scaleout import (PAIR_CONFIG, THANOS_PAIR_CONFIG, gaps, start_collector_named, start_prometheus,
                                  start_victoria, vm_export, vm_settings)

pytestmark = pytest.mark.integration

SCRAPE = 1.0
SERIES = 'tierwatch_pdu_power_watts{target="pdu-a"}'


def feed(urls: list[str], seq: int) -> None:
    """One batch, to every collector that is up (what a fan-out agent does)."""
    payload = json.dumps(body(seq=seq)).encode()
    for url in urls:
        status, _ = http_post(url + "/api/v1/ingest", payload,
                              {"Authorization": f"Bearer {TOKENS['row-a-01']}", "Content-Type": "application/json"})
        assert status == 200


def test_victoria_metrics_keeps_one_gap_free_series_from_the_pair_while_one_collector_dies(tmp_path: Path) -> None:
    procs: list[Proc] = []
    try:
        vm, vm_url = start_victoria(tmp_path, dedup=f"{SCRAPE:g}s")
        procs.append(vm)
        flags = http_get(vm_url + "/flags")[1].decode()
        for name, value in vm_settings().items():      # it runs with the shipped settings file
            if name != "dedup_minScrapeInterval":      # compressed like the scrape interval
                assert f'-{name.replace("_", ".")}="{value}"' in flags
        ports = {"a": free_tcp_port(), "b": free_tcp_port()}
        collectors = {r: start_collector_named(tmp_path, r, p, TOKENS) for r, p in ports.items()}
        procs.extend(collectors.values())
        urls = {r: f"http://127.0.0.1:{p}" for r, p in ports.items()}
        prom, _ = start_prometheus(tmp_path, ports, vm_url, f"{SCRAPE:g}s")
        procs.append(prom)

        seq = 0
        def run(seconds: float, replicas: list[str]) -> None:  # noqa: E306
            nonlocal seq
            until = time.monotonic() + seconds
            while time.monotonic() < until:
                seq += 1
                feed([urls[r] for r in replicas], seq)
                time.sleep(0.25)                    # the agent's poll interval, compressed

        run(1.0, ["a", "b"])
        wait_until(lambda: vm_export(vm_url, SERIES, time.time() - 60, time.time()), 30, interval=0.25,
                   what="the series in victoria-metrics")
        start = time.time()
        run(4.0, ["a", "b"])
        collectors["a"].kill()                      # one collector of the pair dies
        run(4.0, ["b"])
        end = time.time()
        wait_until(lambda: any(t / 1000 >= end for s in vm_export(vm_url, SERIES, start, end + 30)
                               for t in s["timestamps"]), 30, interval=0.25, what="samples after the kill")

        series = vm_export(vm_url, SERIES, start, end)
        assert [sorted(s["metric"]) for s in series] == [["__name__", "agent", "job", "pair", "phase", "site",
                                                          "target"]]      # one series: replica dropped
        stamps = series[0]["timestamps"]
        assert gaps(stamps, start, end, allowed=2.5 * SCRAPE) == []     # fed by b alone after the kill
        per_interval = {int(t // (SCRAPE * 1000)) for t in stamps}
        assert len(per_interval) == len(stamps)                          # deduplicated: one per interval
        own = vm_export(vm_url, 'tierwatch_collector_live_series', start, end)
        assert sorted(s["metric"].get("collector") for s in own) == ["a", "b"]  # self-metrics stay apart
    finally:
        for proc in reversed(procs):
            proc.stop()


@pytest.mark.parametrize("config", [PAIR_CONFIG, THANOS_PAIR_CONFIG], ids=lambda p: p.stem)
def test_the_shipped_pair_configs_are_valid_for_promtool(config: Path) -> None:
    result = subprocess.run(["promtool", "check", "config", "--syntax-only", str(config)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_thanos_pair_config_stores_each_series_once_per_collector_differing_only_in_replica(
        tmp_path: Path) -> None:
    """The Prometheus side of the Thanos recipe, on a real Prometheus: what a querier given
    --query.replica-label=replica merges (the querier itself is not run here)."""
    procs: list[Proc] = []
    try:
        ports = {"a": free_tcp_port(), "b": free_tcp_port()}
        procs.extend(start_collector_named(tmp_path, r, p, TOKENS) for r, p in ports.items())
        prom, prom_url = start_prometheus(tmp_path, ports, None, f"{SCRAPE:g}s", shipped=THANOS_PAIR_CONFIG)
        procs.append(prom)
        feed([f"http://127.0.0.1:{p}" for p in ports.values()], 1)

        def from_both(match: str) -> list[dict[str, str]] | None:
            status, raw, _ = http_get(f"{prom_url}/api/v1/series?match[]={match}")
            found = json.loads(raw)["data"] if status == 200 else []
            return found if len(found) == 2 else None

        power = wait_until(lambda: from_both("tierwatch_pdu_power_watts"), 30, interval=0.25, what="both copies")
        assert sorted(s["replica"] for s in power) == ["a", "b"] and all("instance" not in s for s in power)
        assert len({tuple(sorted((k, v) for k, v in s.items() if k != "replica")) for s in power}) == 1
        own = wait_until(lambda: from_both("tierwatch_collector_live_series"), 30, interval=0.25, what="self-metrics")
        assert sorted(s["collector"] for s in own) == ["a", "b"] and all("replica" not in s for s in own)
    finally:
        for proc in reversed(procs):
            proc.stop()


def test_the_shipped_victoria_metrics_settings_deduplicate_at_the_pair_configs_scrape_interval() -> None:
    pair = yaml.safe_load(PAIR_CONFIG.read_text())
    assert vm_settings()["dedup_minScrapeInterval"] == pair["global"]["scrape_interval"]


def test_the_compose_scale_out_profile_runs_the_files_this_test_runs() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    vm, prom = services["victoria-metrics"], services["prometheus-pair"]
    assert vm["env_file"] == ["config/scale-out/victoria-metrics.env"] and "-envflag.enable" in vm["command"]
    assert "./config/scale-out:/etc/prometheus:ro" in prom["volumes"]
    assert f"--config.file=/etc/prometheus/{PAIR_CONFIG.name}" in prom["command"]
    pair = yaml.safe_load(PAIR_CONFIG.read_text())
    listen = next(f for f in vm["command"] if f.startswith("-httpListenAddr=")).split("=", 1)[1]
    assert pair["remote_write"][0]["url"] == f"http://{listen}/api/v1/write"
    demo = yaml.safe_load((ROOT / "config" / "demo" / "collector.yaml").read_text())["listen"]
    targets = {sc["labels"]["replica"]: sc["targets"] for sc in pair["scrape_configs"][0]["static_configs"]}
    assert targets["a"] == [f"{demo['address']}:{demo['port']}"]       # the demo collector is replica a
