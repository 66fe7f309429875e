"""The report's charts, drawn once with ReportLab's graphics and rendered as PDF or inline SVG.

ReportLab (BSD, maintained since 2000) draws vector charts that go straight into its PDFs and
render to SVG for the HTML report, so both formats show the same drawing; its output is
deterministic with ``invariant`` set (no timestamps or random ids).

- state timeline: one bar per service across the period, coloured by state (maintenance hatched
  blue), so an incident's place in the month is seen at a glance;
- budget burn-down: remaining error budget (share of the period's allowance) over the period for
  the services that burned any, against the straight line that would spend it exactly.
"""

from __future__ import annotations

from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors

from collector.availability.vocabulary import SERVICE_STATES
from collector.pages.i18n import Words
from collector.reports.figures import Report, ServiceReport

STATE_COLOURS = {"ok": colors.HexColor("#17803d"), "degraded": colors.HexColor("#d97706"),
                 "down": colors.HexColor("#c62828"), "unknown": colors.HexColor("#9aa3af"),
                 "maintenance": colors.HexColor("#1d4ed8")}
LINE_COLOURS = [colors.HexColor(c) for c in ("#c62828", "#1d4ed8", "#d97706", "#6d28d9", "#0f766e",
                                             "#be185d", "#4d7c0f", "#334155")]
FONT = "Helvetica"
WIDTH = 760.0
LABEL_W = 110.0


def _ticks(report: Report, words: Words, d: Drawing, x0: float, x1: float, y: float, font: str) -> None:
    """Day marks along the period (every day up to ~10 days, else every 5 days)."""
    span = report.period_end - report.start
    days = max(1, int(round(span / 86400)))
    step = 1 if days <= 10 else 5
    for k in range(0, days + 1, step):
        x = x0 + (x1 - x0) * (k * 86400) / span
        if x > x1 + 0.1:
            break
        d.add(Line(x, y, x, y - 3, strokeColor=colors.grey, strokeWidth=0.5))
        label = words.when(report.start + k * 86400)[:5] if words.lang == "fr" else words.when(report.start + k * 86400)[5:10]
        d.add(String(x, y - 11, label, fontName=font, fontSize=6, textAnchor="middle", fillColor=colors.grey))


def timeline(report: Report, services: list[ServiceReport], words: Words, font: str = FONT) -> Drawing:
    row, bar = 14.0, 9.0
    height = row * len(services) + 30
    d = Drawing(WIDTH, height)
    x0, x1 = LABEL_W, WIDTH - 5
    span = report.period_end - report.start
    for i, s in enumerate(services):
        y = height - 10 - row * (i + 1)
        d.add(String(x0 - 4, y + 1.5, s.name[:24], fontName=font, fontSize=7, textAnchor="end"))
        d.add(Rect(x0, y, x1 - x0, bar, fillColor=colors.HexColor("#eef0f3"), strokeColor=None))
        for a, b, state, maint in s.segments:
            xa = x0 + (x1 - x0) * (a - report.start) / span
            w = max((x1 - x0) * (b - a) / span, 0.4)
            colour = STATE_COLOURS["maintenance"] if maint and state != "down" else STATE_COLOURS[state]
            d.add(Rect(xa, y, w, bar, fillColor=colour, strokeColor=None))
    _ticks(report, words, d, x0, x1, 20, font)
    lx = x0
    for state in SERVICE_STATES:
        d.add(Rect(lx, 2, 7, 7, fillColor=STATE_COLOURS[state], strokeColor=None))
        text = words.state(state)
        d.add(String(lx + 9, 3, text, fontName=font, fontSize=6.5))
        lx += 14 + 4.2 * len(text)
    return d


def burndown(report: Report, services: list[ServiceReport], words: Words, font: str = FONT) -> Drawing:
    height = 190.0
    d = Drawing(WIDTH, height)
    x0, x1, y0, y1 = 40.0, WIDTH - 120, 28.0, height - 10
    span = report.period_end - report.start
    d.add(Rect(x0, y0, x1 - x0, y1 - y0, fillColor=None, strokeColor=colors.lightgrey, strokeWidth=0.5))
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = y0 + (y1 - y0) * frac
        d.add(Line(x0, y, x1, y, strokeColor=colors.HexColor("#e5e7eb"), strokeWidth=0.4))
        d.add(String(x0 - 3, y - 2, words.percent(frac, 0), fontName=font, fontSize=6, textAnchor="end"))
    d.add(Line(x0, y1, x1, y0, strokeColor=colors.grey, strokeWidth=0.6, strokeDashArray=[3, 2]))
    _ticks(report, words, d, x0, x1, y0, font)
    for i, s in enumerate(services[:len(LINE_COLOURS)]):
        allowed = s.figures.budget_allowed or 1.0
        pts: list[float] = []
        for t, remaining in s.burn:
            x = x0 + (x1 - x0) * (t - report.start) / span
            y = y0 + (y1 - y0) * max(0.0, min(1.0, remaining / allowed))
            pts += [x, y]
        colour = LINE_COLOURS[i]
        if len(pts) >= 4:
            d.add(PolyLine(pts, strokeColor=colour, strokeWidth=1.2))
        ly = y1 - 10 - 11 * i
        d.add(Line(x1 + 8, ly + 2, x1 + 20, ly + 2, strokeColor=colour, strokeWidth=1.5))
        d.add(String(x1 + 24, ly, s.name[:22], fontName=font, fontSize=6.5))
    if not services:
        d.add(String((x0 + x1) / 2, (y0 + y1) / 2, words("no_incident"), fontName=font, fontSize=8, textAnchor="middle"))
    return d


def burned(report: Report) -> list[ServiceReport]:
    """The services whose burn-down is worth a line: those that spent budget, most first."""
    spent = [s for s in report.services if s.budget_burned > 0]
    return sorted(spent, key=lambda s: (-s.budget_burned, s.name))


def to_svg(drawing: Drawing) -> str:
    svg = renderSVG.drawToString(drawing)
    return svg[svg.index("<svg"):] if "<svg" in svg else svg
