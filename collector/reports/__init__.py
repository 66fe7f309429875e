"""Availability reports: a period of the store's history, as HTML or PDF, in French or English."""

from __future__ import annotations

from pathlib import Path

from collector import names
from collector.audit import AuditLog
from collector.availability.settings import AvailabilitySettings
from collector.pages.i18n import Words
from collector.reports.figures import Report, build_report
from collector.reports.history import Period, month_period, read_history, span_period
from collector.reports.render import render_html, render_pdf

FORMATS = ("html", "pdf")
CONTENT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def period_from(zone, period: str | None, start: str | None, end: str | None) -> Period:  # noqa: ANN001
    if period and (start or end):
        raise ValueError("give either a period (YYYY-MM) or from and to, not both")
    if period:
        return month_period(period, zone)
    if start and end:
        return span_period(start, end, zone)
    raise ValueError("give a period (YYYY-MM, such as 2026-11) or both from and to")


def make_report(state_dir: Path, settings: AvailabilitySettings, site: str, period: Period, lang: str,
                fmt: str, *, as_of: float | None = None) -> tuple[Report, bytes]:
    """Read the store under ``state_dir`` and render the report (blocking: call it in a thread)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of: {', '.join(FORMATS)}")
    history = read_history(state_dir / names.AVAILABILITY_DB, period, as_of)
    report = build_report(history, settings, site)
    audit_path = state_dir / names.AUDIT_DB
    audit = []
    if audit_path.is_file():
        log = AuditLog(audit_path)
        try:
            audit = log.entries(period.start, period.end)
        finally:
            log.close()
    words = Words(lang, settings.zone)
    body = render_pdf(report, audit, words) if fmt == "pdf" else render_html(report, audit, words).encode()
    return report, body


__all__ = ["CONTENT_TYPES", "FORMATS", "Report", "make_report", "period_from"]
