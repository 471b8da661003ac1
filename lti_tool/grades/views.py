"""Grade pages inside a workshop: the table (host: all; tutor: their classes), one learner's
explanation with what they still need, the participant's own grade, manual scores, exports."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, g, render_template, request
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from grading import ComponentResult, LearnerResult, PolicyError, explain, result_to_json
from grading.notes import Lang
from grading.numbers import plain
from grading.results import contribution_text, fixed

from ..extensions import db
from ..i18n import current_lang, t
from ..models import GradeResult, GradeState, StudyGroup, WorkshopClass, WorkshopMember
from ..workshops.access import Viewer, workshop_access
from ..workshops.registry import NavLink, register_nav
from ..workshops.views import bp
from .feed import record_to_json
from .service import NoPolicy, ensure_fresh, state_for_listing, workshop_policy
from .table_query import listing
from .what_if_view import own_grade

PAGE_SIZE = 50

register_nav(NavLink("workshop.grades", "成绩", "Grades", lambda v: v.is_host or v.is_tutor, order=70))
register_nav(NavLink("workshop.my_grade", "我的成绩", "My grade", lambda v: v.member.role == "participant", order=30))


def visible_members(viewer: Viewer) -> list[WorkshopMember]:
    """Graded members this viewer may see: the host everyone, a tutor their classes; with the user,
    class and group each row of an export names (else a query per learner for the name)."""
    return list(db.session.scalars(visible_query(viewer).options(
        selectinload(WorkshopMember.user), selectinload(WorkshopMember.workshop_class),
        selectinload(WorkshopMember.group))))


def visible_query(viewer: Viewer) -> Select[Any]:
    query = select(WorkshopMember).where(WorkshopMember.workshop_id == viewer.workshop.id,
                                         WorkshopMember.role == "participant", WorkshopMember.active.is_(True))
    if not viewer.is_host:
        # A tutor of no class sees nobody (IN of an empty list is false).
        query = query.where(WorkshopMember.class_id.in_(sorted(viewer.class_ids)))
    return query.order_by(WorkshopMember.id)


def _filters() -> dict[str, str]:
    return {k: request.args.get(k, "").strip()[:200] for k in ("school", "class", "group", "band", "passed")}


@bp.route("/<int:workshop_id>/grades")
@workshop_access("tutor")
def grades(workshop_id: int) -> Any:
    viewer: Viewer = g.viewer
    workshop = viewer.workshop
    # The last results, said so, while a city cohort is recomputed, unless the reader asks to wait.
    state, pending = state_for_listing(workshop, wait=bool(request.args.get("fresh")))
    f = _filters()
    listed = listing(visible_query(viewer), workshop.id, state is not None, f,
                     request.args.get("page", 1, type=int) or 1, PAGE_SIZE)
    classes = db.session.scalars(select(WorkshopClass).where(WorkshopClass.workshop_id == workshop_id)
                                 .order_by(WorkshopClass.name)).all()
    if not viewer.is_host:
        classes = [c for c in classes if c.id in viewer.class_ids]
    groups = db.session.scalars(select(StudyGroup).where(StudyGroup.workshop_id == workshop_id)
                                .order_by(StudyGroup.name)).all()
    error = None
    if state is None:
        error_state = db.session.get(GradeState, workshop_id)
        error = error_state.error if error_state is not None else None
    from .writeback import ags_enabled, outbox_status

    return render_template(
        "grades/table.html", workshop=workshop, viewer=viewer, state=state, error=error, pending=pending,
        ags=ags_enabled(workshop) if viewer.is_host else False, outbox=outbox_status(workshop_id),
        rows=listed.rows, page=listed.page, pages=listed.pages, total=listed.total, filters=f, classes=classes,
        groups=groups, schools=listed.schools, bands=listed.bands, summary=listed.summary,
        lang=current_lang(), page_window=page_window,
    )


def page_window(page: int, pages: int, around: int = 2) -> list[int | None]:
    """The page numbers the pager links to: the first, the last and `around` either side of this
    one, None where pages are left out. A city cohort's table has hundreds of pages, and a link to
    each made the page mostly pager on a phone."""
    keep = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    out: list[int | None] = []
    for number in keep:
        if out and number - (out[-1] or 0) == 2:
            out.append(number - 1)  # a gap of one page: the number takes no more room than "…"
        elif out and number - (out[-1] or 0) > 2:
            out.append(None)
        out.append(number)
    return out


def _member_or_404(viewer: Viewer, member_id: int) -> WorkshopMember:
    member = db.session.get(WorkshopMember, member_id)
    if member is None or member.workshop_id != viewer.workshop.id:
        abort(404)
    if not (viewer.is_host or member.id == viewer.member.id
            or (member.class_id is not None and member.class_id in viewer.class_ids)):
        abort(404)  # as if it did not exist: no probing of other classes
    return member


def _explanation_page(viewer: Viewer, member: WorkshopMember) -> Any:
    workshop = viewer.workshop
    # The result shown is the what-if's, from the learner's records as they are now: a city
    # cohort's pending recomputation of everyone is not waited for here either.
    state, _pending = state_for_listing(workshop)
    row = db.session.scalars(select(GradeResult).where(  # one row, not the workshop's thousands
        GradeResult.workshop_id == workshop.id, GradeResult.member_id == member.id)).first() if state else None
    own = needs = res = text = None
    components: list[dict[str, Any]] = []
    if row is not None:
        try:
            policy = workshop_policy(workshop)
        except (NoPolicy, PolicyError):  # a stored scheme that no longer loads: the stored row is shown
            policy = None
        if policy is not None:
            own = own_grade(workshop, policy, member)
    lang: Lang = "en" if current_lang() == "en" else "zh"
    record = row.explanation.get("record") if row is not None else None
    if own is not None:
        needs, record = own.what_if, record_to_json(own.record)  # the data of the result shown
        res, text = result_to_json(needs.result, lang), explain(needs.result, lang, with_id=False)
        components = component_rows(needs.result)
    # Readable as written (names, schools in Chinese); autoescaped in the page like any text.
    data = json.dumps(record, ensure_ascii=False, indent=1) if record is not None else ""
    return render_template("grades/explanation.html", workshop=workshop, viewer=viewer, member=member, row=row,
                           state=state, needs=needs, res=res, components=components, text=text, data=data,
                           lang=lang)


def component_rows(result: LearnerResult) -> list[dict[str, Any]]:
    """The rows of the explanation's components table, in the order the policy lists them.

    Each is named by its label, the host's own words, as the what-if list and the manual-score
    sheet name it (a label is written once, in the scheme's language; the key only when there is
    none). The contribution is rounded half up to the places of the total, like the score beside
    it; `exact` is the value the written explanation gives (two more places), shown on hover.
    """
    p = result.precision
    rows: list[dict[str, Any]] = []

    def add(comps: tuple[ComponentResult, ...], depth: int) -> None:
        for c in comps:
            rows.append({"path": c.path, "name": c.label or c.path, "depth": depth, "score": fixed(c.score, p),
                         "max": plain(c.max), "weight": plain(c.weight),
                         "contribution": fixed(c.contribution, p),
                         "exact": contribution_text(c.contribution, p)})
            add(c.children, depth + 1)

    add(result.components, 0)
    return rows


@bp.route("/<int:workshop_id>/grades/m/<int:member_id>")
@workshop_access("tutor")
def member_grade(workshop_id: int, member_id: int) -> Any:
    viewer: Viewer = g.viewer
    return _explanation_page(viewer, _member_or_404(viewer, member_id))


@bp.route("/<int:workshop_id>/my-grade")
@workshop_access("any")
def my_grade(workshop_id: int) -> Any:
    viewer: Viewer = g.viewer
    if viewer.member.role != "participant":
        abort(404, description="只有学员有成绩 / Only participants are graded")
    return _explanation_page(viewer, viewer.member)


@bp.route("/<int:workshop_id>/grades/writeback", methods=["POST"])
@workshop_access("host")
def grades_writeback(workshop_id: int) -> Any:
    """Send the queued totals to the LMS gradebook now (the background worker also does)."""
    from flask import flash, redirect, url_for

    from .writeback import deliver_due, writeback_refusal

    workshop = g.viewer.workshop
    refusal = writeback_refusal(workshop)
    if refusal:
        abort(409, description=refusal)
    ensure_fresh(workshop)
    done = deliver_due(workshop_id=workshop.id)
    flash(t(f"已回传 {done['sent']} 条，失败 {done['failed']} 条", f"sent {done['sent']}, failed {done['failed']}")
          + (t(f"；平台无响应，{done['held']} 条稍后再发",
               f"; the platform stopped answering, {done['held']} left for later") if done["held"] else ""))
    return redirect(url_for("workshop.grades", workshop_id=workshop_id))
