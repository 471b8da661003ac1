"""Offline sessions (线下研修 / 集中培训, seed 002) and taking attendance at them (issue 3 §3).

The host or a co-host takes attendance for everyone, a tutor for the participants of their own
classes. A roll call is saved whole or not at all; each bad row is named. The records are facts
only: the 1/3 rule of seed 003 意见2 二(四) is applied by the grade engine (grades/measures.py).
Every new or changed record is also an `offline.attended` xAPI statement (issue 4 §1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import Integer, Select, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from xapi import ActivityRef, ActorInfo, Event, build_statement, vocab

from ..extensions import db
from ..i18n import current_lang, t
from ..models import Activity, Attendance, User, Workshop, WorkshopClass, WorkshopMember
from ..models.attendance import ATTENDANCE_STATUSES
from ..params import small_int
from ..statements.events import activity_iri, tool_base, workshop_context
from ..statements.store import StatementConflict, store_statements
from ..text import markdown
from .access import Viewer, workshop_access
from .forms import labelled
from .learner_views import activity_or_404
from .registry import register_kind_page
from .views import bp

register_kind_page("offline", "workshop.offline")

STATUS_LABELS = {"present": ("出勤", "present"), "late": ("迟到", "late"), "absent": ("缺勤", "absent"),
                 "excused": ("请假", "excused")}
# Present and late earn hours; absent and excused earn none (xAPI result.success follows the same split).
EARNS_HOURS = ("present", "late")
CENTI = Decimal("0.01")
MAX_ROWS = 3000  # ids named in one post: far above a page, bounds a forged post
PAGE_SIZE = 200  # rows per roll-call page: a status and an hours field each stay under the form-part limit


def offline_or_404(workshop_id: int, activity_id: int) -> Activity:
    activity = activity_or_404(workshop_id, activity_id)
    if activity.kind != "offline":
        abort(404)
    return activity


def roll_query(viewer: Viewer, class_filter: str = "") -> Select[Any] | None:
    """Participants this viewer takes attendance for: the host all (or one class, or those in no
    class with "none"), a tutor their own classes (or one of them); None for a tutor of no class.
    Another class → 403."""
    # Members the LMS roster no longer lists (people feature: `active` false) are not called.
    query = select(WorkshopMember).where(WorkshopMember.workshop_id == viewer.workshop.id,
                                         WorkshopMember.role == "participant", WorkshopMember.active.is_(True))
    if class_filter == "none":
        if not viewer.is_host:
            abort(403, description="只能查看您负责的班级 / Only your own classes")
        return query.where(WorkshopMember.class_id.is_(None))
    if class_filter:
        chosen = small_int(class_filter)
        if chosen is None:
            abort(400, description="class: 不是有效的班级 / not a class id")
        klass = db.session.get(WorkshopClass, chosen)
        if klass is None or klass.workshop_id != viewer.workshop.id:
            abort(404)
        if not viewer.is_host and klass.id not in viewer.class_ids:
            abort(403, description="只能查看您负责的班级 / Only your own classes")
        return query.where(WorkshopMember.class_id == klass.id)
    if not viewer.is_host:
        if not viewer.class_ids:
            return None
        return query.where(WorkshopMember.class_id.in_(viewer.class_ids))
    return query


def _in_code_point_order(text: Any) -> Any:
    # The order Python gives `str` (by code point): SQLite's default; on PostgreSQL the "C"
    # collation, not the database's locale (which would sort 张 and Zhang by other rules).
    return text.collate("C") if db.session.get_bind().dialect.name == "postgresql" else text


def roll_page(query: Select[Any], page: int, size: int) -> list[WorkshopMember]:
    """One page of the roll call, sorted by class, school, name and id in the database: a city
    workshop's host loaded and sorted all 23,000 members to show 200."""
    ordered = (query.join(User, User.id == WorkshopMember.user_id).options(contains_eager(WorkshopMember.user))
               .order_by(func.coalesce(WorkshopMember.class_id, 0),
                         _in_code_point_order(func.coalesce(WorkshopMember.school, "")),
                         _in_code_point_order(WorkshopMember.display_name_sql()), WorkshopMember.id))
    return list(db.session.scalars(ordered.offset((page - 1) * size).limit(size)))


def roll_count(query: Select[Any] | None) -> int:
    if query is None:  # a tutor of no class
        return 0
    return int(db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)


def roll_summary(activity: Activity, query: Select[Any] | None, expected: int) -> dict[str, Any]:
    """The session's records of these members counted by status, their hours summed exactly (in
    cents, as integers, on both databases), and how many are not yet called: in the database,
    not by loading every record (a host's roll call is the whole workshop)."""
    counts = {status: 0 for status in ATTENDANCE_STATUSES}
    cents = 0
    if query is not None:
        members = query.order_by(None).with_only_columns(WorkshopMember.id)
        for status, count, hundredths in db.session.execute(
                select(Attendance.status, func.count(), func.sum(cast(func.round(Attendance.hours * 100), Integer)))
                .where(Attendance.activity_id == activity.id, Attendance.member_id.in_(members))
                .group_by(Attendance.status)):
            counts[status] = counts.get(status, 0) + int(count)
            cents += int(hundredths or 0)
    recorded = sum(counts.values())
    return {"counts": counts, "hours": (Decimal(cents) / 100).quantize(CENTI), "recorded": recorded,
            "missing": max(0, expected - recorded)}


def records_for(activity: Activity, member_ids: list[int]) -> dict[int, Attendance]:
    """The session's records of these members (a page of the roll call)."""
    if not member_ids:
        return {}
    return {r.member_id: r for r in db.session.scalars(
        select(Attendance).where(Attendance.activity_id == activity.id, Attendance.member_id.in_(member_ids)))}


@bp.route("/<int:workshop_id>/o/<int:activity_id>")
@workshop_access("any")
def offline(workshop_id: int, activity_id: int) -> Any:
    viewer: Viewer = g.viewer
    activity = offline_or_404(workshop_id, activity_id)
    mine = db.session.scalars(select(Attendance).where(Attendance.activity_id == activity.id,
                                                       Attendance.member_id == viewer.member.id)).first()
    summary = None
    can_take = viewer.is_host or viewer.is_tutor
    if can_take:
        query = roll_query(viewer)
        summary = roll_summary(activity, query, roll_count(query))
    return render_template(
        "workshop/offline.html", workshop=viewer.workshop, viewer=viewer, activity=activity,
        body_html=markdown(activity.body), mine=mine, summary=summary, can_take=can_take,
        labels=STATUS_LABELS, statuses=ATTENDANCE_STATUSES, lang=current_lang(),
    )


@dataclass
class Row:
    member: WorkshopMember
    status: str
    hours: Decimal


def _member_ids(form: Any) -> list[int]:
    """Every member the form speaks of, in page order: the page's `members` list (one field, so a
    long roll call stays within the form-part limit) then any `status:<id>` / `hours:<id>` field
    outside it (a hand-made post must not slip past the checks)."""
    raw = [part.strip() for part in (form.get("members") or "").split(",") if part.strip()]
    raw += [key.split(":", 1)[1] for key in form if key.startswith(("status:", "hours:"))]
    if len(raw) > MAX_ROWS:
        abort(400, description=f"members: 一次提交的行太多 / too many rows in one post (at most {MAX_ROWS})")
    ids: list[int] = []
    seen: set[int] = set()
    for text in raw:
        member_id = small_int(text)
        if member_id is None:
            abort(400, description=f"members: 不是有效的成员编号 / not a member id: {text[:20]!r}")
        if member_id not in seen:
            seen.add(member_id)
            ids.append(member_id)
    return ids


def _hours(text: str, status: str, planned: Decimal) -> tuple[Decimal | None, str | None]:
    if status not in EARNS_HOURS:
        return Decimal(0), None  # absent / excused: no hours, whatever the (pre-filled) box says
    if not text:
        return planned, None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, t("不是数字", "not a number")
    if not value.is_finite():
        return None, t("不是数字", "not a number")
    if value < 0:
        return None, t("不能为负", "must not be negative")
    if value > planned:
        # More than planned would credit hours nobody scheduled: refused, not capped silently.
        return None, t(f"不能超过计划学时 {planned}", f"must not exceed the planned {planned} hours")
    if value != value.quantize(CENTI):
        return None, t("最多两位小数", "at most two decimals")
    return value.quantize(CENTI), None


def parse_roll(viewer: Viewer, activity: Activity, form: Any) -> tuple[list[Row], list[str]]:
    """Check the whole roll call before anything is stored. A member of another workshop → 404,
    of a class the viewer does not tutor → 403; bad values → one message per row, naming it."""
    ids = _member_ids(form)
    found = {m.id: m for m in db.session.scalars(select(WorkshopMember).where(WorkshopMember.id.in_(ids)))} \
        if ids else {}
    for member_id in ids:
        member = found.get(member_id)
        if member is None or member.workshop_id != viewer.workshop.id:
            abort(404)
        if not viewer.can_grade_member(member):
            abort(403, description="只能为您班级的学员点名 / You take attendance for your own classes only")
    fill_present = bool(form.get("all_present"))
    planned = Decimal(activity.planned_hours or 0).quantize(CENTI)
    rows: list[Row] = []
    errors: list[str] = []
    for number, member_id in enumerate(ids, start=1):
        member = found[member_id]
        # One language, the page's: the row and its field's label, then the problem.
        where = t(f"第 {number} 行（{member.display_name}）", f"row {number} ({member.display_name}), ")
        if member.role != "participant":
            errors.append(where + labelled(t("成员", "Member"),
                                           t("只为学员点名", "attendance is for participants only")))
            continue
        status = (form.get(f"status:{member_id}") or "").strip()
        if not status:
            if not fill_present:
                continue  # left blank: not taken for this person (an existing record stays as it is)
            status = "present"
        if status not in ATTENDANCE_STATUSES:
            errors.append(where + labelled(t("状态", "Status"), t("应为 出勤/迟到/缺勤/请假 之一",
                                                                  "must be present, late, absent or excused")))
            continue
        hours, problem = _hours((form.get(f"hours:{member_id}") or "").strip(), status, planned)
        if problem or hours is None:
            errors.append(where + labelled(t("学时", "Hours"), problem or ""))
            continue
        rows.append(Row(member, status, hours))
    return rows, errors


def attended_statement(workshop: Workshop, activity: Activity, member: WorkshopMember,
                       record: Attendance) -> dict[str, Any]:
    """The `offline.attended` statement of one revision of a record: same key as `record_event`
    would make, so a re-sent save is idempotent and a correction is a new statement."""
    user = member.user
    event = Event(
        tool=tool_base(),
        key=f"offline.attended:{activity.id}:{member.id}:r{record.revision}",
        actor=ActorInfo(issuer=user.issuer, sub=user.sub, name=user.name),
        object=ActivityRef(activity_iri("offline", activity.id), activity.title, vocab.MEETING),
        context=workshop_context(workshop, member),
        timestamp=record.recorded_at,
        data={"hours": record.hours, "status": record.status},
    )
    return build_statement("offline.attended", event)


def save_roll(viewer: Viewer, activity: Activity, rows: list[Row]) -> int:
    """Create or update the records and their statements in one transaction; returns how many
    changed. Raises StatementConflict / IntegrityError on a concurrent save (caller rolls back)."""
    ids = [row.member.id for row in rows]
    # Lock this roll call's existing rows (PostgreSQL) so two savers cannot both bump a revision.
    existing = {r.member_id: r for r in db.session.scalars(
        select(Attendance).where(Attendance.activity_id == activity.id, Attendance.member_id.in_(ids))
        .with_for_update())} if ids else {}
    now = datetime.now(UTC)
    changed: list[tuple[WorkshopMember, Attendance]] = []
    for row in rows:
        record = existing.get(row.member.id)
        if record is None:
            record = Attendance(activity_id=activity.id, member_id=row.member.id, status=row.status, hours=row.hours,
                                recorded_by_id=viewer.member.id, recorded_at=now, revision=1)
            db.session.add(record)
        elif record.status != row.status or Decimal(record.hours) != row.hours:
            record.status, record.hours = row.status, row.hours
            record.recorded_by_id, record.recorded_at = viewer.member.id, now
            record.revision = (record.revision or 1) + 1
        else:
            continue  # unchanged: keeps who recorded it and when
        changed.append((row.member, record))
    db.session.flush()
    if changed:
        # One batch: the store commits the records together with their statements.
        store_statements([attended_statement(viewer.workshop, activity, member, record) for member, record in changed])
    else:
        db.session.commit()
    return len(changed)


def _listing_args(class_filter: str, page: str) -> dict[str, Any]:
    args: dict[str, Any] = {"class": class_filter} if class_filter else {}
    if small_int(page) is not None and page != "1":
        args["page"] = page
    return args


@bp.route("/<int:workshop_id>/o/<int:activity_id>/attendance", methods=["GET", "POST"])
@workshop_access("tutor")
def take_attendance(workshop_id: int, activity_id: int) -> Any:
    viewer: Viewer = g.viewer
    activity = offline_or_404(workshop_id, activity_id)
    class_filter = (request.values.get("class") or "").strip()[:20]
    errors: list[str] = []
    status_code = 200
    if request.method == "POST":
        rows, errors = parse_roll(viewer, activity, request.form)
        if errors:
            status_code = 400
        else:
            try:
                count = save_roll(viewer, activity, rows)
            except (StatementConflict, IntegrityError):
                db.session.rollback()
                abort(409, description="有人同时保存了点名，请刷新后再试 / Someone saved this roll call at the "
                                       "same time: reload and try again")
            flash(t(f"已保存，{count} 人有变化", f"Saved: {count} changed"))
            return redirect(url_for("workshop.take_attendance", workshop_id=workshop_id, activity_id=activity_id,
                                    **_listing_args(class_filter, request.args.get("page", "")[:6])))
    query = roll_query(viewer, class_filter)
    total = roll_count(query)
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    members = roll_page(query, page, PAGE_SIZE) if query is not None else []
    records = records_for(activity, [m.id for m in members])
    classes = list(db.session.scalars(select(WorkshopClass).where(WorkshopClass.workshop_id == workshop_id)
                                      .order_by(WorkshopClass.name)))
    if not viewer.is_host:
        classes = [c for c in classes if c.id in viewer.class_ids]
    return render_template(
        "workshop/offline_attendance.html", workshop=viewer.workshop, viewer=viewer, activity=activity,
        members=members, records=records, classes=classes, class_filter=class_filter,
        class_names={c.id: c.name for c in classes}, errors=errors, form=request.form if errors else None,
        planned=Decimal(activity.planned_hours or 0).quantize(CENTI), labels=STATUS_LABELS,
        statuses=ATTENDANCE_STATUSES, summary=roll_summary(activity, query, total),
        page=page, pages=pages, total=total, listing=_listing_args, lang=current_lang(),
    ), status_code
