"""The scale-out stack on loopback: an HA pair of collectors (real processes), Debian's Prometheus
scraping both with the shipped config/scale-out/prometheus-pair.yml, and Debian's VictoriaMetrics
deduplicating what Prometheus remote-writes."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import yaml

from tests.peers.processes import ROOT, Proc, free_tcp_port, http_get, start_collector, wait_ready

PAIR_CONFIG = ROOT / "config" / "scale-out" / "prometheus-pair.yml"
THANOS_PAIR_CONFIG = ROOT / "config" / "scale-out" / "prometheus-pair-thanos.yml"
VM_SETTINGS = ROOT / "config" / "scale-out" / "victoria-metrics.env"


def vm_settings() -> dict[str, str]:
    """The shipped VictoriaMetrics flags (config/scale-out/victoria-metrics.env) as environment."""
    lines = (line.strip() for line in VM_SETTINGS.read_text().splitlines())
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def collector_config(tmp: Path, name: str, port: int, tokens: dict[str, str], **extra: Any) -> Path:
    path = tmp / f"collector-{name}.yaml"
    doc = {"listen": {"address": "127.0.0.1", "port": port}, "state_dir": str(tmp / f"state-{name}"),
           "agents": {agent: {"token": tok} for agent, tok in tokens.items()}, "log": {"format": "json"}, **extra}
    path.write_text(yaml.safe_dump(doc))
    return path


def start_collector_named(tmp: Path, name: str, port: int, tokens: dict[str, str], **extra: Any) -> Proc:
    return start_collector(collector_config(tmp, name, port, tokens, **extra), tmp / f"collector-{name}.log", port)


def start_victoria(tmp: Path, dedup: str) -> tuple[Proc, str]:
    """Debian's VictoriaMetrics with the shipped settings, its dedup interval compressed to `dedup`
    (the compressed scrape interval), listening on a free loopback port."""
    port = free_tcp_port()
    url = f"http://127.0.0.1:{port}"
    proc = Proc(["victoria-metrics", "-envflag.enable", f"-storageDataPath={tmp / 'vm'}",
                 f"-httpListenAddr=127.0.0.1:{port}", f"-dedup.minScrapeInterval={dedup}", "-loggerLevel=WARN",
                 "-search.latencyOffset=0s"], tmp / "victoria-metrics.log", env=vm_settings())
    wait_ready(proc, "victoria-metrics", url + "/health")
    return proc, url


def start_prometheus(tmp: Path, collectors: dict[str, int], vm_url: str | None, interval: str,
                     shipped: Path = PAIR_CONFIG) -> tuple[Proc, str]:
    """Prometheus with a shipped pair config, pointed at these collectors (replica -> port) and, if
    the config remote-writes, at VM."""
    config = yaml.safe_load(shipped.read_text())
    config["global"].update({"scrape_interval": interval, "scrape_timeout": interval})
    job = config["scrape_configs"][0]
    by_replica = {sc["labels"]["replica"]: sc for sc in job["static_configs"]}
    assert set(by_replica) == set(collectors), "the shipped config names one target per replica"
    for replica, port in collectors.items():
        by_replica[replica]["targets"] = [f"127.0.0.1:{port}"]
    assert ("remote_write" in config) == (vm_url is not None)
    if vm_url is not None:
        write = config["remote_write"][0]
        write["url"] = vm_url + "/api/v1/write"
        write["queue_config"]["batch_send_deadline"] = "1s"
    (tmp / "prometheus.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    port = free_tcp_port()
    url = f"http://127.0.0.1:{port}"
    proc = Proc(["prometheus", f"--config.file={tmp / 'prometheus.yml'}", f"--storage.tsdb.path={tmp / 'tsdb'}",
                 f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"], tmp / "prometheus.log")
    wait_ready(proc, "prometheus", url + "/-/ready")
    return proc, url


def vm_export(vm_url: str, selector: str, start: float, end: float) -> list[dict[str, Any]]:
    """Raw samples of every series matching ``selector`` in [start, end], as VictoriaMetrics keeps them."""
    query = urllib.parse.urlencode({"match[]": selector, "start": f"{start:.3f}", "end": f"{end:.3f}"})
    status, body, _ = http_get(f"{vm_url}/api/v1/export?{query}", timeout=10)
    assert status == 200, body[:300]
    return [json.loads(line) for line in body.splitlines() if line.strip()]


def gaps(timestamps_ms: list[int], start: float, end: float, allowed: float) -> list[tuple[float, float]]:
    """Stretches longer than ``allowed`` seconds without a sample within [start, end]."""
    points = [start, *sorted(t / 1000 for t in timestamps_ms if start <= t / 1000 <= end), end]
    return [(a, b) for a, b in zip(points, points[1:]) if b - a > allowed]
