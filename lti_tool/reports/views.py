"""情况通报 pages: the report for a period (printable), its XLSX, and the text for a WeChat group.
Hosts report on the workshop or one class; tutors on their own classes only."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import abort, g, render_template, request
from sqlalchemy import select

from ..china import china_today
from ..downloads import download
from ..extensions import db
from ..i18n import current_lang, t
from ..models import WorkshopClass
from ..params import small_int
from ..workshops.access import Viewer, workshop_access
from ..workshops.forms import DATE_ERROR, FIRST_DAY, LAST_DAY, in_page_language, labelled
from ..workshops.registry import NavLink, register_nav
from ..workshops.views import bp
from .progress_report import build_report, wechat_text
from .standing import STATUS_LABELS
from .xlsx import report_xlsx

MAX_DAYS = 366
# Learners named in each list of the page (the counts and the XLSX have everyone): a city
# workshop's page listed 23,000 and weighed 7.8 MB.
LISTED = 500
register_nav(NavLink("workshop.progress_report", "情况通报", "Progress report",
                     lambda v: v.is_host or v.is_tutor, order=75))


class PeriodError(Exception):
    """A period that cannot be reported on; the message is in the page's language."""


# The period form's visible labels, which the messages name.
_LABELS = {"from": ("从", "From"), "to": ("到", "To")}


def _date(name: str, default: date) -> date:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise PeriodError(labelled(t(*_LABELS[name]), t("请输入日期，如 2026-03-01",
                                                        "enter a date such as 2026-03-01"))) from None
    if not FIRST_DAY <= day <= LAST_DAY:  # at the calendar's ends the period's days cannot be counted
        raise PeriodError(labelled(t(*_LABELS[name]), in_page_language(DATE_ERROR)))
    return day


def _default_period() -> tuple[date, date]:
    today = china_today()
    return today - timedelta(days=6), today


def _period() -> tuple[date, date]:
    end = _date("to", china_today())
    start = _date("from", end - timedelta(days=6))
    if start > end:
        raise PeriodError(t("“从”的日期晚于“到”的日期", "“From” is after “To”"))
    if (end - start).days >= MAX_DAYS:
        raise PeriodError(t(f"时段最长 {MAX_DAYS} 天", f"A period is at most {MAX_DAYS} days"))
    return start, end


def _classes(viewer: Viewer) -> tuple[list[int] | None, list[WorkshopClass]]:
    """The classes in scope (None = the whole workshop) and those the viewer may choose from."""
    query = select(WorkshopClass).where(WorkshopClass.workshop_id == viewer.workshop.id).order_by(WorkshopClass.name)
    if not viewer.is_host:
        query = query.where(WorkshopClass.id.in_(viewer.class_ids))
    choices = list(db.session.scalars(query))
    raw = (request.args.get("class") or "").strip()
    if raw:
        if small_int(raw) not in {c.id for c in choices}:
            # Another workshop's class, or one this tutor does not run: as if it did not exist.
            abort(404)
        return [int(raw)], choices
    return (None if viewer.is_host else sorted(viewer.class_ids)), choices


@bp.route("/<int:workshop_id>/report")
@workshop_access("tutor")
def progress_report(workshop_id: int) -> Any:
    viewer: Viewer = g.viewer
    try:
        start, end = _period()
        period_error = None
    except PeriodError as exc:
        # A 400 that is still the report page: the message by the period form, which keeps what was
        # typed, and below it the default period's report (its heading says which days it covers).
        period_error = str(exc)
        start, end = _default_period()
    class_ids, choices = _classes(viewer)
    report = build_report(viewer.workshop, class_ids, start, end)
    return render_template("reports/progress.html", workshop=viewer.workshop, viewer=viewer, report=report,
                           text=wechat_text(report), choices=choices, chosen=request.args.get("class", ""),
                           labels=STATUS_LABELS, listed=LISTED, lang=current_lang(),
                           period_error=period_error), (400 if period_error else 200)


@bp.route("/<int:workshop_id>/report.xlsx")
@workshop_access("tutor")
def progress_report_xlsx(workshop_id: int) -> Any:
    viewer: Viewer = g.viewer
    try:
        start, end = _period()
    except PeriodError as exc:  # a download has no page to show the form on: the error page says it
        abort(400, description=str(exc))
    class_ids, _ = _classes(viewer)
    report = build_report(viewer.workshop, class_ids, start, end)
    name = f"{viewer.workshop.title}-情况通报-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    return download(report_xlsx(report), name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    fallback=f"yanxiu-report-{workshop_id}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
