"""The group leader's page (研修组长, issue 3 §4–§5: "a group leader their group's progress").

Who sees which group (decided here, the issue leaves it open):
- the host and co-hosts: every group of the workshop, every member in it;
- a group leader: the groups they lead, every member in them;
- a tutor: the groups that hold at least one participant of their classes, and in them only those
  participants (a tutor's authority is their classes; the rest of the group stays hidden);
- anyone else (a participant leading no group, an observer): 403; a group they may not see, or one
  of another workshop: 404, as if it did not exist.
Progress comes from `progress.member_progress`, the same records the home page and grades read.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import abort, g, render_template
from sqlalchemy import func, select

from ..extensions import db
from ..i18n import current_lang
from ..models import Activity, Attendance, StudyGroup, WorkshopClass, WorkshopMember
from .access import Viewer, workshop_access
from .progress import MemberProgress, member_progress
from .registry import NavLink, register_nav
from .views import bp

CENTI = Decimal("0.01")

register_nav(NavLink("workshop.my_group", "我的小组", "My group", lambda v: v.is_leader, order=40))
register_nav(NavLink("workshop.my_group", "小组进度", "Group progress",
                     lambda v: (v.is_host or v.is_tutor) and not v.is_leader, order=75))


def visible_groups(viewer: Viewer) -> list[StudyGroup]:
    query = select(StudyGroup).where(StudyGroup.workshop_id == viewer.workshop.id)
    groups = list(db.session.scalars(query.order_by(StudyGroup.name, StudyGroup.id)))
    if viewer.is_host:
        return groups
    tutored: set[int] = set()
    if viewer.class_ids:
        tutored = {gid for gid in db.session.scalars(
            select(WorkshopMember.group_id).where(WorkshopMember.workshop_id == viewer.workshop.id,
                                                  WorkshopMember.class_id.in_(viewer.class_ids),
                                                  WorkshopMember.group_id.is_not(None)).distinct()) if gid}
    return [grp for grp in groups if grp.id in viewer.group_ids or grp.id in tutored]


def group_members(viewer: Viewer, group: StudyGroup) -> tuple[list[WorkshopMember], bool]:
    """The members shown, and whether the list is limited to the viewer's classes."""
    # Members the LMS roster no longer lists (`active` false, people feature) have nothing to chase.
    query = select(WorkshopMember).where(WorkshopMember.workshop_id == viewer.workshop.id,
                                         WorkshopMember.group_id == group.id, WorkshopMember.active.is_(True))
    limited = not (viewer.is_host or group.id in viewer.group_ids)
    if limited:
        query = query.where(WorkshopMember.class_id.in_(viewer.class_ids or {-1}))
    members = list(db.session.scalars(query))
    members.sort(key=lambda m: (m.display_name, m.id))
    return members, limited


@dataclass
class MemberRow:
    member: WorkshopMember
    progress: MemberProgress
    required_missing: int  # required assignments not submitted
    sessions_taken: int  # offline sessions with a record for this member
    sessions_attended: int  # … of which present or late
    sessions_absent: int  # … absent (excused not counted: leave was granted)

    # Shown to two decimals like every 学时 figure (a member with no record has a bare 0).
    @property
    def hours(self) -> Decimal:
        return self.progress.hours.quantize(CENTI)

    @property
    def video_hours(self) -> Decimal:
        return self.progress.video_hours.quantize(CENTI)

    @property
    def offline_hours(self) -> Decimal:
        return self.progress.offline_hours.quantize(CENTI)


def member_rows(viewer: Viewer, members: list[WorkshopMember]) -> list[MemberRow]:
    workshop = viewer.workshop
    required_assignments = set(db.session.scalars(
        select(Activity.id).where(Activity.workshop_id == workshop.id, Activity.kind == "assignment",
                                  Activity.required.is_(True))))
    ids = [m.id for m in members]
    by_status: dict[int, dict[str, int]] = {m: {} for m in ids}
    if ids:
        # One query for the whole group's attendance rather than one per member.
        for member_id, status, count in db.session.execute(
            select(Attendance.member_id, Attendance.status, func.count())
            .join(Activity, Activity.id == Attendance.activity_id)
            .where(Activity.workshop_id == workshop.id, Attendance.member_id.in_(ids))
            .group_by(Attendance.member_id, Attendance.status)
        ):
            by_status[member_id][status] = int(count)
    rows = []
    for member in members:
        progress = member_progress(workshop, member)
        counts = by_status.get(member.id, {})
        rows.append(MemberRow(
            member=member, progress=progress,
            required_missing=len(required_assignments - set(progress.submissions)),
            sessions_taken=sum(counts.values()),
            sessions_attended=counts.get("present", 0) + counts.get("late", 0),
            sessions_absent=counts.get("absent", 0),
        ))
    return rows


def _render_group(viewer: Viewer, group: StudyGroup, groups: list[StudyGroup]) -> Any:
    members, limited = group_members(viewer, group)
    rows = member_rows(viewer, members)
    required = Decimal(viewer.workshop.required_hours or 0)
    total = sum((r.progress.hours for r in rows), Decimal(0))
    average = (total / len(rows)).quantize(Decimal("0.01")) if rows else Decimal(0)
    leader = db.session.get(WorkshopMember, group.leader_member_id) if group.leader_member_id else None
    classes = {c.id: c.name for c in db.session.scalars(
        select(WorkshopClass).where(WorkshopClass.workshop_id == viewer.workshop.id))}
    return render_template(
        "workshop/group.html", workshop=viewer.workshop, viewer=viewer, group=group, groups=groups, rows=rows,
        limited=limited, required=required, average=average, leader=leader, classes=classes,
        reached=sum(1 for r in rows if r.progress.hours >= required), lang=current_lang(),
    )


@bp.route("/<int:workshop_id>/group")
@workshop_access("leader")
def my_group(workshop_id: int) -> Any:
    viewer: Viewer = g.viewer
    groups = visible_groups(viewer)
    if len(groups) == 1:
        return _render_group(viewer, groups[0], groups)
    return render_template("workshop/group_list.html", workshop=viewer.workshop, viewer=viewer, groups=groups,
                           lang=current_lang())


@bp.route("/<int:workshop_id>/group/<int:group_id>")
@workshop_access("leader")
def group_progress(workshop_id: int, group_id: int) -> Any:
    viewer: Viewer = g.viewer
    groups = visible_groups(viewer)
    group = next((grp for grp in groups if grp.id == group_id), None)
    if group is None:
        abort(404)  # another workshop's group, or one this viewer may not see
    return _render_group(viewer, group, groups)
