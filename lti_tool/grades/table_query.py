"""The grade table's listing, filtered, counted, summed and paged in the database: the page loads
its fifty rows whole and reads nothing else row by row (a city cohort's 23,000 members and results
read as rows took 187 ms of the page; make bench BENCH=pages with BENCH_PAGES_MEMBERS=23000)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Select, and_, case, cast, false, func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import GradeResult, WorkshopMember
from ..params import small_int

CENT = Decimal("0.01")


@dataclass
class Listing:
    rows: list[tuple[WorkshopMember, Any]]  # the page's members with their stored result (or None)
    total: int  # members matching the filters
    page: int
    pages: int
    summary: dict[str, Any]
    schools: list[str]  # every visible member's school, for the filter
    bands: list[str]  # every band the stored results hold, for the filter


def _id_filter(column: Any, value: str) -> Any:
    """The form sends an id as text; only its own spelling matches (as comparing the text did)."""
    number = small_int(value)
    return column == number if number is not None and str(number) == value else false()


def listing(visible: Select[Any], workshop_id: int, computed: bool, f: dict[str, str], page: int,
            page_size: int) -> Listing:
    """`visible`: the members this viewer may see, ordered; `computed`: whether results are shown."""
    result = and_(GradeResult.member_id == WorkshopMember.id, GradeResult.workshop_id == workshop_id)
    base = visible.outerjoin(GradeResult, result if computed else false())
    if f["school"]:
        base = base.where(WorkshopMember.school == f["school"])
    if f["class"]:
        base = base.where(_id_filter(WorkshopMember.class_id, f["class"]))
    if f["group"]:
        base = base.where(_id_filter(WorkshopMember.group_id, f["group"]))
    if f["band"]:
        base = base.where(GradeResult.band == f["band"])
    if f["passed"] in ("yes", "no"):
        base = base.where(GradeResult.passed.is_(f["passed"] == "yes"))
    # Everyone matching, and of them those with a result: one pass for the count and the summary.
    total, count, passed, cents = db.session.execute(base.order_by(None).with_only_columns(
        func.count(), func.count(GradeResult.member_id), func.sum(case((GradeResult.passed.is_(True), 1), else_=0)),
        func.sum(cast(func.round(GradeResult.total * 100), Integer)))).one()
    pages = max(1, (total + page_size - 1) // page_size)
    page = min(max(1, page), pages)
    shown = db.session.execute(
        base.with_only_columns(WorkshopMember, GradeResult.total, GradeResult.band, GradeResult.passed,
                               GradeResult.credits, GradeResult.outstanding, GradeResult.member_id)
        .options(selectinload(WorkshopMember.user), selectinload(WorkshopMember.workshop_class))
        .limit(page_size).offset((page - 1) * page_size)).all()
    rows = [(r[0], r if r.member_id is not None else None) for r in shown]
    schools = db.session.scalars(visible.with_only_columns(WorkshopMember.school).distinct().order_by(None)
                                 .where(WorkshopMember.school.isnot(None), WorkshopMember.school != "")).all()
    bands = db.session.scalars(select(GradeResult.band).distinct().where(
        GradeResult.workshop_id == workshop_id, GradeResult.band.isnot(None), GradeResult.band != "")).all() \
        if computed else []
    return Listing(rows, int(total), page, pages, _summary(base, int(count), int(passed or 0), cents),
                   sorted(s for s in schools if s), sorted(b for b in bands if b))


def _summary(base: Select[Any], count: int, passed: int, cents: int | None) -> dict[str, Any]:
    """Of the matching members that have a result: how many, how many passed, the average (exact:
    summed in cents, as integers, on both databases) and the bands."""
    if not count:
        return {"count": 0}
    graded = base.where(GradeResult.member_id.isnot(None)).order_by(None)
    band = func.coalesce(GradeResult.band, "")
    # In the order the bands first appear down the table, as the page lists them.
    bands = db.session.execute(graded.with_only_columns(band, func.count()).group_by(band)
                               .order_by(func.min(WorkshopMember.id))).all()
    return {"count": count, "passed": passed, "bands": {name or "—": int(n) for name, n in bands},
            "average": (Decimal(int(cents or 0)) / 100 / count).quantize(CENT)}
