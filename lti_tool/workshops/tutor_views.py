"""The tutor's side of assignments (seed 002: 辅导老师 grade assignments): the queue of work to grade
in their classes (the host: every class, with a filter), who is behind, and the grading form with
评分 / 退回修改 / 推优.

Decisions where the issue is silent:
- Pass mark: 60% of the assignment's maximum score (the program documents' default pass mark 60 of
  100, program-rules.md); a score at or above it is also an "assignment.passed" statement, below it
  "assignment.failed".
- Who is behind, and who has not started, is the 情况通报's `reports.standing.standings` for the
  same people (the report of the same class, or of all the tutor's classes): the two pages listed
  different people (half the plan's hours here, 80 % of the required share there; every required
  assignment here, even one not due for a month) and must never disagree.
- 推优 is a toggle for submitted or graded work, not for work returned for revision; a return clears it.
- 推优 pressed with a score (or a new comment) typed grades first, exactly as 评分 would, or
  refuses with 评分's error and changes nothing: it is one form, and what the tutor typed must not be
  silently dropped.
- The form carries the version it shows: a decision sent from a page opened before a resubmission is
  refused (409) with the new version shown and the typed score and comment kept; nothing changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError, fields, validate, validates
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from ..china import china_today
from ..extensions import db
from ..grades.facts import gather
from ..i18n import current_lang, t
from ..models import Activity, Phase, Submission, WorkshopClass, WorkshopMember
from ..models.assignments import SubmissionVersion
from ..params import small_int
from ..reports.standing import BEHIND_SHARE, expected_hours, standings
from ..statements.events import record_event
from ..text import markdown, plain_newlines
from .access import workshop_access
from .assignments import assignment_ref, choice_label, state_label, submission_or_404
from .forms import errors_text, field_error
from .registry import NavLink, register_nav
from .views import bp

PASS_SHARE = Decimal("0.6")
SHOWN = 100  # submissions waiting, processed, and learners behind or not started, listed (all counted)
# Up to this many learners in scope the queue lists who is behind; above, it links the 情况通报.
PROGRESS_INLINE = 2_000

register_nav(NavLink("workshop.tutor_queue", "待批改", "To grade",
                     lambda viewer: viewer.is_tutor or viewer.is_host, order=30))


class GradeInput(Schema):
    action = fields.String(required=True, validate=validate.OneOf(["score", "return", "excellent"]))
    score = fields.Decimal(load_default=None, allow_none=True, allow_nan=False)
    comment = fields.String(load_default="", validate=validate.Length(max=5000))

    @validates("score")
    def _two_places(self, value: Decimal | None, **kwargs: Any) -> None:
        if value is not None and int(value.as_tuple().exponent) < -2:
            raise ValidationError("最多两位小数 / at most 2 decimal places")


def _scope_query(viewer: Any, class_id: int | None) -> Select[Any]:
    """Members whose work this viewer grades: a tutor's own classes, the host's whole workshop (the
    grade pages' scope), or one of those classes (checked by the caller)."""
    from ..grades.views import visible_query

    query = visible_query(viewer)
    return query if class_id is None else query.where(WorkshopMember.class_id == class_id)


def _members(ids: set[int]) -> dict[int, WorkshopMember]:
    return {m.id: m for m in db.session.scalars(select(WorkshopMember).where(WorkshopMember.id.in_(ids)).options(
        joinedload(WorkshopMember.user, innerjoin=True), joinedload(WorkshopMember.workshop_class)))} if ids else {}


def _scope_ids(viewer: Any, class_id: int | None) -> Select[Any]:
    """The same members as a subquery of ids (a submission filter)."""
    return _scope_query(viewer, class_id).with_only_columns(WorkshopMember.id).order_by(None)


@bp.route("/<int:workshop_id>/queue")
@workshop_access("tutor")
def tutor_queue(workshop_id: int) -> Any:
    viewer = g.viewer
    classes = list(db.session.scalars(
        select(WorkshopClass).where(WorkshopClass.workshop_id == workshop_id).order_by(WorkshopClass.name)))
    if not viewer.is_host:
        classes = [c for c in classes if c.id in viewer.class_ids]
    class_id = None
    raw_class = request.args.get("class_id", "")
    if raw_class:
        class_id = small_int(raw_class)
        if class_id is None or class_id not in {c.id for c in classes}:
            abort(400, description="class_id: " + t("不是您的班级", "not one of your classes"))
    activities = {a.id: a for a in db.session.scalars(
        select(Activity).where(Activity.workshop_id == workshop_id, Activity.kind == "assignment")
        .order_by(Activity.position))}
    # Counted and listed in the database, the lists cut at SHOWN: a host's city cohort has tens of
    # thousands of submissions, and the page was 11 MB at 23,000 learners.
    scope_ids = _scope_ids(viewer, class_id)
    theirs = (Submission.activity_id.in_(list(activities)), Submission.member_id.in_(scope_ids))
    by_state = dict(db.session.execute(select(Submission.state, func.count()).where(*theirs)
                                       .group_by(Submission.state)).all()) if activities else {}
    excellent = db.session.scalar(select(func.count()).select_from(Submission)
                                  .where(*theirs, Submission.excellent.is_(True))) if activities else 0
    counts = {"submitted": by_state.get("submitted", 0), "returned": by_state.get("returned", 0),
              "graded": by_state.get("graded", 0), "excellent": excellent or 0}
    first_come = (Submission.submitted_at, Submission.id)
    pending = list(db.session.scalars(select(Submission).where(*theirs, Submission.state == "submitted")
                                      .order_by(*first_come).limit(SHOWN))) if activities else []
    done = list(reversed(db.session.scalars(  # the latest, in the order they came
        select(Submission).where(*theirs, Submission.state != "submitted")
        .order_by(Submission.submitted_at.desc(), Submission.id.desc()).limit(SHOWN)).all())) if activities else []
    phases = list(db.session.scalars(select(Phase).where(Phase.workshop_id == workshop_id)))
    today = china_today()
    # The 情况通报's reader and rules on the same people, in member order, for a class or a tutor's
    # classes. A larger scope (a host's city workshop) is left to the 情况通报 itself: gathering every
    # learner's facts took the host's queue from 0.6 s to about 2 s at 23,000, on a page for grading.
    size = db.session.scalar(_scope_ids(viewer, class_id).with_only_columns(func.count())) or 0
    behind: list[Any] = []
    not_started: list[Any] = []
    if size <= PROGRESS_INLINE:
        scope = list(db.session.scalars(_scope_query(viewer, class_id).options(
            joinedload(WorkshopMember.user, innerjoin=True))))
        rows = standings(gather(viewer.workshop, scope), phases, today)
        behind = [s for s in rows if s.status == "behind"]
        not_started = [s for s in rows if s.status == "not_started"]
    by_id = _members({s.member_id for s in pending} | {s.member_id for s in done})
    return render_template(
        "workshop/tutor_queue.html", workshop=viewer.workshop, viewer=viewer, classes=classes, class_id=class_id,
        pending=pending, done=done, counts=counts, activities=activities, members=by_id, behind=behind[:SHOWN],
        behind_total=len(behind), not_started=not_started[:SHOWN], not_started_total=len(not_started),
        expected=expected_hours(viewer.workshop, phases, today), behind_share=f"{BEHIND_SHARE:.0%}",
        progress_size=size if size > PROGRESS_INLINE else None, state_label=state_label, lang=current_lang(),
    )


def _gradable(workshop_id: int, submission_id: int) -> Submission:
    """A submission this viewer may grade: a tutor of the submitter's class or a host. Someone who
    may see the member (a group leader) gets 403; anyone else 404, as if it did not exist."""
    viewer = g.viewer
    sub = submission_or_404(workshop_id, submission_id)
    if not viewer.can_grade_member(sub.member):
        if viewer.can_see_member(sub.member) and sub.member_id != viewer.member.id:
            abort(403, description=t("只有本班辅导老师或坊主可以批改", "Only the class tutor or the host may grade"))
        abort(404)
    return sub


def _grade_page(sub: Submission, error: str | None = None, form: dict[str, Any] | None = None,
                status: int = 200) -> Any:
    viewer = g.viewer
    activity = db.session.get(Activity, sub.activity_id)
    return render_template(
        "workshop/tutor_grade.html", workshop=viewer.workshop, viewer=viewer, sub=sub, activity=activity,
        member=sub.member, versions=list(reversed(sub.versions)), state_label=state_label,
        choice_label=choice_label, markdown=markdown, error=error, form=form or {},
        pass_mark=(Decimal(activity.max_score) * PASS_SHARE).quantize(Decimal("0.01")) if activity else None,
        lang=current_lang(),
    ), status


@bp.route("/<int:workshop_id>/submissions/<int:submission_id>")
@workshop_access("tutor")
def grade_submission(workshop_id: int, submission_id: int) -> Any:
    return _grade_page(_gradable(workshop_id, submission_id))


def _score(sub: Submission, current: SubmissionVersion | None, score: Decimal | None, comment: str,
           maximum: Decimal, now: datetime) -> tuple[str | None, list[tuple[str, dict[str, Any]]]]:
    """评分: (an error naming the field, no change) or (None, the statements the grade makes). The
    one grading path, shared by 评分 and by 推优 with a score typed."""
    if score is None:
        return field_error("score", "请填写分数", "a score is required"), []
    if not Decimal(0) <= score <= maximum:
        return field_error("score", f"须在 0 到 {maximum} 之间", f"must be between 0 and {maximum}"), []
    score = score.quantize(Decimal("0.01"))
    if sub.state == "graded" and sub.score == score and (sub.comment or "") == comment:
        return None, []  # a second click with the same grade is no new decision
    sub.state, sub.score, sub.comment = "graded", score, comment or None
    sub.graded_by_id, sub.graded_at = g.viewer.member.id, now
    sub.review_revision += 1
    if current is not None:
        current.outcome, current.score, current.feedback = "graded", score, comment or None
    result = {"raw": score, "max": maximum, "comment": comment}
    return None, [("assignment.scored", result),
                  ("assignment.passed" if score >= maximum * PASS_SHARE else "assignment.failed", result)]


def _stale_version(sub: Submission) -> str | None:
    """The form names the version it showed; any decision (评分, 退回修改, 推优) on a page opened
    before a resubmission is refused whole (QA: 95 landed on a version 2 the tutor never read, and
    grading closes resubmission). A form without the field (a page from before it) is not checked."""
    sent = request.form.get("version", "")
    if not sent:
        return None
    shown = small_int(sent)
    if shown is None:
        abort(400, description="version: " + t("不是有效的版本号", "not a valid version number"))
    if shown == sub.version:
        return None
    return t(f"学员在您打开本页后提交了第 {sub.version} 版：请先阅读新版本再评分",
             f"The learner submitted version {sub.version} after you opened this page: read it before grading")


@bp.route("/<int:workshop_id>/submissions/<int:submission_id>/grade", methods=["POST"])
@workshop_access("tutor")
def grade_post(workshop_id: int, submission_id: int) -> Any:
    viewer = g.viewer
    sub = _gradable(workshop_id, submission_id)
    # Locked until the decision is committed (PostgreSQL): a resubmission arriving meanwhile waits,
    # and one that came first is the version compared below.
    db.session.refresh(sub, with_for_update=True)
    activity = db.session.get(Activity, sub.activity_id)
    assert activity is not None
    raw = {k: v for k, v in request.form.items() if k in ("action", "score", "comment") and v != ""}
    if "comment" in raw:  # its 5,000 as the browser's maxlength counts them (text.plain_newlines)
        raw["comment"] = plain_newlines(raw["comment"])
    stale = _stale_version(sub)
    if stale:
        return _grade_page(sub, stale, raw, 409)
    try:
        data = GradeInput().load(raw)
    except ValidationError as exc:
        return _grade_page(sub, errors_text(exc), raw, 400)
    comment = data["comment"].strip()
    current = next((v for v in sub.versions if v.version == sub.version), None)
    now = datetime.now(UTC)
    action = data["action"]
    events: list[tuple[str, dict[str, Any]]] = []
    maximum = Decimal(activity.max_score)
    messages: list[str] = []
    if action == "score":
        error, events = _score(sub, current, data["score"], comment, maximum, now)
        if error:
            return _grade_page(sub, error, raw, 400)
        messages.append(t("已评分", "Graded"))
    elif action == "return":
        if not comment:
            missing = field_error("comment", "退回修改时请写明修改意见", "say what to revise when returning")
            return _grade_page(sub, missing, raw, 400)
        if sub.state == "returned" and (sub.comment or "") == comment:
            messages.append(t("已退回修改", "Returned for revision"))
        else:
            sub.state, sub.comment, sub.score, sub.excellent = "returned", comment, None, False
            sub.graded_by_id, sub.graded_at = viewer.member.id, now
            sub.review_revision += 1
            if current is not None:
                current.outcome, current.score, current.feedback = "returned", None, comment
            events = [("assignment.returned", {})]
            messages.append(t("已退回修改", "Returned for revision"))
    else:
        if sub.state == "returned":
            refused = field_error("action", "已退回修改的作业不能推优",
                                  "work returned for revision cannot be recommended")
            return _grade_page(sub, refused, raw, 400)
        # The form is one: a score or a new comment typed before 推优 is a grade too, saved (or
        # refused, with nothing changed) as 评分 would, never silently dropped. Empty fields
        # (a bare 推优) only recommend.
        if data["score"] is not None or (comment and comment != (sub.comment or "")):
            error, events = _score(sub, current, data["score"], comment, maximum, now)
            if error:
                return _grade_page(sub, error, raw, 400)
            if events:
                messages.append(t("已评分", "Graded"))
        sub.excellent = not sub.excellent
        messages.append(t("已推优", "Recommended as excellent") if sub.excellent
                        else t("已取消推优", "Recommendation withdrawn"))
    db.session.commit()
    ref = assignment_ref(activity)
    for kind, result in events:
        # One statement per decision: the revision in the key makes a changed score a new statement.
        record_event(kind, viewer.workshop, sub.member, ref,
                     key=f"{sub.id}:v{sub.version}:r{sub.review_revision}", data=result)
    for message in messages:
        flash(message)
    return redirect(url_for("workshop.grade_submission", workshop_id=workshop_id, submission_id=sub.id))
