"""Discussion topics without Flask requests: who sees which posts, who moderates them, input checks,
listing and paging (workshop issue §3: threads, replies, quoting, answers marked, pin/close/hide).

Buckets: in a per-class topic (seed 004 方案4: each class talks apart) a thread's `class_id` is its
class bucket, NULL being the workshop-wide bucket of participants without a class. In a
workshop-wide topic everyone reads everything and `class_id` records the author's class, so "the
tutor of the post's class" moderates it in both cases.

Class moves: a post keeps the bucket it was written in, and its author's current class does not
move it. Moving threads with their author would show the replies of her former classmates to her
new class and take the thread away from those who took part in it. Instead, on top of the buckets,
everyone reads the threads they took part in (their own posts never vanish), and a tutor reads and
moderates their current learners' threads and posts wherever they were written (they answer for
that learner now). Other participants still see only their own bucket.

One exception (QA: teachers start before the host assigns classes, and their first posts vanished
from their class): a thread written without a class (bucket NULL) is also read in its author's
current class, by her classmates and tutor, wherever she is moved next. It stays in the NULL bucket
too, so participants still without a class keep reading it. Threads written inside a class keep it.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import nh3
from sqlalchemy import ColumnElement, Select, and_, case, exists, false, func, or_, select, true, type_coerce
from sqlalchemy.orm import aliased, selectinload

from ..extensions import db
from ..i18n import t
from ..models import Activity, Post, WorkshopClass, WorkshopMember
from ..models._types import UTCDateTime
from ..params import small_int
from ..text import markdown, plain_newlines
from .access import Viewer

PAGE_SIZE = 20
EDIT_WINDOW = timedelta(minutes=30)  # an author may fix a typo shortly after posting
TITLE_MAX = 200
BODY_MAX = 10_000
EXCERPT_CHARS = 120
# Authors whose posts may be marked as an answer (答疑): tutors, experts and the host team.
ANSWER_ROLES = frozenset({"tutor", "observer", "host", "cohost"})
THREAD_ACTIONS = frozenset({"pin", "unpin", "close", "reopen"})
POST_ACTIONS = frozenset({"hide", "unhide", "answer", "unanswer"})


class InputError(ValueError):
    """Bad input: `field` names the form field; `message` says what is wrong in the page's language
    (each text names what it is about: "标题不能为空"). The exception's own text keeps the field and
    both languages, for logs."""

    def __init__(self, field_name: str, zh: str, en: str) -> None:
        super().__init__(f"{field_name}: {zh} / {en}")
        self.field, self._zh, self._en = field_name, zh, en

    @property
    def message(self) -> str:
        return t(self._zh, self._en)


# --- who sees what ---------------------------------------------------------------------------


def is_expert(viewer: Viewer) -> bool:
    return viewer.member.role == "observer"


def reads_everything(viewer: Viewer) -> bool:
    """Host, co-hosts and experts (学科专家) read every bucket."""
    return viewer.is_host or is_expert(viewer)


def buckets(viewer: Viewer, activity: Activity) -> set[int | None] | None:
    """The class buckets the viewer reads in this topic; None = all of them."""
    if not activity.per_class or reads_everything(viewer):
        return None
    if viewer.is_tutor:
        return set(viewer.class_ids)
    # A participant: their own class; without a class, the workshop-wide bucket (NULL).
    return {viewer.member.class_id}


def _in_buckets(column: Any, allowed: set[int | None]) -> ColumnElement[bool]:
    ids = [i for i in allowed if i is not None]
    parts: list[ColumnElement[bool]] = []
    if ids:
        parts.append(column.in_(ids))
    if None in allowed:
        parts.append(column.is_(None))
    return or_(*parts) if parts else false()


def _written_unassigned(thread: Any, class_ids: list[int]) -> ColumnElement[bool]:
    """Written without a class by someone now in one of `class_ids` (read in her current class)."""
    members = select(WorkshopMember.id).where(WorkshopMember.class_id.in_(class_ids))
    return and_(thread.class_id.is_(None), thread.author_id.in_(members))


def _in_readable_bucket(thread: Any, allowed: set[int | None]) -> ColumnElement[bool]:
    """In one of the buckets, or written without a class by a current member of one of them."""
    ids = [i for i in allowed if i is not None]
    if not ids:
        return _in_buckets(thread.class_id, allowed)
    return or_(_in_buckets(thread.class_id, allowed), _written_unassigned(thread, ids))


def _learners(viewer: Viewer) -> Select[int]:
    """Members now in the classes the viewer tutors."""
    return select(WorkshopMember.id).where(WorkshopMember.class_id.in_(list(viewer.class_ids)))


def _by_own_people(author: Any, viewer: Viewer) -> ColumnElement[bool]:
    """Written by the viewer, or by one of their current learners."""
    if not viewer.class_ids:
        mine: ColumnElement[bool] = author == viewer.member.id
        return mine
    return or_(author == viewer.member.id, author.in_(_learners(viewer)))


def can_see_hidden(viewer: Viewer, post: Post) -> bool:
    """Hidden posts stay stored (grades may still weigh them); only moderators see them: the host
    team, and the tutor of the class the post was written in or of its author's current class."""
    if viewer.is_host:
        return True
    if not viewer.class_ids:
        return False
    return post.class_id in viewer.class_ids or post.author.class_id in viewer.class_ids


def _hidden_filter(viewer: Viewer, table: Any) -> ColumnElement[bool]:
    if viewer.is_host:
        return true()
    if viewer.class_ids:
        return or_(table.hidden.is_(False), table.class_id.in_(list(viewer.class_ids)),
                   table.author_id.in_(_learners(viewer)))
    visible: ColumnElement[bool] = table.hidden.is_(False)
    return visible


def can_moderate(viewer: Viewer, post: Post) -> bool:
    """Pin, close, hide, mark answers: the host team, or the tutor of the post's class or of its
    author's current class."""
    return can_see_hidden(viewer, post)


def may_answer(viewer: Viewer, post: Post) -> bool:
    """Moderators mark tutor/expert posts; an expert or tutor may mark their own (a tutor's reply in
    a learner's thread kept in another bucket is not in the tutor's class)."""
    own = post.author_id == viewer.member.id
    return can_moderate(viewer, post) or (own and (is_expert(viewer) or viewer.is_tutor))


def can_edit(viewer: Viewer, post: Post, now: datetime | None = None) -> bool:
    """Authors edit their own post within EDIT_WINDOW (not once hidden: a moderator has judged it)."""
    now = now or datetime.now(UTC)
    return post.author_id == viewer.member.id and not post.hidden and now - post.created_at <= EDIT_WINDOW


def _took_part(viewer: Viewer, thread: Any) -> ColumnElement[bool]:
    """The thread was started, or replied to, by the viewer or one of their current learners."""
    reply = aliased(Post)
    replied = exists().where(reply.parent_id == thread.id, _by_own_people(reply.author_id, viewer))
    return or_(_by_own_people(thread.author_id, viewer), replied)


def _readable(viewer: Viewer, activity: Activity) -> ColumnElement[bool] | None:
    """Threads (rows of Post) the viewer reads in this topic, hidden ones aside; None = all."""
    allowed = buckets(viewer, activity)
    if allowed is None:
        return None
    return or_(_in_readable_bucket(Post, allowed), _took_part(viewer, Post))


def can_see_thread(viewer: Viewer, activity: Activity, thread: Post) -> bool:
    """The same rule as `_readable`, for one thread."""
    allowed = buckets(viewer, activity)
    in_bucket = allowed is None or thread.class_id in allowed or (
        thread.class_id is None and thread.author.class_id in allowed)
    if not in_bucket:
        took_part = db.session.scalar(select(Post.id).where(Post.id == thread.id, _took_part(viewer, Post)))
        if took_part is None:
            return False
    return not thread.hidden or can_see_hidden(viewer, thread)


def workshop_classes(workshop_id: int) -> list[WorkshopClass]:
    return list(db.session.scalars(
        select(WorkshopClass).where(WorkshopClass.workshop_id == workshop_id).order_by(WorkshopClass.name)))


def post_buckets(viewer: Viewer, activity: Activity, classes: Sequence[WorkshopClass]) -> list[int | None] | None:
    """Buckets the viewer may start a thread in (per-class topics, staff only); None = no choice
    (a participant posts into their own bucket, and workshop-wide topics have none)."""
    if not activity.per_class or not (reads_everything(viewer) or viewer.is_tutor):
        return None
    if reads_everything(viewer):
        return [None, *[c.id for c in classes]]
    return [c.id for c in classes if c.id in viewer.class_ids]


# --- input -----------------------------------------------------------------------------------


@dataclass
class PostInput:
    body: str
    form_key: str
    title: str | None = None
    quote_id: int | None = None
    class_id: int | None = None
    class_given: bool = False


def _text(form: Any, name: str, limit: int, zh: str, en: str) -> str:
    value = plain_newlines(str(form.get(name) or "")).strip()
    if not value:
        raise InputError(name, f"{zh}不能为空", f"{en} must not be empty")
    if len(value) > limit:
        raise InputError(name, f"{zh}最多 {limit} 字", f"{en} is longer than {limit} characters")
    return value


def _int(form: Any, name: str) -> int | None:
    raw = str(form.get(name) or "").strip()
    if not raw:
        return None
    value = small_int(raw)
    if value is None:
        # A hidden field (quote_id, class_id, parent): only a hand-made request gets here.
        raise InputError(name, f"{name}：不是有效的编号", f"{name}: not a valid id")
    return value


def parse_form_key(form: Any) -> str:
    """The hidden per-form UUID that makes a double-submitted form store once."""
    try:
        return str(uuid.UUID(str(form.get("form_key") or "").strip()))
    except ValueError:
        raise InputError("form_key", "表单已失效，请刷新页面", "the form is stale: reload the page") from None


def parse_post(form: Any, *, thread: bool) -> PostInput:
    key = parse_form_key(form)
    title = _text(form, "title", TITLE_MAX, "标题", "title") if thread else None
    body = _text(form, "body", BODY_MAX, "内容", "body")
    return PostInput(body=body, form_key=key, title=title, quote_id=None if thread else _int(form, "quote_id"),
                     class_id=_int(form, "class_id"), class_given="class_id" in form)


def parse_page(raw: str | None) -> int:
    if raw is None or raw == "":
        return 1
    page = small_int(raw)
    if page is None or not 1 <= page <= 100_000:
        raise InputError("page", "页码无效", "not a valid page number")
    return page


# --- listing ---------------------------------------------------------------------------------


@dataclass
class ThreadRow:
    thread: Post
    replies: int = 0
    answered: bool = False
    last_at: datetime | None = None


@dataclass
class Paged:
    items: list[Any]
    page: int
    pages: int
    total: int


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def list_threads(viewer: Viewer, activity: Activity, class_filter: set[int | None] | None, page: int) -> Paged:
    """Pinned first, then by newest visible activity; `class_filter` narrows the viewer's buckets."""
    reply = aliased(Post)
    bump = (select(func.max(reply.created_at))
            .where(reply.parent_id == Post.id, reply.hidden.is_(False))
            .correlate(Post).scalar_subquery())
    where = [Post.activity_id == activity.id, Post.parent_id.is_(None), _hidden_filter(viewer, Post)]
    readable = _readable(viewer, activity)
    if readable is not None:
        where.append(readable)
    if class_filter is not None:
        # A class's threads: those written in it, and those of its members written before they joined it.
        ids = [i for i in class_filter if i is not None]
        now_in = Post.author_id.in_(select(WorkshopMember.id).where(WorkshopMember.class_id.in_(ids)))
        where.append(or_(_in_buckets(Post.class_id, class_filter), now_in) if ids else
                     _in_buckets(Post.class_id, class_filter))
    total = int(db.session.scalar(select(func.count()).select_from(Post).where(*where)) or 0)
    threads = db.session.scalars(
        select(Post).where(*where)
        .options(selectinload(Post.author).selectinload(WorkshopMember.user))
        .order_by(Post.pinned.desc(), func.coalesce(bump, Post.created_at).desc(), Post.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    rows = {t.id: ThreadRow(t, answered=t.is_answer, last_at=t.created_at) for t in threads}
    if rows:
        # One aggregate over the page's threads: replies this viewer sees, any answer, last visible reply.
        last = type_coerce(func.max(case((Post.hidden.is_(False), Post.created_at), else_=None)), UTCDateTime())
        answered = func.max(case((Post.is_answer.is_(True), 1), else_=0))
        for parent_id, count, has_answer, last_at in db.session.execute(
            select(Post.parent_id, func.count(), answered, last)
            .where(Post.parent_id.in_(list(rows)), _hidden_filter(viewer, Post)).group_by(Post.parent_id)
        ):
            row = rows[parent_id]
            row.replies = int(count)
            row.answered = row.answered or bool(has_answer)
            if last_at is not None and last_at > row.last_at:
                row.last_at = last_at
    return Paged(list(rows.values()), page, _pages(total), total)


@dataclass
class Quote:
    id: int
    author: str
    excerpt: str | None  # None: hidden from this viewer


@dataclass
class ThreadPage:
    replies: Paged
    quotes: dict[int, Quote] = field(default_factory=dict)


def thread_replies(viewer: Viewer, thread: Post, page: int) -> ThreadPage:
    """Replies oldest first, paged, with the posts they quote (same thread only)."""
    where = [Post.parent_id == thread.id, _hidden_filter(viewer, Post)]
    total = int(db.session.scalar(select(func.count()).select_from(Post).where(*where)) or 0)
    replies = db.session.scalars(
        select(Post).where(*where)
        .options(selectinload(Post.author).selectinload(WorkshopMember.user))
        .order_by(Post.created_at, Post.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    wanted = {r.quote_id for r in replies if r.quote_id is not None}
    quotes: dict[int, Quote] = {}
    if wanted:
        for q in db.session.scalars(select(Post).where(Post.id.in_(list(wanted)))
                                    .options(selectinload(Post.author).selectinload(WorkshopMember.user))):
            shown = not q.hidden or can_see_hidden(viewer, q)
            quotes[q.id] = Quote(q.id, q.author.display_name, excerpt(q.body) if shown else None)
    return ThreadPage(Paged(list(replies), page, _pages(total), total), quotes)


def excerpt(body: str) -> str:
    """The start of a post as plain text without Markdown marks (rendered escaped, never as HTML)."""
    text = html.unescape(nh3.clean(str(markdown(body)), tags=set()))
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[:EXCERPT_CHARS] + "…"


def reply_page_of(thread: Post, post: Post, viewer: Viewer) -> int:
    """Which page of the thread shows `post` (to land back on it after an action)."""
    if post.parent_id is None:
        return 1
    before = db.session.scalar(
        select(func.count()).select_from(Post).where(
            Post.parent_id == thread.id, _hidden_filter(viewer, Post),
            or_(Post.created_at < post.created_at, and_(Post.created_at == post.created_at, Post.id < post.id)))
    )
    return int(before or 0) // PAGE_SIZE + 1


def existing_post(author_id: int, form_key: str) -> Post | None:
    return db.session.scalars(select(Post).where(Post.author_id == author_id, Post.form_key == form_key)).first()

