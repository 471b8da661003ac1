"""Discussion topics (讨论): thread list, thread page, posting, moderation (workshop issue §3).

Routes (all under /w/<workshop_id>, every role that belongs to the workshop; finer checks inside):
  GET  /d/<aid>                      threads of the buckets the viewer reads, pinned first, paged
  POST /d/<aid>/threads              start a thread (title + body)
  POST /d/<aid>/state                host team: close / reopen the whole topic
  GET  /d/<aid>/t/<tid>              a thread with its replies, oldest first, paged
  POST /d/<aid>/t/<tid>/replies      reply, optionally quoting a post of the same thread
  POST /d/<aid>/p/<pid>/moderate     pin/unpin/close/reopen a thread, hide/unhide, answer/unanswer
  GET/POST /d/<aid>/p/<pid>/edit     the author edits their post within 30 minutes
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask import abort, g, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from xapi import ActivityRef, vocab

from ..extensions import db
from ..i18n import current_lang
from ..models import Activity, Post
from ..params import small_int
from ..statements.events import activity_iri, record_event
from ..text import markdown
from . import discussion_service as svc
from .access import Viewer, workshop_access
from .learner_views import activity_or_404
from .registry import register_kind_page
from .views import bp, role_label

register_kind_page("discussion", "workshop.discussion")


# Ids in URLs are unbounded ints; past the column's range they cannot exist (and SQLite's driver
# would raise OverflowError instead of finding nothing).
MAX_ID = 2**31 - 1


def _discussion_or_404(workshop_id: int, activity_id: int) -> Activity:
    if activity_id > MAX_ID:
        abort(404)
    activity = activity_or_404(workshop_id, activity_id)
    if activity.kind != "discussion":
        abort(404)
    return activity


def _post_or_404(activity: Activity, post_id: int) -> Post:
    post = db.session.get(Post, post_id) if post_id <= MAX_ID else None
    if post is None or post.activity_id != activity.id:
        abort(404)
    return post


def _thread_or_404(viewer: Viewer, activity: Activity, thread_id: int) -> Post:
    """A thread of this topic the viewer may read; anything else is indistinguishable from absent."""
    thread = _post_or_404(activity, thread_id)
    if thread.parent_id is not None or not svc.can_see_thread(viewer, activity, thread):
        abort(404)
    return thread


def _page() -> int:
    try:
        return svc.parse_page(request.args.get("page"))
    except svc.InputError as exc:
        abort(400, description=exc.message)


def _class_filter(viewer: Viewer, activity: Activity, classes: list[Any]) -> tuple[set[int | None] | None, str]:
    """?class=<id> (or 0 for the bucket without a class) narrows a staff viewer's list."""
    raw = (request.args.get("class") or "").strip()
    if not raw or not activity.per_class:
        return None, ""
    allowed = svc.buckets(viewer, activity)
    choices: set[int | None] = {None, *(c.id for c in classes)} if allowed is None else allowed
    wanted: int | None = None if raw == "0" else (small_int(raw) or -1)
    if wanted not in choices:
        abort(400, description="class: 不是可查看的班级 / not a class you can read")
    return {wanted}, raw


def _ctx(viewer: Viewer, activity: Activity, **extra: Any) -> dict[str, Any]:
    classes = svc.workshop_classes(viewer.workshop.id)
    return {
        "workshop": viewer.workshop, "viewer": viewer, "activity": activity, "markdown": markdown,
        "class_names": {c.id: c.name for c in classes}, "classes": classes, "svc": svc,
        "role_label": _role_label, "lang": current_lang(), **extra,
    }


def _role_label(role: str) -> str:
    return role_label(role)


@bp.route("/<int:workshop_id>/d/<int:activity_id>")
@workshop_access("any")
def discussion(workshop_id: int, activity_id: int) -> Any:
    return _render_list(g.viewer, _discussion_or_404(workshop_id, activity_id))


def _render_list(viewer: Viewer, activity: Activity, *, error: str | None = None,
                 draft: dict[str, Any] | None = None) -> Any:
    classes = svc.workshop_classes(viewer.workshop.id)
    class_filter, class_arg = _class_filter(viewer, activity, classes)
    page = _page()
    listing = svc.list_threads(viewer, activity, class_filter, page)
    choices = svc.post_buckets(viewer, activity, classes)
    can_start = not activity.closed and (choices is None or bool(choices))
    # Staff with more than one bucket get the class filter (host team and experts: all classes).
    readable = svc.buckets(viewer, activity)
    show_filter = activity.per_class and (readable is None or len(readable) > 1)
    return render_template(
        "workshop/discussion.html", **_ctx(
            viewer, activity, listing=listing, body_html=markdown(activity.body), error=error,
            draft=draft or {"form_key": str(uuid.uuid4())}, bucket_choices=choices, can_start=can_start,
            show_filter=show_filter, class_arg=class_arg, my_buckets=readable,
        )), (400 if error else 200)


@bp.route("/<int:workshop_id>/d/<int:activity_id>/t/<int:thread_id>")
@workshop_access("any")
def discussion_thread(workshop_id: int, activity_id: int, thread_id: int) -> Any:
    viewer = g.viewer
    activity = _discussion_or_404(workshop_id, activity_id)
    return _render_thread(viewer, activity, _thread_or_404(viewer, activity, thread_id))


def _render_thread(viewer: Viewer, activity: Activity, thread: Post, *, error: str | None = None,
                   draft: dict[str, Any] | None = None) -> Any:
    page = _page()
    data = svc.thread_replies(viewer, thread, page)
    quote_target = None
    raw_quote = (draft or {}).get("quote_id") or request.args.get("quote")
    quote_id = small_int(str(raw_quote or ""))
    if quote_id is not None:
        candidate = db.session.get(Post, quote_id)
        if candidate is not None and _quotable(viewer, thread, candidate):
            quote_target = svc.Quote(candidate.id, candidate.author.display_name, svc.excerpt(candidate.body))
    if draft is None:
        draft = {"form_key": str(uuid.uuid4())}
    return render_template(
        "workshop/discussion_thread.html", **_ctx(
            viewer, activity, thread=thread, data=data, error=error, draft=draft, quote_target=quote_target,
            can_reply=not activity.closed and not thread.closed,
        )), (400 if error else 200)


def _quotable(viewer: Viewer, thread: Post, post: Post) -> bool:
    in_thread = post.id == thread.id or post.parent_id == thread.id
    return in_thread and (not post.hidden or svc.can_see_hidden(viewer, post))


_KEY_REUSED = "form_key: 表单已用于别处，请重新提交 / this form was used elsewhere: send it again"


def _refuse_closed(activity: Activity, thread: Post | None = None) -> None:
    if activity.closed:
        abort(409, description="本讨论已关闭，不能再发帖 / This discussion is closed to new posts")
    if thread is not None and thread.closed:
        abort(409, description="本话题已关闭，不能再回复 / This thread is closed to replies")


@bp.route("/<int:workshop_id>/d/<int:activity_id>/threads", methods=["POST"])
@workshop_access("any")
def discussion_new_thread(workshop_id: int, activity_id: int) -> Any:
    viewer: Viewer = g.viewer
    activity = _discussion_or_404(workshop_id, activity_id)
    _refuse_closed(activity)
    draft = {k: request.form.get(k, "") for k in ("title", "body", "form_key", "class_id")}
    try:
        data = svc.parse_post(request.form, thread=True)
        class_id = _thread_bucket(viewer, activity, data)
    except svc.InputError as exc:
        return _render_list(viewer, activity, error=exc.message, draft=draft)
    found = svc.existing_post(viewer.member.id, data.form_key)
    if found is not None and (found.activity_id != activity.id or found.parent_id is not None):
        return _render_list(viewer, activity, error=_KEY_REUSED, draft={**draft, "form_key": str(uuid.uuid4())})
    if found is None:
        post = Post(activity_id=activity.id, class_id=class_id, author_id=viewer.member.id, title=data.title,
                    body=data.body, form_key=data.form_key)
        found = _store(viewer, post, activity, None)
    return redirect(url_for("workshop.discussion_thread", workshop_id=workshop_id, activity_id=activity_id,
                            thread_id=found.parent_id or found.id))


def _thread_bucket(viewer: Viewer, activity: Activity, data: svc.PostInput) -> int | None:
    if not activity.per_class:
        return viewer.member.class_id  # workshop-wide: the author's class, for its tutor to moderate
    choices = svc.post_buckets(viewer, activity, svc.workshop_classes(viewer.workshop.id))
    if choices is None:
        return viewer.member.class_id
    if not choices:
        raise svc.InputError("class_id", "您没有可发帖的班级", "you have no class to post in")
    if not data.class_given and len(choices) == 1:
        return choices[0]
    if data.class_id not in choices:
        raise svc.InputError("class_id", "不是可发帖的班级", "not a class you can post in")
    return data.class_id


@bp.route("/<int:workshop_id>/d/<int:activity_id>/t/<int:thread_id>/replies", methods=["POST"])
@workshop_access("any")
def discussion_reply(workshop_id: int, activity_id: int, thread_id: int) -> Any:
    viewer: Viewer = g.viewer
    activity = _discussion_or_404(workshop_id, activity_id)
    thread = _thread_or_404(viewer, activity, thread_id)
    _refuse_closed(activity, thread)
    draft = {k: request.form.get(k, "") for k in ("body", "form_key", "quote_id")}
    try:
        data = svc.parse_post(request.form, thread=False)
        if data.quote_id is not None:
            quoted = db.session.get(Post, data.quote_id)
            if quoted is None or not _quotable(viewer, thread, quoted):
                raise svc.InputError("quote_id", "只能引用本话题中的帖子", "you can quote only posts of this thread")
    except svc.InputError as exc:
        return _render_thread(viewer, activity, thread, error=exc.message, draft=draft)
    found = svc.existing_post(viewer.member.id, data.form_key)
    if found is not None and found.parent_id != thread.id:
        return _render_thread(viewer, activity, thread, error=_KEY_REUSED,
                              draft={**draft, "form_key": str(uuid.uuid4())})
    if found is None:
        class_id = thread.class_id if activity.per_class else viewer.member.class_id
        post = Post(activity_id=activity.id, class_id=class_id, author_id=viewer.member.id, parent_id=thread.id,
                    quote_id=data.quote_id, body=data.body, form_key=data.form_key)
        found = _store(viewer, post, activity, thread)
    return _back_to(viewer, activity, thread, found)


def _store(viewer: Viewer, post: Post, activity: Activity, thread: Post | None) -> Post:
    """Store the post and its statement in one transaction; a concurrent double submit that lost the
    race on the (author, form key) constraint returns the post that won."""
    db.session.add(post)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        winner = svc.existing_post(viewer.member.id, post.form_key or "")
        if winner is None:
            raise
        return winner
    # Keyed by the post and its form key: a re-send is the same statement (issue 4 §1).
    key = f"{viewer.member.id}:{post.id}:{post.form_key}"
    if thread is None:
        obj = ActivityRef(activity_iri("post", post.id), post.title or activity.title, vocab.FORUM_TOPIC)
        parent = ActivityRef(activity_iri("discussion", activity.id), activity.title, vocab.DISCUSSION)
        record_event("discussion.posted", viewer.workshop, viewer.member, obj, key=key, data={"parent": parent})
    else:
        obj = ActivityRef(activity_iri("post", post.id), thread.title or activity.title, vocab.FORUM_REPLY)
        parent = ActivityRef(activity_iri("post", thread.id), thread.title or activity.title, vocab.FORUM_TOPIC)
        record_event("discussion.replied", viewer.workshop, viewer.member, obj, key=key, data={"parent": parent})
    db.session.commit()  # record_event commits; this covers a statement already stored (no-op there)
    return post


def _back_to(viewer: Viewer, activity: Activity, thread: Post, post: Post) -> Any:
    page = svc.reply_page_of(thread, post, viewer)
    return redirect(url_for("workshop.discussion_thread", workshop_id=activity.workshop_id,
                            activity_id=activity.id, thread_id=thread.id, page=page if page > 1 else None)
                    + f"#p{post.id}")


@bp.route("/<int:workshop_id>/d/<int:activity_id>/p/<int:post_id>/moderate", methods=["POST"])
@workshop_access("any")
def discussion_moderate(workshop_id: int, activity_id: int, post_id: int) -> Any:
    viewer: Viewer = g.viewer
    activity = _discussion_or_404(workshop_id, activity_id)
    post = _post_or_404(activity, post_id)
    thread = post if post.parent_id is None else _post_or_404(activity, post.parent_id)
    # Someone who cannot read the post does not learn that it exists.
    if not svc.can_see_thread(viewer, activity, thread) or (post.hidden and not svc.can_see_hidden(viewer, post)):
        abort(404)
    action = (request.form.get("action") or "").strip()
    if action not in svc.THREAD_ACTIONS | svc.POST_ACTIONS:
        abort(400, description="action: 未知操作 / unknown action")
    if action in ("answer", "unanswer"):
        if not svc.may_answer(viewer, post):
            abort(403, description="您不能标记此帖 / You may not mark this post")
        if post.author.role not in svc.ANSWER_ROLES:
            abort(400, description="action: 只能把辅导老师或专家的帖子标为答疑 / "
                                   "only a tutor's or expert's post can be marked as an answer")
        post.is_answer = action == "answer"
    else:
        if not svc.can_moderate(viewer, post):
            abort(403, description="您不能管理此帖 / You may not moderate this post")
        if action in svc.THREAD_ACTIONS and post.parent_id is not None:
            abort(400, description="action: 置顶和关闭只用于话题 / pin and close apply to threads only")
        if action in ("pin", "unpin"):
            post.pinned = action == "pin"
        elif action in ("close", "reopen"):
            post.closed = action == "close"
        else:
            post.hidden = action == "hide"
    db.session.commit()
    return _back_to(viewer, activity, thread, post)


@bp.route("/<int:workshop_id>/d/<int:activity_id>/state", methods=["POST"])
@workshop_access("host")
def discussion_state(workshop_id: int, activity_id: int) -> Any:
    activity = _discussion_or_404(workshop_id, activity_id)
    action = (request.form.get("action") or "").strip()
    if action not in ("close", "reopen"):
        abort(400, description="action: 未知操作 / unknown action")
    activity.closed = action == "close"
    db.session.commit()
    return redirect(url_for("workshop.discussion", workshop_id=workshop_id, activity_id=activity_id))


@bp.route("/<int:workshop_id>/d/<int:activity_id>/p/<int:post_id>/edit", methods=["GET", "POST"])
@workshop_access("any")
def discussion_edit(workshop_id: int, activity_id: int, post_id: int) -> Any:
    viewer: Viewer = g.viewer
    activity = _discussion_or_404(workshop_id, activity_id)
    post = _post_or_404(activity, post_id)
    thread = post if post.parent_id is None else _post_or_404(activity, post.parent_id)
    if not svc.can_see_thread(viewer, activity, thread) or (post.hidden and not svc.can_see_hidden(viewer, post)):
        abort(404)
    if post.author_id != viewer.member.id:
        abort(403, description="只能编辑自己的帖子 / You can edit only your own posts")
    if not svc.can_edit(viewer, post):
        abort(409, description="发帖 30 分钟后不能再编辑 / Posts can be edited for 30 minutes only")
    _refuse_closed(activity, thread if post.parent_id is not None else None)
    error = None
    draft = {"title": post.title or "", "body": post.body}
    if request.method == "POST":
        draft = {"title": request.form.get("title", ""), "body": request.form.get("body", "")}
        try:
            # The form key is only for new posts; an edit overwrites the same post, so it is idempotent.
            data = svc.parse_post({**request.form, "form_key": str(uuid.uuid4())}, thread=post.parent_id is None)
        except svc.InputError as exc:
            error = exc.message
        else:
            if data.title is not None:
                post.title = data.title
            post.body = data.body
            post.edited_at = datetime.now(UTC)
            db.session.commit()
            return _back_to(viewer, activity, thread, post)
    return render_template("workshop/discussion_edit.html", **_ctx(
        viewer, activity, post=post, thread=thread, draft=draft, error=error)), (400 if error else 200)
