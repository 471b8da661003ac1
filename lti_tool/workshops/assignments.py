"""Assignments (作业), the participant's side: instructions, "pick one of N" tasks (seed 004 方案4),
a text answer and/or one file, resubmission while not graded or after a return for revision, every
version kept, and downloads only for the owner, their tutor and the host.

Decisions where the issue is silent:
- After the due date a submission is still accepted and marked 迟交 (late), for the tutor to see:
  the program documents give no cut-off rule and Activity has no "late allowed" switch.
- Only participants (学员) submit; hosts, tutors and observers see the page without the form.
- A graded submission is final (409) unless the tutor returns it for revision.
- Without a new file, a resubmission keeps the previous file unless "remove the file" is ticked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from xapi import ActivityRef, vocab

from ..china import china_time
from ..extensions import db
from ..i18n import current_lang, t
from ..models import Activity, Submission
from ..models.assignments import SubmissionVersion
from ..statements.events import activity_iri, record_event
from ..text import markdown, plain_newlines
from .access import workshop_access
from .forms import errors_text, field_error
from .learner_views import activity_or_404
from .registry import register_kind_page
from .uploads import UploadError, browser_check, remove_upload, save_upload, send_upload
from .views import bp

MAX_TEXT = 20_000

STATE_LABELS = {
    "submitted": ("已提交", "Submitted"),
    "returned": ("已退回修改", "Returned for revision"),
    "graded": ("已评分", "Graded"),
}


def state_label(state: str) -> str:
    return t(*STATE_LABELS.get(state, (state, state)))


def assignment_or_404(workshop_id: int, activity_id: int) -> Activity:
    activity = activity_or_404(workshop_id, activity_id)
    if activity.kind != "assignment":
        abort(404)
    return activity


def submission_or_404(workshop_id: int, submission_id: int) -> Submission:
    """A submission of an assignment of this workshop; ids of another workshop are 404."""
    sub = db.session.get(Submission, submission_id)
    if sub is None:
        abort(404)
    activity = db.session.get(Activity, sub.activity_id)
    if activity is None or activity.workshop_id != workshop_id:
        abort(404)
    return sub


def assignment_ref(activity: Activity) -> ActivityRef:
    return ActivityRef(activity_iri("assignment", activity.id), activity.title, vocab.ASSIGNMENT)


def choice_label(activity: Activity, choice: int | None) -> str | None:
    choices = list(activity.choices or [])
    if choice is None or not 0 <= choice < len(choices):
        return None
    return f"{choice + 1}. {choices[choice]}"


class SubmitInput(Schema):
    text = fields.String(load_default="", validate=validate.Length(max=MAX_TEXT))
    choice = fields.Integer(load_default=None, allow_none=True)
    remove_file = fields.Boolean(load_default=False)


register_kind_page("assignment", "workshop.assignment")


@bp.route("/<int:workshop_id>/as/<int:activity_id>")
@workshop_access("any")
def assignment(workshop_id: int, activity_id: int) -> Any:
    return _page(assignment_or_404(workshop_id, activity_id))


def _page(activity: Activity, error: str | None = None, form: dict[str, Any] | None = None, status: int = 200,
          failed: str | None = None) -> Any:
    """The assignment page; a refused submission comes back with `error` and what was typed (`form`).
    `failed` = "file" puts the message beside the file input too (the one above the page links there)."""
    viewer = g.viewer
    sub = db.session.scalars(
        select(Submission).where(Submission.activity_id == activity.id, Submission.member_id == viewer.member.id)
    ).first()
    now = datetime.now(UTC)
    can_submit = viewer.member.role == "participant" and (sub is None or sub.state != "graded")
    return render_template(
        "workshop/assignment.html", workshop=viewer.workshop, viewer=viewer, activity=activity,
        body_html=markdown(activity.body), due=china_time(activity.due_at),
        overdue=bool(activity.due_at and now > activity.due_at), sub=sub,
        versions=list(reversed(sub.versions)) if sub else [], state_label=state_label,
        choice_label=choice_label, can_submit=can_submit, error=error, form=form or {},
        comment_html=markdown(sub.comment) if sub and sub.comment else None, markdown=markdown,
        max_text=MAX_TEXT, upload=browser_check(), failed=failed, lang=current_lang(),
    ), status


@bp.route("/<int:workshop_id>/as/<int:activity_id>", methods=["POST"])
@workshop_access("any")
def submit_assignment(workshop_id: int, activity_id: int) -> Any:
    viewer = g.viewer
    activity = assignment_or_404(workshop_id, activity_id)
    if viewer.member.role != "participant":
        abort(403, description=t("只有学员提交作业", "Only participants submit assignments"))
    sub = db.session.scalars(
        select(Submission).where(Submission.activity_id == activity.id, Submission.member_id == viewer.member.id)
    ).first()
    if sub is not None and sub.state == "graded":
        abort(409, description=t("作业已评分，不能再提交；如需修改请联系辅导老师",
                                 "This work is graded and final; ask your tutor to return it for revision"))
    raw = {k: v for k, v in request.form.items() if k in ("text", "choice", "remove_file") and v != ""}
    if "text" in raw:
        raw["text"] = plain_newlines(raw["text"])
    try:
        data = SubmitInput().load(raw)
    except ValidationError as exc:
        return _page(activity, errors_text(exc), raw, 400)
    text = data["text"].strip()
    choices = list(activity.choices or [])
    choice = data["choice"]
    if choices and (choice is None or not 0 <= choice < len(choices)):
        return _page(activity, field_error("choice", f"请从 {len(choices)} 个任务中选择一个",
                                           f"pick one of the {len(choices)} tasks"), raw, 400)
    if not choices:
        choice = None
    upload = request.files.get("file")
    stored = None
    if upload is not None and upload.filename:
        try:
            stored = save_upload(upload.stream, upload.filename, workshop_id)
        except UploadError as exc:
            return _page(activity, exc.message, raw, exc.status, failed="file")
    keep_old = sub is not None and stored is None and not data["remove_file"]
    file_name = stored.name if stored else (sub.file_name if keep_old and sub else None)
    file_stored = stored.stored if stored else (sub.file_stored if keep_old and sub else None)
    if not text and not file_stored:
        return _page(activity, field_error("text", "请填写作业内容或上传一个文件", "write an answer or attach a file"),
                     raw, 400)
    now = datetime.now(UTC)
    late = bool(activity.due_at and now > activity.due_at)
    file_size = stored.size if stored else None
    if keep_old and sub is not None and sub.versions:
        file_size = sub.versions[-1].file_size
    try:
        if sub is None:
            sub = Submission(activity_id=activity.id, member_id=viewer.member.id, version=1)
            db.session.add(sub)
        else:
            sub.version += 1
        sub.choice, sub.text, sub.file_name, sub.file_stored = choice, text, file_name, file_stored
        sub.state, sub.submitted_at, sub.late = "submitted", now, late
        # The return comment belongs to the version it was about (kept on that version's row): the
        # new version starts without one, so the tutor's form does not offer the old text as a grade comment.
        sub.score, sub.graded_at, sub.excellent, sub.comment = None, None, False, None
        sub.versions.append(SubmissionVersion(
            version=sub.version, choice=choice, text=text, file_name=file_name, file_stored=file_stored,
            file_size=file_size, late=late, submitted_at=now))
        db.session.commit()
    except SQLAlchemyError:
        # Nothing half-stored: a double click or a second tab stored this version first.
        db.session.rollback()
        if stored:
            remove_upload(workshop_id, stored.stored)
        abort(409, description=t("作业刚刚已被提交过，请刷新页面",
                                 "This work was just submitted elsewhere; reload the page"))
    # Recorded after the work is safely stored: a statement must never stand for work that was lost.
    record_event("assignment.submitted", viewer.workshop, viewer.member, assignment_ref(activity),
                 key=f"{sub.id}:v{sub.version}")
    flash(t("已提交", "Submitted") + (" · " + t("迟交", "late") if late else ""))
    return redirect(url_for("workshop.assignment", workshop_id=workshop_id, activity_id=activity_id))


@bp.route("/<int:workshop_id>/submissions/<int:submission_id>/v/<int:version>/file")
@workshop_access("any")
def submission_file(workshop_id: int, submission_id: int, version: int) -> Any:
    """The owner, a tutor of the owner's class and the host may download; the current version of
    work recommended as excellent (优秀作业) is open to the whole workshop; everyone else gets 404
    (as if the file did not exist)."""
    viewer = g.viewer
    sub = submission_or_404(workshop_id, submission_id)
    shown = sub.excellent and version == sub.version
    if sub.member_id != viewer.member.id and not viewer.can_grade_member(sub.member) and not shown:
        abort(404)
    found = next((v for v in sub.versions if v.version == version), None)
    if found is None or not found.file_stored or not found.file_name:
        abort(404)
    return send_upload(workshop_id, found.file_stored, found.file_name)
