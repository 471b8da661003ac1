"""The people page's roster actions, host and 三人行 only: the NRPS sync (roster.py), and import and
export of the roster as a file (roster_io.py), applied in one transaction."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..downloads import download
from ..extensions import db
from ..i18n import t
from ..models import WorkshopMember
from ..models.workshops import MAX_CLASS_SIZE, MAX_COHOSTS, StudyGroup, WorkshopClass
from .access import workshop_access
from .people import ROLE_ORDER, XLSX, leave_groups_not, render_people, stop_tutoring
from .roster import RosterSyncError, request_sync, sync_inline, sync_roster
from .roster_io import Person, Plan, RosterFileError, export_row, plan_import, read_table, to_csv, to_xlsx
from .views import bp


@bp.route("/<int:workshop_id>/people/sync", methods=["POST"])
@workshop_access("host")
def sync_people(workshop_id: int) -> Any:
    workshop = g.viewer.workshop
    if not sync_inline(workshop):
        request_sync(workshop)
        flash(t("名单较大，已交给后台同步，几分钟后刷新本页查看",
                "A large roster: it is being synced in the background; reload this page in a few minutes"))
        return redirect(url_for("workshop.people", workshop_id=workshop_id))
    try:
        result = sync_roster(workshop)
    except RosterSyncError as exc:
        return render_people(workshop_id, error=str(exc), status=502)
    except IntegrityError:  # a launch created the same member meanwhile
        return render_people(workshop_id, error="名单同时被修改，请重试 / the roster changed meanwhile: try again",
                       status=409)
    flash(t(f"名单已同步：{result.listed} 人，新增 {result.created}，停用 {result.deactivated}",
            f"Roster synced: {result.listed} listed, {result.created} new, {result.deactivated} inactive"))
    return redirect(url_for("workshop.people", workshop_id=workshop_id))


def snapshot(workshop_id: int) -> tuple[list[Person], dict[str, WorkshopClass], dict[str, StudyGroup],
                                        dict[int, WorkshopMember]]:
    """The workshop as plain data for roster_io (and the ORM objects to apply a plan to)."""
    members = db.session.scalars(select(WorkshopMember).where(WorkshopMember.workshop_id == workshop_id)
                                 .options(joinedload(WorkshopMember.user), joinedload(WorkshopMember.workshop_class),
                                          joinedload(WorkshopMember.group))
                                 .order_by(ROLE_ORDER, WorkshopMember.id)).unique().all()
    classes = {c.name: c for c in db.session.scalars(
        select(WorkshopClass).where(WorkshopClass.workshop_id == workshop_id))}
    groups = {s.name: s for s in db.session.scalars(select(StudyGroup).where(StudyGroup.workshop_id == workshop_id))}
    people = []
    for m in members:
        people.append(Person(
            id=m.id, sub=m.user.sub, email=m.user.email, name=m.user.name, roster_name=m.roster_name,
            school=m.school, town=m.town, class_name=m.workshop_class.name if m.workshop_class else None,
            group_name=m.group.name if m.group else None, role=m.role, active=m.active,
            leads={s.name for s in groups.values() if s.leader_member_id == m.id},
            tutors={c.name for c in classes.values() if c.tutor_member_id == m.id},
        ))
    return people, classes, groups, {m.id: m for m in members}


def apply_plan(workshop_id: int, plan: Plan, classes: dict[str, WorkshopClass], groups: dict[str, StudyGroup],
               members: dict[int, WorkshopMember]) -> None:
    """Write a validated plan in one transaction."""
    for name in plan.new_classes:
        classes[name] = WorkshopClass(workshop_id=workshop_id, name=name)
        db.session.add(classes[name])
    for name in plan.new_groups:
        groups[name] = StudyGroup(workshop_id=workshop_id, name=name)
        db.session.add(groups[name])
    db.session.flush()
    for change in plan.changes:
        member = members[change.person_id]
        if change.roster_name is not None:
            member.roster_name = change.roster_name
        if change.school is not None:
            member.school = change.school
        if change.town is not None:
            member.town = change.town
        if change.role is not None:
            if member.role == "tutor":
                stop_tutoring(member)
            member.role, member.role_source = change.role, "host"
        if change.class_name is not None:
            member.class_id = classes[change.class_name].id
        if change.group_name is not None:
            member.group_id = groups[change.group_name].id
            leave_groups_not(member, member.group_id)
        if change.drop_leadership:
            leave_groups_not(member, None)
        if change.lead_group is not None:
            groups[change.lead_group].leader_member_id = member.id
    db.session.flush()
    for change in plan.changes:  # after role changes, so a tutor who stopped tutoring gets no class back
        for name in change.tutor_classes:
            classes[name].tutor_member_id = change.person_id
    db.session.commit()


@bp.route("/<int:workshop_id>/people/import", methods=["POST"])
@workshop_access("host")
def import_people(workshop_id: int) -> Any:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_people(workshop_id, import_errors=["file: 请选择文件 / choose a file"], status=400)
    from .roster_io import MAX_BYTES

    data = upload.stream.read(MAX_BYTES + 1)
    try:
        table = read_table(data, upload.filename)
    except RosterFileError as exc:
        return render_people(workshop_id, import_errors=exc.errors, status=400)
    people, classes, groups, members = snapshot(workshop_id)
    plan = plan_import(table, people, classes, groups, max_class_size=MAX_CLASS_SIZE, max_cohosts=MAX_COHOSTS)
    if not plan.ok:
        return render_people(workshop_id, import_errors=plan.errors, status=400)
    try:
        apply_plan(workshop_id, plan, classes, groups, members)
    except IntegrityError:
        db.session.rollback()
        return render_people(workshop_id, import_errors=["名单已被同时修改，请重试 / the roster changed meanwhile: "
                                                   "try again"], status=409)
    flash(t(f"已导入 {len(table.rows)} 行：新建班级 {len(plan.new_classes)} 个、研修小组 {len(plan.new_groups)} 个",
            f"Imported {len(table.rows)} rows: {len(plan.new_classes)} new classes, {len(plan.new_groups)} new groups"))
    return redirect(url_for("workshop.people", workshop_id=workshop_id))


@bp.route("/<int:workshop_id>/people/export.<fmt>")
@workshop_access("host")
def export_people(workshop_id: int, fmt: str) -> Any:
    if fmt not in ("csv", "xlsx"):
        abort(404)
    people, *_ = snapshot(workshop_id)
    rows = [export_row(p) for p in people]
    name = f"{g.viewer.workshop.title}-名单.{fmt}"
    if fmt == "csv":
        return download(to_csv(rows), name, "text/csv", fallback=f"yanxiu-roster-{workshop_id}.csv")
    return download(to_xlsx(rows), name, XLSX, fallback=f"yanxiu-roster-{workshop_id}.xlsx")


@bp.route("/<int:workshop_id>/people/template.xlsx")
@workshop_access("host")
def people_template(workshop_id: int) -> Any:
    return download(to_xlsx([], template=True), "名单导入模板.xlsx", XLSX, fallback="yanxiu-roster-template.xlsx")


