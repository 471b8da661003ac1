"""研修工作室: one participant's whole standing at a glance (dashboards issue §1; seed 004 方案1
"每位学员将设有一个研修工作室，通过各项指标详细展示学员在培训中的表现").

Every number comes from `grades.facts.gather` — the same reader that feeds the grade engine — and
the grade is the engine's own result for this learner with `what_if` (one source of truth, §6).

Decisions where the issue is silent:
- The participant sees their own studio; the host, the tutor of their class and the leader of their
  group see it too (the people who follow them up), through `/studio/<member id>`; others get 404.
- A group leader is a participant who organises study (program-rules: "leader hosts day-to-day
  activities and chases missing work"): they see a member's progress (hours, activities, posts, what
  was handed in) but not her grade, band, pass, what she still needs for it, nor an assignment's score
  or comment, as her grade page (403) and the 优秀作业 showcase already keep them from classmates. For
  them an assignment counts done once handed in, as in the 情况通报, not by its score.
- The grade is computed fresh for this learner (one person's records unless the scheme ranks people
  against each other), so the studio never shows a stale grade and never recomputes a whole city.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import abort, g, render_template
from sqlalchemy import select

from ..extensions import db
from ..grades.facts import WorkshopFacts, gather
from ..i18n import current_lang
from ..models import Attendance, Phase, Submission, WorkshopMember
from ..text import markdown
from .access import Viewer, workshop_access
from .assignments import state_label
from .attendance import STATUS_LABELS
from .registry import NavLink, register_nav
from .views import bp

register_nav(NavLink("workshop.studio", "研修工作室", "My studio", lambda v: v.member.role == "participant", order=20))
ZERO = Decimal(0)


@dataclass
class PhaseHours:
    title: str
    planned: Decimal | None
    video: Decimal
    offline: Decimal

    @property
    def total(self) -> Decimal:
        return self.video + self.offline


@dataclass
class ActivityRow:
    activity: Any
    completion: Decimal | None  # 0–1, None when it cannot count yet
    # Graded work is done, whatever its score (which the completion carries, for the grade): an
    # assignment scored 85 stayed ○ and out of 必做完成 for good.
    graded: bool = False

    @property
    def done(self) -> bool:
        return self.graded or (self.completion is not None and self.completion >= 1)

    @property
    def percent(self) -> int | None:
        return None if self.completion is None else int(self.completion * 100)


@bp.route("/<int:workshop_id>/studio")
@workshop_access("any")
def studio(workshop_id: int) -> Any:
    viewer: Viewer = g.viewer
    if viewer.member.role != "participant":
        abort(404, description="研修工作室属于学员 / The studio belongs to participants")
    return _page(viewer, viewer.member)


@bp.route("/<int:workshop_id>/studio/<int:member_id>")
@workshop_access("leader")
def member_studio(workshop_id: int, member_id: int) -> Any:
    viewer: Viewer = g.viewer
    member = db.session.get(WorkshopMember, member_id)
    if member is None or member.role != "participant" or not viewer.can_see_member(member):
        abort(404)  # as if it did not exist: no probing of other classes or groups
    return _page(viewer, member)


def _page(viewer: Viewer, member: WorkshopMember) -> Any:
    workshop = viewer.workshop
    wf = gather(workshop, [member])
    facts = wf.members[member.id]
    phases = db.session.scalars(select(Phase).where(Phase.workshop_id == workshop.id).order_by(Phase.position)).all()
    by_phase = [PhaseHours(p.title, p.planned_hours, wf.video_hours(facts, p.id), wf.offline_hours(facts, p.id))
                for p in phases]
    if any(a.phase_id is None for a in wf.activities):
        by_phase.append(PhaseHours("", None, wf.video_hours(facts, None), wf.offline_hours(facts, None)))
    # The grade's readers: the learner, her class's tutor, the host (as /grades/m/<id>).
    sees_grades = member.id == viewer.member.id or viewer.can_grade_member(member)
    submissions = {s.activity_id: s for s in db.session.scalars(
        select(Submission).where(Submission.member_id == member.id))}
    rows = [ActivityRow(a, wf.completion(facts, a) if sees_grades or a.kind != "assignment"
                        else Decimal(a.id in facts.submitted),
                        graded=a.kind == "assignment" and getattr(submissions.get(a.id), "state", None) == "graded")
            for a in wf.activities]
    attendance = {a.activity_id: a for a in db.session.scalars(
        select(Attendance).where(Attendance.member_id == member.id))}
    return render_template(
        "workshop/studio.html", workshop=workshop, viewer=viewer, member=member, facts=facts, wf=wf,
        by_phase=by_phase, video_hours=wf.video_hours(facts), offline_hours=wf.offline_hours(facts),
        rows=rows, required=[r for r in rows if r.activity.required],
        optional=[r for r in rows if not r.activity.required], submissions=submissions,
        attendance=attendance, grade=_grade(wf, member) if sees_grades else None, sees_grades=sees_grades,
        own=member.id == viewer.member.id,
        state_label=state_label, status_label=lambda s: STATUS_LABELS.get(s, (s, s)), markdown=markdown,
        lang=current_lang(),
    )


def _grade(wf: WorkshopFacts, member: WorkshopMember) -> Any:
    """The engine's result for this learner and what they still need, or None without a scheme."""
    from grading import PolicyError

    from ..grades.service import NoPolicy, workshop_policy
    from ..grades.what_if_view import what_if_for

    try:
        policy = workshop_policy(wf.workshop)
    except (NoPolicy, PolicyError):  # a stored scheme that no longer loads: the host's grade table says why
        return None
    return what_if_for(wf.workshop, policy, member, wf)
