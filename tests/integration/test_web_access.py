"""Who may look, who may act: basic auth with bcrypt hashes, viewer and operator roles, the audit log.

A real collector on loopback configured as Prometheus' web config is (``basic_auth_users``: user →
bcrypt hash) with roles. Hashes use bcrypt cost 4 to keep the test fast; the check is the same.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path

import aiohttp
import bcrypt
import pytest

from collector.availability.web import ENGINE_KEY
from tests.peers.collector_app import RunningCollector

pytestmark = pytest.mark.integration


def hashed(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


VIEWER = basic("ecran", "mur-du-noc")
OPERATOR = basic("awa", "astreinte-2026")
PROTECTED = ["/", "/api/v1/availability", "/api/v1/maintenance", "/api/v1/audit", "/metrics",
             "/api/v1/report?period=2026-11&format=html"]


@pytest.fixture
async def collector(running_collector: RunningCollector):
    config = {
        "agents": {"row-a-01": {"token": "agent-token"}},
        "web": {"basic_auth_users": {"ecran": hashed("mur-du-noc"), "awa": hashed("astreinte-2026")},
                "roles": {"awa": "operator"}},
        "availability": {"groups": {"ups": {"any_of": ["ups-a", "ups-b"]}}},
    }
    async with running_collector(**config) as (url, app):
        for name in ("ups-a", "ups-b"):
            app[ENGINE_KEY].observe(name, time.time(), "ok", "ok", "", 3600)
        yield url


async def test_without_credentials_every_page_api_and_metrics_answers_401_but_health_checks_stay_open(collector):
    async with aiohttp.ClientSession() as s:
        for path in PROTECTED:
            async with s.get(collector + path) as r:
                assert r.status == 401, path
                assert r.headers["WWW-Authenticate"].startswith("Basic realm=")
        async with s.get(collector + "/", headers=basic("ecran", "wrong")) as r:
            assert r.status == 401
        for path in ("/healthz", "/readyz"):
            async with s.get(collector + path) as r:
                assert r.status == 200, path


async def test_a_viewer_reads_everything_but_cannot_declare_maintenance(collector):
    async with aiohttp.ClientSession(headers=VIEWER) as s:
        for path in PROTECTED:
            async with s.get(collector + path) as r:
                assert r.status == 200, path
        async with s.post(collector + "/api/v1/maintenance", json={"services": ["ups-a"], "reason": "test"}) as r:
            assert r.status == 403
            assert "operator" in (await r.json())["error"]
        async with s.get(collector + "/api/v1/maintenance") as r:
            assert (await r.json())["maintenance"] == []


async def test_agents_keep_their_own_tokens_for_ingest_and_need_no_password(collector):
    async with aiohttp.ClientSession() as s:
        async with s.post(collector + "/api/v1/ingest", headers={"Authorization": "Bearer agent-token"},
                          json={"version": 1}) as r:
            assert r.status == 400          # reached the ingest handler: a bad batch, not a missing password


async def test_the_audit_log_records_an_operators_forced_maintenance_and_its_end(collector):
    async with aiohttp.ClientSession(headers=OPERATOR) as s:
        async with s.post(collector + "/api/v1/maintenance",
                          json={"services": ["ups-a"], "reason": "remplacement batteries"}) as r:
            assert r.status == 201
            first = (await r.json())["id"]
        async with s.post(collector + "/api/v1/maintenance",
                          json={"services": ["ups-b"], "reason": "urgence onduleur B"}) as r:
            assert r.status == 409, "both UPS at once would take the ups group down"
        async with s.post(collector + "/api/v1/maintenance",
                          json={"services": ["ups-b"], "reason": "urgence onduleur B", "force": True}) as r:
            assert r.status == 201
            forced = (await r.json())["id"]
        async with s.post(collector + f"/api/v1/maintenance/{first}/end") as r:
            assert r.status == 200
    async with aiohttp.ClientSession(headers=VIEWER) as s:
        async with s.get(collector + "/api/v1/audit") as r:
            entries = (await r.json())["audit"]
        async with s.get(collector + "/?lang=fr") as r:
            page = await r.text()
    assert [(e["action"], e["window_id"], e["who"], e["forced"]) for e in entries] == [
        ("ended", first, "awa", False), ("declared", forced, "awa", True), ("declared", first, "awa", False)]
    assert entries[1]["reason"] == "urgence onduleur B" and entries[1]["services"] == ["ups-b"]
    assert "ups" in entries[1]["detail"], "a forced window names the groups it degrades"
    assert "urgence onduleur B" in page and "forcée" in page, "the status page shows the log"


async def test_a_password_written_in_clear_in_the_config_is_refused_with_a_hint(tmp_path: Path):
    from collector.config import ConfigError, load_collector_config
    path = tmp_path / "collector.yaml"
    path.write_text("web:\n  basic_auth_users:\n    ecran: mur-du-noc\n")
    with pytest.raises(ConfigError) as err:
        load_collector_config(path)
    text = str(err.value)
    assert "collector.yaml:3" in text and "bcrypt" in text and "hash-password" in text
    assert "mur-du-noc" not in text, "the secret is never echoed"


async def test_a_viewer_gets_the_months_report_over_http_in_pdf_and_a_bad_period_is_a_400(collector):
    month = time.strftime("%Y-%m", time.gmtime())
    async with aiohttp.ClientSession(headers=VIEWER) as s:
        async with s.get(collector + f"/api/v1/report?period={month}&lang=en&format=pdf") as r:
            assert r.status == 200 and r.content_type == "application/pdf"
            assert (await r.read()).startswith(b"%PDF-")
        async with s.get(collector + f"/api/v1/report?period={month}&lang=fr&format=html") as r:
            page = await r.text()
            assert r.status == 200 and "Rapport de disponibilité" in page and "ups-a" in page
        async with s.get(collector + "/api/v1/report?period=novembre") as r:
            assert r.status == 400 and "YYYY-MM" in (await r.json())["error"]
