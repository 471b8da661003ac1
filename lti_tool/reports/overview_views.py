"""研修主页 (`/w/<id>/overview`): the workshop's participation per day and by school, town, class and
group, completion, passes, the spread of bands, rankings when the host turns them on, and the
latest excellent work. Every member sees it: seed 004 方案1 publishes each school's participation
to everyone every day, to spur schools and classes on.

Decisions where the issue is silent: the tables are aggregates (no one's personal record); with
rankings on (workshop setup), classes and schools are ordered by this week's participation and
the ten best totals are named; with rankings off they are listed by name and no one is named.
"""

from __future__ import annotations

from typing import Any

from flask import g, render_template, session
from sqlalchemy import select

from ..extensions import db
from ..grades.service import ensure_fresh, graded_members, stored_grades
from ..models import Activity, Submission, WorkshopMember
from ..workshops.access import Viewer, workshop_access
from ..workshops.registry import NavLink, register_nav
from ..workshops.views import bp
from .participation import build_overview
from .standing import china_today

register_nav(NavLink("workshop.overview", "研修主页", "Overview", lambda v: True, order=15))


@bp.route("/<int:workshop_id>/overview")
@workshop_access("any")
def overview(workshop_id: int) -> Any:
    viewer: Viewer = g.viewer
    workshop = viewer.workshop
    state = ensure_fresh(workshop)
    results = stored_grades(workshop) if state is not None else {}
    ov = build_overview(workshop, graded_members(workshop), results, china_today(),
                        with_top=workshop.rankings_enabled)
    ranked = workshop.rankings_enabled
    if ranked:
        for rows in (ov.by_class, ov.by_school, ov.by_town, ov.by_group):
            rows.sort(key=lambda r: (-r.week_rate, -r.completion, r.name))
    excellent = db.session.execute(
        select(Submission, WorkshopMember, Activity.title)
        .join(WorkshopMember, WorkshopMember.id == Submission.member_id)
        .join(Activity, Activity.id == Submission.activity_id)
        .where(Activity.workshop_id == workshop.id, Submission.excellent.is_(True), WorkshopMember.active.is_(True))
        .order_by(Submission.graded_at.desc().nulls_last(), Submission.id.desc()).limit(5)
    ).all()
    peak = max((d.active for d in ov.days), default=0)
    return render_template("reports/overview.html", workshop=workshop, viewer=viewer, ov=ov, ranked=ranked,
                           excellent=excellent, peak=peak, graded=state is not None,
                           lang=session.get("lang", "zh"))
