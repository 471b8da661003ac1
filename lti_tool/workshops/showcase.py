"""优秀作业: work a tutor recommended as excellent (推优), shown to the whole workshop, with comments
(点评) that are `discussion.commented` statements (xAPI issue §1; seed 004: experts "点评学员文章",
and school-based work is "展示于网络研修社区").

Decisions where the issues are silent:
- Every member of the workshop sees the recommended work — its text, chosen task and current file —
  but never its score or the tutor's comment: those stay with the owner, their tutor and the host.
- Everyone in the workshop may comment; a comment is plain safe Markdown of at most 1,000 characters.
- A comment is removed (hidden, not deleted: its statement already went to the LRS) by its author,
  the host, or the tutor of the author of the work.
- Work whose recommendation is withdrawn leaves the showcase at once (its page is a 404).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, g, redirect, render_template, request, url_for
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError

from xapi import ActivityRef, vocab

from ..extensions import db
from ..i18n import current_lang, t
from ..models import Activity, Submission, SubmissionComment, WorkshopMember
from ..params import small_int
from ..statements.events import activity_iri, record_event
from ..text import markdown, plain_newlines
from .access import Viewer, workshop_access
from .assignments import assignment_ref, choice_label, submission_or_404
from .discussion_service import InputError, excerpt, parse_form_key, parse_page
from .registry import NavLink, register_nav
from .views import bp

PER_PAGE = 20
COMMENT_MAX = 1000

register_nav(NavLink("workshop.showcase", "优秀作业", "Excellent work", lambda viewer: True, order=40))


def _excellent_or_404(workshop_id: int, submission_id: int) -> Submission:
    sub = submission_or_404(workshop_id, submission_id)
    if not sub.excellent:
        abort(404)
    return sub


def can_remove(viewer: Viewer, sub: Submission, comment: SubmissionComment) -> bool:
    return comment.author_id == viewer.member.id or viewer.can_grade_member(sub.member)


@bp.route("/<int:workshop_id>/excellent")
@workshop_access("any")
def showcase(workshop_id: int) -> Any:
    viewer = g.viewer
    assignments = db.session.scalars(
        select(Activity).where(Activity.workshop_id == workshop_id, Activity.kind == "assignment")
        .order_by(Activity.position)
    ).all()
    titles = {a.id: a.title for a in assignments}
    chosen = small_int(request.args.get("activity_id"))
    chosen = chosen if chosen in titles else None
    try:
        page = parse_page(request.args.get("page"))
    except InputError as exc:
        abort(400, description=exc.message)
    where: list[ColumnElement[bool]] = [Submission.activity_id.in_(list(titles)), Submission.excellent.is_(True),
                                        WorkshopMember.active.is_(True)]
    if chosen is not None:
        where.append(Submission.activity_id == chosen)
    total = db.session.scalar(select(func.count()).select_from(Submission)
                              .join(WorkshopMember, WorkshopMember.id == Submission.member_id).where(*where)) or 0
    comments = (select(SubmissionComment.submission_id, func.count().label("n"))
                .where(SubmissionComment.hidden.is_(False)).group_by(SubmissionComment.submission_id).subquery())
    rows = db.session.execute(
        select(Submission, WorkshopMember, func.coalesce(comments.c.n, 0))
        .join(WorkshopMember, WorkshopMember.id == Submission.member_id)
        .outerjoin(comments, comments.c.submission_id == Submission.id)
        .where(*where)
        .order_by(Submission.graded_at.desc().nulls_last(), Submission.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "workshop/showcase.html", workshop=viewer.workshop, viewer=viewer, rows=rows, titles=titles,
        assignments=assignments, chosen=chosen, page=min(page, pages), pages=pages, total=total,
        excerpt=excerpt, lang=current_lang(),
    )


@bp.route("/<int:workshop_id>/excellent/<int:submission_id>")
@workshop_access("any")
def showcase_item(workshop_id: int, submission_id: int) -> Any:
    return _item_page(_excellent_or_404(workshop_id, submission_id))


def _item_page(sub: Submission, error: str | None = None, body: str = "", status: int = 200) -> Any:
    viewer = g.viewer
    activity = db.session.get(Activity, sub.activity_id)
    comments = db.session.scalars(
        select(SubmissionComment).where(SubmissionComment.submission_id == sub.id,
                                        SubmissionComment.hidden.is_(False))
        .order_by(SubmissionComment.created_at, SubmissionComment.id)
    ).all()
    return render_template(
        "workshop/showcase_item.html", workshop=viewer.workshop, viewer=viewer, sub=sub, activity=activity,
        author=sub.member, answer_html=markdown(sub.text) if sub.text else None,
        choice=choice_label(activity, sub.choice) if activity else None, comments=comments, markdown=markdown,
        can_remove=lambda c: can_remove(viewer, sub, c), error=error, body=body,
        form_key=str(uuid.uuid4()), comment_max=COMMENT_MAX, lang=current_lang(),
    ), status


def _parse(form: Any) -> tuple[str, str]:
    key = parse_form_key(form)
    body = plain_newlines(str(form.get("body") or "")).strip()
    if not body:
        raise InputError("body", "点评内容不能为空", "the comment must not be empty")
    if len(body) > COMMENT_MAX:
        raise InputError("body", f"点评最多 {COMMENT_MAX} 字", f"a comment is at most {COMMENT_MAX} characters")
    return body, key


@bp.route("/<int:workshop_id>/excellent/<int:submission_id>/comments", methods=["POST"])
@workshop_access("any")
def showcase_comment(workshop_id: int, submission_id: int) -> Any:
    viewer = g.viewer
    sub = _excellent_or_404(workshop_id, submission_id)
    try:
        body, key = _parse(request.form)
    except InputError as exc:
        return _item_page(sub, exc.message, str(request.form.get("body") or "")[:COMMENT_MAX * 2], 400)
    found = db.session.scalars(select(SubmissionComment).where(
        SubmissionComment.author_id == viewer.member.id, SubmissionComment.form_key == key)).first()
    if found is None:
        comment = SubmissionComment(submission_id=sub.id, author_id=viewer.member.id, body=body, form_key=key)
        db.session.add(comment)
        try:
            db.session.flush()
        except IntegrityError:
            # A double click that lost the race on (author, form key): the first one stands.
            db.session.rollback()
            return _back(workshop_id, sub.id)
        activity = db.session.get(Activity, sub.activity_id)
        assert activity is not None
        obj = ActivityRef(activity_iri("submission", sub.id), activity.title, vocab.ASSIGNMENT)
        # Stored in the same transaction as the comment (record_event commits).
        record_event("discussion.commented", viewer.workshop, viewer.member, obj,
                     key=f"{viewer.member.id}:{comment.id}:{key}", data={"parent": assignment_ref(activity)})
        db.session.commit()
    return _back(workshop_id, sub.id)


@bp.route("/<int:workshop_id>/excellent/<int:submission_id>/comments/<int:comment_id>/remove", methods=["POST"])
@workshop_access("any")
def showcase_remove_comment(workshop_id: int, submission_id: int, comment_id: int) -> Any:
    viewer = g.viewer
    sub = _excellent_or_404(workshop_id, submission_id)
    comment = db.session.get(SubmissionComment, comment_id)
    if comment is None or comment.submission_id != sub.id or comment.hidden:
        abort(404)
    if not can_remove(viewer, sub, comment):
        abort(403, description=t("只有作者、坊主或该学员的辅导老师可以删除点评",
                                 "Only its author, the host or the learner's tutor may remove a comment"))
    comment.hidden = True
    db.session.commit()
    return _back(workshop_id, sub.id)


def _back(workshop_id: int, submission_id: int) -> Any:
    return redirect(url_for("workshop.showcase_item", workshop_id=workshop_id, submission_id=submission_id)
                    + "#comments", code=303)
