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
from tests.peers.processes import Proc, free_tcp_port, http_get, http_post, wait_until
from tests.peers.scaleout import (PAIR_CONFIG, gaps, start_collector_named, start_prometheus, start_victoria, vm_export,
                                  vm_settings)

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


def test_the_shipped_pair_config_is_valid_for_promtool() -> None:
    result = subprocess.run(["promtool", "check", "config", "--syntax-only", str(PAIR_CONFIG)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_shipped_victoria_metrics_settings_deduplicate_at_the_pair_configs_scrape_interval() -> None:
    pair = yaml.safe_load(PAIR_CONFIG.read_text())
    assert vm_settings()["dedup_minScrapeInterval"] == pair["global"]["scrape_interval"]
