"""An availability report as HTML (one self-contained file) or PDF, in French or English.

Both formats say the same things in the same order: summary per group and service (availability
against the SLO, unplanned and planned downtime, unknown time and coverage, budget allowed and
burned), each incident, the maintenance windows and who declared them (audit log), and the two
charts. Nothing in them depends on when they were made: the same history gives the same bytes
(ReportLab's ``invariant`` mode; no generation timestamp, only the time the data runs to).
"""

from __future__ import annotations

import io
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from collector.audit import AuditEntry
from collector.pages.i18n import Words
from collector.pages.templates import render
from collector.reports.charts import burndown, burned, timeline, to_svg
from collector.reports.figures import Report, ServiceReport


FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/local/share/fonts", "/usr/share/fonts/TTF")


@cache
def pdf_font() -> tuple[str, str]:
    """DejaVu Sans where the system has it (every character of both languages, U+202F included);
    else the PDF base font Helvetica, whose Latin-1 lacks the narrow no-break space (see `pdf_text`)."""
    for folder in FONT_DIRS:
        regular, bold = Path(folder) / "DejaVuSans.ttf", Path(folder) / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
            return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def pdf_text(text: str) -> str:
    return text if pdf_font()[0] != "Helvetica" else text.replace("\u202f", "\u00a0")


def summary_row(s: ServiceReport, t: Words) -> list[str]:
    f = s.figures
    met = s.met
    return [s.name, t(f"kind.{s.kind}"), t.percent(f.availability), t.percent(s.slo),
            "—" if met is None else (t("met") if met else t("missed")),
            t.duration(f.down), t.duration(f.planned_down), t.duration(f.unknown),
            t.percent(s.coverage, 2), t.duration(f.budget_allowed), t.duration(s.budget_burned)]


def summary_header(t: Words) -> list[str]:
    return [t("service"), t("kind"), t("availability"), t("slo"), "", t("downtime_unplanned"),
            t("downtime_planned"), t("unknown_time"), t("coverage"), t("budget_allowed"), t("budget_burned")]


def incident_rows(report: Report, t: Words) -> list[list[str]]:
    return [[s.name, t.when(i.start), t.when(i.end) + (" …" if i.ongoing else ""), t.duration(i.duration),
             t("planned") if i.planned else t("unplanned"), t.reason(i.reason)] for s, i in report.incidents]


def maintenance_rows(report: Report, audit: list[AuditEntry], t: Words) -> list[list[str]]:
    windows = {w.id: w for s in report.services for w in s.maintenance}
    rows = []
    for w in sorted(windows.values(), key=lambda w: (w.start, w.id)):
        acts = [a for a in audit if a.window_id == w.id]
        who = ", ".join(f"{t('action.' + a.action)} {a.who}" + (f" ({t('forced')})" if a.forced else "")
                        for a in sorted(acts, key=lambda a: a.at)) or w.author
        rows.append([", ".join(w.services), t.when(w.start), t.when(w.end) if w.end else t("until_ended"),
                     w.reason, who])
    return rows


def context(report: Report, audit: list[AuditEntry], words: Words) -> dict[str, Any]:
    services = report.groups + report.targets
    return {
        "t": words, "lang": words.lang, "report": report,
        "summary_header": summary_header(words), "summary": [summary_row(s, words) for s in services],
        "met": [s.met for s in services],
        "incidents": incident_rows(report, words), "maintenance": maintenance_rows(report, audit, words),
        "timeline_svg": to_svg(timeline(report, services, words)),
        "burndown_svg": to_svg(burndown(report, burned(report), words)),
    }


def render_html(report: Report, audit: list[AuditEntry], words: Words) -> str:
    return render("report.html", context(report, audit, words))


def render_pdf(report: Report, audit: list[AuditEntry], words: Words) -> bytes:
    t = words
    regular, bold = pdf_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, invariant=1,
                            title=f"{t('report_title')} {report.site} {report.period_label}",
                            author=report.site, creator="tierwatch", subject=t("report_title"))
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName=regular)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9)
    h1 = ParagraphStyle("h1", parent=styles["Title"], fontName=bold)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], fontName=bold)
    services = report.groups + report.targets
    grid = TableStyle([("FONT", (0, 0), (-1, -1), regular, 7), ("FONT", (0, 0), (-1, 0), bold, 7),
                       ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c7ccd4")),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef0f3")),
                       ("VALIGN", (0, 0), (-1, -1), "TOP")])

    def table(header: list[str], rows: list[list[str]], widths: list[float] | None = None) -> Table:
        data = [[Paragraph(_esc(c), small) for c in header]] + [[Paragraph(_esc(c), small) for c in r] for r in rows]
        tbl = Table(data, colWidths=widths, repeatRows=1)
        tbl.setStyle(grid)
        return tbl

    story: list[Any] = [
        Paragraph(f"{t('report_title')} — {_esc(report.site)}", h1),
        Paragraph(f"{t('period')} : {report.period_label} · {t.when(report.start)} → {t.when(report.period_end)}"
                  if t.lang == "fr" else
                  f"{t('period')}: {report.period_label} · {t.when(report.start)} → {t.when(report.period_end)}",
                  body),
        Paragraph(f"{t('updated')} : {t.when(report.end)}" if t.lang == "fr" else f"{t('updated')}: {t.when(report.end)}",
                  body),
        Spacer(1, 4 * mm), Paragraph(t("summary"), h2),
        table(summary_header(t), [summary_row(s, t) for s in services]),
        Spacer(1, 4 * mm), Paragraph(t("incidents"), h2),
    ]
    incidents = incident_rows(report, t)
    story.append(table([t("service"), t("start"), t("end"), t("duration"), t("kind"), t("reason")], incidents)
                 if incidents else Paragraph(t("no_incident"), body))
    story += [Spacer(1, 4 * mm), Paragraph(t("maintenance_windows"), h2)]
    maint = maintenance_rows(report, audit, t)
    story.append(table([t("service"), t("start"), t("end"), t("why"), t("who")], maint)
                 if maint else Paragraph(t("none"), body))
    story += [KeepTogether([Paragraph(t("timeline"), h2), timeline(report, services, t, regular)]),
              KeepTogether([Paragraph(t("burndown"), h2), burndown(report, burned(report), t, regular)])]
    doc.build(story)
    return out.getvalue()


def _esc(text: str) -> str:
    """ReportLab paragraphs read a small XML markup: escape the characters it reserves."""
    return pdf_text(escape(text, quote=False))
