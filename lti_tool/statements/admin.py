"""Status of statement forwarding, and xAPI client credentials, for hosts (坊主)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, render_template, request, session
from sqlalchemy import func, select

from ..extensions import db
from ..i18n import current_lang
from ..models import Course, Lrs, Membership, Statement, XapiClient
from .clients import create_client
from .forwarder import backlog
from .query import course_statements
from .worker_lease import worker_running

bp = Blueprint("xapi_admin", __name__, url_prefix="/admin/xapi")

# The course's statements are counted up to this many; beyond, the page says "more than". The tool's
# whole store was counted on every view before: about a second at 17,000,000 statements on
# PostgreSQL, and a number about other courses that was not this host's to see.
COUNTED = 100_000


def _host_course() -> Course:
    """Hosts of the course they launched from manage its xAPI clients; others get 403."""
    uid, course_id = session.get("uid"), session.get("course_id")
    if uid is None or course_id is None:
        abort(401)  # the error page says: the session expired, launch again from the course
    role = db.session.scalar(
        select(Membership.role).where(Membership.user_id == uid, Membership.course_id == course_id)
    )
    if role != "host":
        abort(403, description="只有坊主可以查看 / Hosts only")
    course = db.session.get(Course, course_id)
    assert course is not None
    return course


def _course_statements(course_id: int, client_ids: list[int]) -> int:
    """How many statements concern the course, up to COUNTED: what its content's clients read back."""
    counted = select(Statement.seq).where(course_statements(course_id, client_ids)).limit(COUNTED).subquery()
    return int(db.session.scalar(select(func.count()).select_from(counted)) or 0)


@bp.route("/", methods=["GET", "POST"])
def status() -> Any:
    course = _host_course()
    created = None
    if request.method == "POST":
        name = (request.form.get("name") or "").strip()
        if not name or len(name) > 200:
            abort(400, description="名称不能为空，且不超过 200 字 / name: required, at most 200 characters")
        created = create_client(name, course_id=course.id)
    rows, now = [], datetime.now(UTC)
    for lrs in db.session.scalars(select(Lrs).where(Lrs.active.is_(True)).order_by(Lrs.id)):
        pending, rejected = backlog(lrs.id)
        rows.append({"lrs": lrs, "pending": pending, "rejected": rejected, "resting": lrs.resting_at(now)})
    clients = db.session.scalars(
        select(XapiClient).where(XapiClient.course_id == course.id).order_by(XapiClient.id)
    ).all()
    stored = _course_statements(course.id, [c.id for c in clients])
    return render_template("xapi/status.html", rows=rows, clients=clients, created=created, stored=stored,
                           counted=COUNTED,
                           worker=worker_running(db.engine),
                           lang=current_lang())
