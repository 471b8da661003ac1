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

from flask import abort, g, render_template, request
from sqlalchemy import select

from ..china import china_today
from ..extensions import db
from ..grades.service import graded_members, state_for_listing, stored_grades
from ..i18n import current_lang
from ..models import Activity, Submission, WorkshopClass, WorkshopMember
from ..params import small_int
from ..workshops.access import Viewer, workshop_access
from ..workshops.registry import NavLink, register_nav
from ..workshops.views import bp
from .cache import cached
from .participation import Overview, build_overview
from .plain_data import from_plain, to_plain
from .shared_cache import Codec

# The page's figures and whether grades were in, as JSON: with Redis, one computation serves every worker.
OVERVIEW: Codec[tuple[Overview, bool]] = Codec(
    encode=lambda pair: {"overview": to_plain(pair[0]), "graded": pair[1]},
    decode=lambda plain: (from_plain(Overview, plain["overview"]), bool(plain["graded"])))

register_nav(NavLink("workshop.overview", "研修主页", "Overview", lambda v: True, order=15))


@bp.route("/<int:workshop_id>/overview")
@workshop_access("any")
def overview(workshop_id: int) -> Any:
    """The workshop's homepage, or with ?class=<id> that class's (班级主页): the same tables and
    chart for the class's participants, and with rankings on, the class's ten best totals."""
    viewer: Viewer = g.viewer
    workshop = viewer.workshop
    classes = db.session.scalars(select(WorkshopClass).where(WorkshopClass.workshop_id == workshop.id)
                                 .order_by(WorkshopClass.name)).all()
    klass = None
    if request.args.get("class"):
        chosen = small_int(request.args.get("class"))
        klass = next((c for c in classes if c.id == chosen), None)
        if klass is None:
            abort(404)
    ranked = workshop.rankings_enabled
    today = china_today()

    def compute() -> tuple[Overview, bool]:
        state, _pending = state_for_listing(workshop)  # already a cached aggregate: no notice
        results = stored_grades(workshop) if state is not None else {}
        members = graded_members(workshop)
        if klass is not None:
            members = [m for m in members if m.class_id == klass.id]
        ov = build_overview(workshop, members, results, today, with_top=ranked)
        if ranked:
            for rows in (ov.by_class, ov.by_school, ov.by_town, ov.by_group):
                rows.sort(key=lambda r: (-r.week_rate, -r.completion, r.name))
        return ov, state is not None

    ov, graded = cached(("overview", workshop.id, klass.id if klass else None, today, ranked), compute, OVERVIEW)
    query = (select(Submission, WorkshopMember, Activity.title)
             .join(WorkshopMember, WorkshopMember.id == Submission.member_id)
             .join(Activity, Activity.id == Submission.activity_id)
             .where(Activity.workshop_id == workshop.id, Submission.excellent.is_(True),
                    WorkshopMember.active.is_(True)))
    if klass is not None:
        query = query.where(WorkshopMember.class_id == klass.id)
    excellent = db.session.execute(
        query.order_by(Submission.graded_at.desc().nulls_last(), Submission.id.desc()).limit(5)).all()
    peak = max((d.active for d in ov.days), default=0)
    return render_template("reports/overview.html", workshop=workshop, viewer=viewer, ov=ov, ranked=ranked,
                           excellent=excellent, peak=peak, graded=graded, klass=klass,
                           class_ids={c.name: c.id for c in reversed(classes)},
                           lang=current_lang())
