"""The status page, rendered by headless Chromium, in French and in English.

A real collector on loopback holds a degraded redundancy group (one PDU of a pair reports a
critical alarm), a device down and an active maintenance window declared through the API.
The page is opened as a wall screen (1280 px) and as a phone (390 px); text and colours are
read back from the DOM (computed styles), and the screenshots are kept under
`.test-output/status-page/` for a person to look at.
"""

from __future__ import annotations

import time
from pathlib import Path

import aiohttp
import pytest

from collector.availability.web import ENGINE_KEY
from tests.peers.collector_app import RunningCollector
from tests.peers.chromium import CHROMIUM, chromium

pytestmark = pytest.mark.integration

OUTPUT = Path(__file__).resolve().parents[2] / ".test-output" / "status-page"
GROUPS = {"rack-a01-power": {"any_of": ["pdu-a01-a", "pdu-a01-b"]},
          "hall-cooling": {"at_least": 2, "of": ["crac-1", "crac-2", "crac-3"]},
          # both UPS answer, one of them on battery: full redundancy, with a warning
          "ups-2n": {"any_of": ["ups-a", "ups-c"]},
          # a hall-wide group with a long member list must not widen the page
          "hall-1-critical-infrastructure": {"all_of": ["rack-a01-power", "hall-cooling", "ups-a", "ups-b", "crac-1",
                                                         "crac-2", "crac-3", "pdu-a01-a", "pdu-a01-b"]}}
COLOURS = {"degraded": "rgb(180, 83, 9)", "down": "rgb(198, 40, 40)", "maintenance": "rgb(29, 78, 216)",
           "ok": "rgb(23, 128, 61)"}

READ_DOM = """(() => {
  const rows = {};
  for (const tr of document.querySelectorAll('tr[data-service]')) {
    const pill = tr.querySelector('.pill');
    rows[tr.dataset.service] = {state: tr.dataset.state, text: pill.textContent.trim(),
      colour: getComputedStyle(pill).backgroundColor, cells: [...tr.cells].map(c => c.innerText.trim())};
  }
  const list = id => [...document.querySelectorAll('#' + id + ' li')].map(li => li.innerText.trim());
  const warnings = list('warnings');
  return {lang: document.documentElement.lang, title: document.querySelector('h1').innerText,
          banner: document.querySelector('#banner').innerText,
          bannerColour: getComputedStyle(document.querySelector('#banner')).backgroundColor,
          headings: [...document.querySelectorAll('h2')].map(h => h.innerText),
          rows, warnings, degraded: list('degraded'), maintenance: list('maintenance'), down: list('down'),
          refresh: document.querySelector('meta[http-equiv=refresh]').content,
          external: [...document.querySelectorAll('[src],link[href]')].length,
          width: document.documentElement.scrollWidth};
})()"""


@pytest.fixture
async def hall(running_collector: RunningCollector):
    config = {"operators": {"noc": {"token": "op-token"}}, "site": "Bamako DC1",
              "availability": {"groups": GROUPS, "timezone": "Africa/Bamako"}}
    async with running_collector(**config) as (url, app):
        engine = app[ENGINE_KEY]
        now = time.time()
        for name in ("pdu-a01-a", "crac-1", "crac-2", "crac-3", "ups-a"):
            engine.observe(name, now, "ok", "ok", "", 3600)
        engine.observe("pdu-a01-b", now, "ok", "critical", "pdu_phase_load_state=overload", 3600)
        engine.observe("ups-c", now, "ok", "degraded", "ups_output_source_state=battery", 3600)
        engine.observe("ups-b", now, "timeout", "unknown", "no answer in 3 s", 3600)
        engine.observe("ups-b", now + 0.001, "ok", "critical", "ups_output_source_state=none", 3600)
        async with aiohttp.ClientSession() as s:
            async with s.post(f"{url}/api/v1/maintenance", headers={"Authorization": "Bearer op-token"},
                              json={"services": ["crac-2"], "reason": "remplacement filtre", "end": now + 7200}) as r:
                assert r.status == 201, await r.text()
        yield url


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is installed by scripts/setup.sh --with-debs")
async def test_the_status_page_shows_states_in_colour_maintenance_and_devices_down_in_both_languages(hall):
    async with chromium() as open_page:
        async with open_page() as page:
            await page.goto(hall + "/", headers={"Accept-Language": "fr-ML,fr;q=0.9,en;q=0.5"})
            fr = await page.evaluate(READ_DOM)
            await page.screenshot(OUTPUT / "status-fr-wall.png")
            await page.goto(hall + "/?lang=en")
            en = await page.evaluate(READ_DOM)
            await page.screenshot(OUTPUT / "status-en-wall.png")
            await page.goto(hall + "/?lang=fr", width=390, height=844)
            phone = await page.evaluate(READ_DOM)
            await page.screenshot(OUTPUT / "status-fr-phone.png")

    assert fr["lang"] == "fr" and "État du site" in fr["title"] and "Bamako DC1" in fr["title"]
    assert "Groupes dégradés et pourquoi" in fr["headings"] and "Maintenances en cours" in fr["headings"]
    group = fr["rows"]["rack-a01-power"]
    assert group["state"] == "degraded" and group["text"] == "dégradé" and group["colour"] == COLOURS["degraded"]
    assert fr["rows"]["pdu-a01-b"]["colour"] == COLOURS["down"]
    assert fr["rows"]["crac-2"]["state"] == "maintenance" and fr["rows"]["crac-2"]["colour"] == COLOURS["maintenance"]
    assert fr["rows"]["pdu-a01-a"]["state"] == "ok" and fr["rows"]["pdu-a01-a"]["colour"] == COLOURS["ok"]
    assert fr["rows"]["pdu-a01-a"]["text"] == "opérationnel" and en["rows"]["pdu-a01-a"]["text"] == "up"
    # reasons are said in the reader's language (French: the state word, a no-break space before the colon)
    assert any("rack-a01-power" in d and "pdu-a01-b\u00a0: en panne" in d for d in fr["degraded"]), fr["degraded"]
    assert any("rack-a01-power" in d and "pdu-a01-b: down" in d for d in en["degraded"]), en["degraded"]
    assert fr["rows"]["ups-2n"]["state"] == "ok" and fr["rows"]["ups-2n"]["text"] == "nominal"
    assert any("ups-2n" in w and "ups-c\u00a0: ups_output_source_state=battery" in w for w in fr["warnings"]), fr["warnings"]
    assert not any("ups-2n" in d for d in fr["degraded"]), "a member's warning is no lost redundancy"
    assert any("crac-2" in m and "remplacement filtre" in m and "noc" in m for m in fr["maintenance"]), fr["maintenance"]
    assert any(d.startswith("en panne") and "ups-b" in d and "ups_output_source_state=none" in d for d in fr["down"])
    assert "service(s) en panne" in fr["banner"] and fr["bannerColour"] == COLOURS["down"]
    # French typography: decimal comma and a narrow no-break space before %
    assert "100,000\u202f%" in " ".join(fr["rows"]["pdu-a01-a"]["cells"])

    assert en["lang"] == "en" and "Site status" in en["title"]
    assert "Degraded groups and why" in en["headings"] and "Maintenance in progress" in en["headings"]
    assert en["rows"]["rack-a01-power"]["text"] == "degraded"
    assert "100.000%" in " ".join(en["rows"]["pdu-a01-a"]["cells"])

    assert fr["width"] <= 1280, "the wall screen layout does not scroll sideways"
    assert fr["refresh"] == "15" and fr["external"] == 0          # refreshes itself; no external assets
    assert phone["lang"] == "fr" and phone["width"] <= 390 + 2, "the phone layout does not scroll sideways"


async def test_the_language_follows_the_browser_then_the_switch_which_is_remembered(hall):
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:   # unsafe: an IP host
        async with s.get(hall + "/", headers={"Accept-Language": "en-GB,en;q=0.9"}) as r:
            assert '<html lang="en">' in await r.text()
        async with s.get(hall + "/?lang=fr", headers={"Accept-Language": "en"}) as r:
            assert '<html lang="fr">' in await r.text()
            assert r.cookies["tierwatch_lang"].value == "fr"
        async with s.get(hall + "/", headers={"Accept-Language": "en"}) as r:   # the session keeps the cookie
            assert '<html lang="fr">' in await r.text()
