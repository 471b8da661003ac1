"""The host changes or removes a phase or an activity after adding it (a wrong title, dates added
later, a due date moved). Removal never takes learners' work with it: an activity with any record
(submissions, posts, attendance, viewing time, statements) cannot be removed — its rows would go
with it (ON DELETE CASCADE) — and a phase with activities cannot either."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import func, select

from ..china import CHINA
from ..extensions import db
from ..i18n import current_lang, t
from ..models import Activity, Attendance, Phase, Post, Statement, Submission, VideoProgress
from ..statements.events import activity_iri
from .access import workshop_access
from .forms import ActivityInput, PhaseInput, errors_text, form_data, labelled
from .learner_views import activity_or_404
from .views import bp


def _phase_or_404(workshop_id: int, phase_id: int) -> Phase:
    phase = db.session.get(Phase, phase_id)
    if phase is None or phase.workshop_id != workshop_id:
        abort(404)
    return phase


def _phases(workshop_id: int) -> list[Phase]:
    return list(db.session.scalars(select(Phase).where(Phase.workshop_id == workshop_id).order_by(Phase.position)))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 600.000 → 600, as the host typed it
    return str(value)


def phase_values(phase: Phase) -> dict[str, str]:
    """The phase as its form shows it."""
    return {"title": phase.title, "starts_on": _text(phase.starts_on), "ends_on": _text(phase.ends_on),
            "planned_hours": _text(phase.planned_hours)}


def activity_values(activity: Activity) -> dict[str, str]:
    """The activity as its form shows it: the due time in China time, the tasks one a line."""
    values = {"kind": activity.kind, "phase_id": _text(activity.phase_id), "title": activity.title,
              "body": activity.body or "", "video_url": activity.video_url or "",
              "video_seconds": _text(activity.video_seconds), "max_score": _text(activity.max_score),
              "due_at": activity.due_at.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M") if activity.due_at else "",
              "choices": "\n".join(activity.choices or []), "per_class": "1" if activity.per_class else "0",
              "session_date": _text(activity.session_date), "place": activity.place or "",
              "planned_hours": _text(activity.planned_hours)}
    if activity.required:
        values["required"] = "1"
    return values


class ActivityRefused(Exception):
    """An activity form refused: the message, in the page's language, for beside the form."""


def activity_input(workshop_id: int, sent: dict[str, Any]) -> dict[str, Any]:
    """An activity form's values, checked (ActivityInput, and its phase is this workshop's), with
    the tasks one a line as a list: for adding one and for changing one. Raises ActivityRefused."""
    try:
        data: dict[str, Any] = ActivityInput().load(sent)
    except ValidationError as exc:
        raise ActivityRefused(errors_text(exc)) from None
    if data["phase_id"] is not None:
        phase = db.session.get(Phase, data["phase_id"])
        if phase is None or phase.workshop_id != workshop_id:
            raise ActivityRefused(labelled(t("阶段", "Phase"), t("不是本工作坊的阶段", "not a phase of this workshop")))
    data["choices"] = [c.strip()[:200] for c in data.pop("choices").splitlines() if c.strip()]
    return data


def _page(template: str, status: int = 200, **context: Any) -> Any:
    return render_template(template, workshop=g.viewer.workshop, viewer=g.viewer, lang=current_lang(),
                           **context), status


@bp.route("/<int:workshop_id>/setup/phases/<int:phase_id>", methods=["GET", "POST"])
@workshop_access("host")
def edit_phase(workshop_id: int, phase_id: int) -> Any:
    phase = _phase_or_404(workshop_id, phase_id)
    if request.method == "GET":
        return _page("workshop/setup_phase.html", phase=phase, values=phase_values(phase))
    try:
        data = PhaseInput().load(form_data(request.form))
    except ValidationError as exc:
        return _page("workshop/setup_phase.html", 400, phase=phase, values=request.form, error=errors_text(exc))
    for key, value in data.items():
        setattr(phase, key, value)
    db.session.commit()
    flash(t(f"已保存阶段「{phase.title}」", f"Phase saved: {phase.title}"))
    return redirect(url_for("workshop.setup", workshop_id=workshop_id, _anchor="saved"))


@bp.route("/<int:workshop_id>/setup/phases/<int:phase_id>/delete", methods=["POST"])
@workshop_access("host")
def delete_phase(workshop_id: int, phase_id: int) -> Any:
    phase = _phase_or_404(workshop_id, phase_id)
    inside = db.session.scalar(select(func.count()).select_from(Activity).where(Activity.phase_id == phase.id))
    if inside:
        return _page("workshop/setup_phase.html", 409, phase=phase, values=phase_values(phase),
                     error=t(f"本阶段还有 {inside} 个活动：先把它们移到其他阶段或删除，再删除本阶段",
                             f"{inside} activities are in this phase: move or delete them first"))
    title = phase.title
    db.session.delete(phase)
    db.session.commit()
    flash(t(f"已删除阶段「{title}」", f"Phase deleted: {title}"))
    return redirect(url_for("workshop.setup", workshop_id=workshop_id, _anchor="saved"))


def _refused(activity: Activity, error: str, status: int = 400) -> Any:
    return _page("workshop/setup_activity.html", status, activity=activity, values=request.form,
                 phases=_phases(activity.workshop_id), error=error)


@bp.route("/<int:workshop_id>/setup/activities/<int:activity_id>", methods=["GET", "POST"])
@workshop_access("host")
def edit_activity(workshop_id: int, activity_id: int) -> Any:
    activity = activity_or_404(workshop_id, activity_id)
    if request.method == "GET":
        return _page("workshop/setup_activity.html", activity=activity, values=activity_values(activity),
                     phases=_phases(workshop_id))
    # The kind stays: a video's viewing time or an assignment's submissions mean nothing as another kind.
    try:
        data = activity_input(workshop_id, {**form_data(request.form), "kind": activity.kind})
    except ActivityRefused as exc:
        return _refused(activity, str(exc))
    if activity.kind == "assignment":
        highest = db.session.scalar(select(func.max(Submission.score)).where(Submission.activity_id == activity.id))
        if highest is not None and Decimal(highest) > data["max_score"]:
            # A score above the maximum would count for more than the whole assignment.
            given = _text(Decimal(highest))
            return _refused(activity, labelled(t("满分", "Maximum score"), t(
                f"已有成绩 {given} 分，高于新的满分", f"a score of {given} is above it")))
    data.pop("kind")
    for key, value in data.items():
        setattr(activity, key, value)
    db.session.commit()  # grades/stale.py marks the workshop's grades for recomputation
    flash(t(f"已保存活动「{activity.title}」", f"Activity saved: {activity.title}"))
    return redirect(url_for("workshop.setup", workshop_id=workshop_id, _anchor="saved"))


def records_of(activity: Activity) -> dict[str, int]:
    """How many learner records of each kind concern this activity (only kinds with any)."""
    iri = activity_iri(activity.kind, activity.id)
    counts = {
        "submissions": select(func.count()).select_from(Submission).where(Submission.activity_id == activity.id),
        "posts": select(func.count()).select_from(Post).where(Post.activity_id == activity.id),
        "attendance": select(func.count()).select_from(Attendance).where(Attendance.activity_id == activity.id),
        "viewing": select(func.count()).select_from(VideoProgress).where(VideoProgress.video_id == iri),
        "statements": select(func.count()).select_from(Statement).where(Statement.object_id == iri),
    }
    found = {name: int(db.session.scalar(query) or 0) for name, query in counts.items()}
    return {name: n for name, n in found.items() if n}


RECORD_WORDS = {"submissions": ("份作业", "submissions"), "posts": ("条帖子", "posts"),
                "attendance": ("条考勤", "attendance records"), "viewing": ("条观看记录", "viewing records"),
                "statements": ("条学习记录", "learning records")}


@bp.route("/<int:workshop_id>/setup/activities/<int:activity_id>/delete", methods=["POST"])
@workshop_access("host")
def delete_activity(workshop_id: int, activity_id: int) -> Any:
    activity = activity_or_404(workshop_id, activity_id)
    found = records_of(activity)
    if found:
        listed = t("、".join(f"{n} {RECORD_WORDS[k][0]}" for k, n in found.items()),
                   ", ".join(f"{n} {RECORD_WORDS[k][1]}" for k, n in found.items()))
        return _page("workshop/setup_activity.html", 409, activity=activity, values=activity_values(activity),
                     phases=_phases(workshop_id), error=t(
                         f"已有学员的记录（{listed}），不能删除：可改为选做，或在标题中注明停用",
                         f"learners have records here ({listed}), so it cannot be deleted: make it optional, "
                         "or say in its title that it is no longer used"))
    title = activity.title
    db.session.delete(activity)
    db.session.commit()
    flash(t(f"已删除活动「{title}」", f"Activity deleted: {title}"))
    return redirect(url_for("workshop.setup", workshop_id=workshop_id, _anchor="saved"))
