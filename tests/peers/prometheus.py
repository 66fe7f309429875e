"""Debian's Prometheus with the project's own config/prometheus/prometheus.yml and rules, rewritten
only for loopback ports, one-second intervals and the password file; and the Grafana dashboards'
queries, read from dashboards/en and dashboards/fr, with their variables substituted.

For speed every rule group is evaluated each second and TargetDown does not wait its 3 minutes.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from tests.peers.processes import ROOT, Proc, free_tcp_port, http_get, wait_until

PROM_DIR = ROOT / "config" / "prometheus"
DASHBOARDS = sorted((ROOT / "dashboards").glob("[ef][nr]/*.json"))

# Grafana variables replaced before a query runs: multi-value variables by "all", the rest by a default.
VARIABLES = {"window": "30d", "__rate_interval": "1m", "__interval": "15s", "__range": "1h"}


def test_rules(tmp: Path) -> list[str]:
    """The shipped rules, every group evaluated each second, TargetDown without its hold time."""
    out = []
    for path in sorted((PROM_DIR / "rules").glob("*.yml")):
        doc = yaml.safe_load(path.read_text())
        for group in doc["groups"]:
            group["interval"] = "1s"
            for rule in group["rules"]:
                if rule.get("alert") == "TargetDown":
                    rule["for"] = "0s"
        dest = tmp / path.name
        dest.write_text(yaml.safe_dump(doc, sort_keys=False))
        out.append(str(dest))
    return out


test_rules.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test pytest should collect


class Prometheus:
    """A running Prometheus on loopback and the queries the tests ask it."""

    def __init__(self, proc: Proc, url: str) -> None:
        self.proc, self.url = proc, url

    def query(self, expr: str) -> dict[str, Any]:
        status, body, _ = http_get(f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
        answer = json.loads(body)
        answer["http_status"] = status
        return answer

    def vector(self, expr: str) -> list[dict[str, Any]]:
        answer = self.query(expr)
        assert answer["status"] == "success", answer
        return answer["data"]["result"]

    def groups_evaluated_since(self, since: float) -> bool:
        status, body, _ = http_get(f"{self.url}/api/v1/rules")
        groups = json.loads(body)["data"]["groups"] if status == 200 else []
        return bool(groups) and all(rfc3339(g.get("lastEvaluation", "")) > since for g in groups)

    def wait_ready(self) -> None:
        wait_until(lambda: http_get(self.url + "/-/ready", timeout=1)[0] == 200, 30, what="prometheus ready")

    def stop(self) -> None:
        self.proc.stop()


def start_prometheus(tmp: Path, collector_port: int, password_file: Path,
                     alertmanager_port: int | None = None) -> Prometheus:
    """Prometheus with the shipped config scraping the collector at `collector_port` and itself."""
    config = yaml.safe_load((PROM_DIR / "prometheus.yml").read_text())
    config["global"].update({"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"})
    config["rule_files"] = test_rules(tmp)
    if alertmanager_port is None:
        del config["alerting"]
    else:
        config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] = [f"127.0.0.1:{alertmanager_port}"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    jobs["tierwatch-collector"]["static_configs"][0]["targets"] = [f"127.0.0.1:{collector_port}"]
    assert jobs["tierwatch-collector"]["basic_auth"]["username"] == "prometheus"
    jobs["tierwatch-collector"]["basic_auth"]["password_file"] = str(password_file)
    port = free_tcp_port()
    jobs["prometheus"]["static_configs"][0]["targets"] = [f"127.0.0.1:{port}"]   # its own rule timings
    config["scrape_configs"] = [jobs["tierwatch-collector"], jobs["prometheus"]]
    (tmp / "prometheus.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    proc = Proc(["prometheus", f"--config.file={tmp / 'prometheus.yml'}", f"--storage.tsdb.path={tmp / 'tsdb'}",
                 f"--web.listen-address=127.0.0.1:{port}", "--rules.alert.resend-delay=1s",
                 "--log.level=warn"], tmp / "prometheus.log")
    return Prometheus(proc, f"http://127.0.0.1:{port}")


def rfc3339(stamp: str) -> float:
    """Prometheus' lastEvaluation (nanosecond RFC 3339, or the zero time before the first run)."""
    if not stamp or stamp.startswith("0001-"):
        return 0.0
    head, _, frac = stamp.rstrip("Z").partition(".")
    frac = frac.split("+")[0].split("-")[0]
    return datetime.fromisoformat(head).replace(tzinfo=timezone.utc).timestamp() + float(f"0.{frac or 0}")


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def substitute(expr: str) -> str:
    def repl(m: re.Match[str]) -> str:
        return VARIABLES.get(m.group(1), ".*")
    return re.sub(r"\$\{?(\w+)(?::\w+)?\}?", repl, expr)


def dashboard_queries() -> list[tuple[str, str]]:
    """(where, expr) of every panel target and every label_values variable of both languages."""
    out = []
    for path in DASHBOARDS:
        dash = json.loads(path.read_text())
        for panel in panels(dash):
            for t in panel.get("targets", []):
                out.append((f"{path.parent.name}/{path.stem}: {panel['title']} [{t['refId']}]", t["expr"]))
        for var in dash["templating"]["list"]:
            if var["type"] == "query":
                m = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", var["query"]["query"])
                assert m, f"{path.name}: variable {var['name']} is not label_values(metric, label)"
                out.append((f"{path.parent.name}/{path.stem}: variable {var['name']}",
                            f"group by ({m.group(2)}) ({m.group(1)})"))
    return out
