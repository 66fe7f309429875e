"""The monthly availability report, from a month of synthetic history with known outages and maintenance.

The history is made by the real engine (injected clock, polls every 5 min for November 2026) and
written to the real store; the report is then made offline by `tierwatch-collector report` from
that store. Its figures must be the engine's own for the month; the PDF's text (pdftotext) must
show them in French typography, and its pages are turned into PNG with pdftoppm (kept under
`.test-output/report/`). The same history gives the same bytes.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from collector.availability.engine import AvailabilityEngine
from collector.availability.restore import open_engine
from collector.availability.settings import AvailabilitySettings
from collector.availability.store import AvailabilityStore
from collector.cli import main as collector_main
from collector.pages.i18n import Words
from collector.reports import make_report, period_from

pytestmark = pytest.mark.integration

OUTPUT = Path(__file__).resolve().parents[2] / ".test-output" / "report"
ZONE = ZoneInfo("Africa/Bamako")
STEP = 300.0
SETTINGS = {"timezone": "Africa/Bamako", "groups": {"ups-2n": {"any_of": ["ups-a", "ups-b"]}}}


def at(day: int, hour: int, minute: int = 0) -> float:
    return datetime(2026, 11, day, hour, minute, tzinfo=ZONE).timestamp()


# (target, start, end, reason): the device reports a critical state between these poll times
OUTAGES = [("ups-a", at(5, 10, 0), at(5, 10, 15), "ups_output_source_state=none"),
           ("ups-b", at(20, 3, 5), at(20, 3, 40), "ups_battery_status_state=depleted")]
MAINTENANCE = ("ups-b", at(12, 8, 0), at(12, 10, 0), "remplacement des batteries")
SILENT = ("ups-a", at(25, 14, 0), at(25, 15, 0))        # the agent is blind: unknown, not down
NOW = at(30, 23, 0)


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def make_history(state_dir: Path) -> AvailabilityEngine:
    clock = Clock(at(1, 0, 0))
    engine = AvailabilityEngine(AvailabilitySettings.model_validate(SETTINGS), clock=clock)
    store = AvailabilityStore(state_dir / "availability.sqlite")
    store.open()
    open_engine(engine, store.load())
    t = at(1, 0, 0)
    declared = False
    while t <= NOW:
        clock.t = t
        if not declared and t >= MAINTENANCE[1] - 3600:
            engine.declare_maintenance((MAINTENANCE[0],), MAINTENANCE[1], MAINTENANCE[2], MAINTENANCE[3], "awa")
            declared = True
        for target in ("ups-a", "ups-b"):
            if target == SILENT[0] and SILENT[1] <= t < SILENT[2]:
                continue
            bad = [r for name, a, b, r in OUTAGES if name == target and a <= t < b]
            engine.observe(target, t, "ok", "critical" if bad else "ok", bad[0] if bad else "", 3 * STEP)
        if int(t) % 86400 == 0:
            store.write(engine.drain(t))
        t += STEP
    clock.t = NOW
    engine.advance(NOW)
    store.write(engine.drain(NOW))
    store.close()
    return engine


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    state = tmp_path_factory.mktemp("report-state")
    engine = make_history(state)
    config = state / "collector.yaml"
    config.write_text(yaml.safe_dump({"state_dir": str(state), "site": "Bamako DC1", "availability": SETTINGS}))
    return state, config, engine


def test_the_reports_figures_are_the_engines_for_the_month(month):
    state, _, engine = month
    snap = engine.compute(NOW)
    w = list(snap.frame.names).index("month")
    period = period_from(ZONE, "2026-11", None, None)
    report, _ = make_report(state, engine.settings, "Bamako DC1", period, "fr", "html")
    by_name = {s.name: s for s in report.services}
    assert set(by_name) == {"ups-a", "ups-b", "ups-2n"}
    for i, svc in enumerate(snap.services):
        mine, theirs = by_name[svc.name].figures, snap.figures(i, w)
        for field in ("up", "degraded", "down", "planned_down", "unknown", "maintenance", "budget_allowed",
                      "budget_remaining"):
            assert getattr(mine, field) == pytest.approx(getattr(theirs, field), abs=1e-6), (svc.name, field)
        assert mine.availability == pytest.approx(theirs.availability, abs=1e-12)
    a, b = by_name["ups-a"], by_name["ups-b"]
    assert a.figures.down == pytest.approx(15 * 60) and b.figures.down == pytest.approx(35 * 60)
    assert a.figures.unknown == pytest.approx(3600 - 2 * STEP, abs=STEP), "silence turns unknown after 3 polls"
    assert b.figures.maintenance == pytest.approx(2 * 3600)
    assert [(i.start, i.end, i.planned, i.reason) for i in a.incidents] == [
        (OUTAGES[0][1], OUTAGES[0][2], False, OUTAGES[0][3])]
    assert by_name["ups-2n"].figures.down == 0, "2N: one UPS down at a time never takes the pair down"
    assert a.met is False and by_name["ups-2n"].met is True


def test_the_pdf_report_shows_the_figures_in_french_and_renders_to_png(month):
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        pytest.fail("poppler-utils (pdftotext, pdftoppm) is installed by scripts/setup.sh --with-debs")
    state, config, engine = month
    OUTPUT.mkdir(parents=True, exist_ok=True)
    pdf = OUTPUT / "2026-11-fr.pdf"
    assert collector_main(["report", "--config", str(config), "--period", "2026-11", "--lang", "fr",
                           "--format", "pdf", "-o", str(pdf)]) == 0
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    spaces = str.maketrans({"\u202f": " ", "\u00a0": " "})     # pdftotext gives no-break spaces back as spaces
    text = text.translate(spaces)
    words = Words("fr", ZONE)
    snap = engine.compute(NOW)
    w = list(snap.frame.names).index("month")
    for i, svc in enumerate(snap.services):
        f = snap.figures(i, w)
        shown = words.percent(f.availability).translate(spaces)
        assert shown in text and "," in shown, (svc.name, shown)
    assert "Rapport de disponibilité" in text and "Bamako DC1" in text
    assert "15 min" in text and "35 min" in text and "remplacement des batteries" in text
    assert "ups_output_source_state=none" in text and "non planifié" in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(OUTPUT / "2026-11-fr")], check=True)
    pages = sorted(OUTPUT.glob("2026-11-fr-*.png"))
    assert pages and all(p.stat().st_size > 5000 for p in pages)


def test_the_same_history_gives_the_same_report_bytes_in_both_formats_and_languages(month, tmp_path):
    state, config, _ = month
    for lang in ("fr", "en"):
        for fmt in ("pdf", "html"):
            first, second = tmp_path / f"1.{lang}.{fmt}", tmp_path / f"2.{lang}.{fmt}"
            for out in (first, second):
                assert collector_main(["report", "--config", str(config), "--period", "2026-11", "--lang", lang,
                                       "--format", fmt, "-o", str(out)]) == 0
            assert first.read_bytes() == second.read_bytes(), (lang, fmt)
    html = (tmp_path / "1.en.html").read_text()
    assert "Availability report" in html and "<svg" in html and "Unplanned downtime" in html
    shutil.copy(tmp_path / "1.en.html", OUTPUT / "2026-11-en.html")


def test_a_report_asked_for_a_bad_period_exits_2_with_the_reason(month, capsys):
    _, config, _ = month
    assert collector_main(["report", "--config", str(config), "--period", "novembre", "-o", "/dev/null"]) == 2
    assert "YYYY-MM" in capsys.readouterr().err
