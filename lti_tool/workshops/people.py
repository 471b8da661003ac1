"""People and groups (成员与分组), host and 三人行 only: members with filters, classes (班级) with
their tutor, study groups (研修小组) with their leader, roles assigned inside the workshop, roster
import/export and the NRPS sync (people_roster.py).

Rules kept here: a class's tutor is a tutor member and a class holds at most MAX_CLASS_SIZE
participants (seed 004 方案1); a group's leader is a member of that group; at most MAX_COHOSTS
三人行 members (seed 002); the LMS instructor stays host (its role comes from the LMS).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..i18n import current_lang, t
from ..models import User, WorkshopMember
from ..models.workshops import MAX_CLASS_SIZE, MAX_COHOSTS, StudyGroup, WorkshopClass
from ..params import small_int
from .access import workshop_access
from .forms import MAX_ROW_ID, FormSchema, RowId, Text, errors_text, form_data, label, labelled
from .registry import NavLink, register_nav
from .views import WORKSHOP_ROLE_LABELS, bp

register_nav(NavLink("workshop.people", "成员与分组", "People & groups", lambda viewer: viewer.is_host, order=80))

PAGE_SIZE = 50
ASSIGNABLE_ROLES = ("participant", "tutor", "cohost", "observer")
# Hosts and the 三人行 first, then tutors, experts and participants.
ROLE_ORDER = case({"host": 0, "cohost": 1, "tutor": 2, "observer": 3}, value=WorkshopMember.role, else_=4)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class NamedInput(FormSchema):
    name = Text(required=True, validate=validate.Length(min=1, max=100), metadata=label("名称", "Name"))


class ClassInput(NamedInput):
    tutor_member_id = RowId("辅导老师", "Tutor")


class GroupInput(NamedInput):
    leader_member_id = RowId("研修组长", "Leader")


class MemberInput(FormSchema):
    role = fields.String(required=True, validate=validate.OneOf(("host", *ASSIGNABLE_ROLES)),
                         metadata=label("角色", "Role"))
    class_id = RowId("班级", "Class")
    group_id = RowId("研修小组", "Study group")  # as the member page's label says it in English
    school = Text(load_default=None, validate=validate.Length(max=200), metadata=label("学校", "School"))
    town = Text(load_default=None, validate=validate.Length(max=200), metadata=label("镇街", "Town"))


class Refused(Exception):
    """A host form refused: its page is shown again with this message by that form."""


def _load(schema: Schema) -> dict[str, Any]:
    try:
        return schema.load(form_data(request.form))  # type: ignore[no-any-return]
    except ValidationError as exc:
        raise Refused(errors_text(exc)) from None


def _refused(workshop_id: int, form: str, exc: Refused) -> Any:
    """The people page again, 400: the message by `form` (class-new, class-<id>, group-new,
    group-<id>) and what was typed kept in it."""
    return render_people(workshop_id, failed=form, form_error=str(exc), status=400)


# -- lookups that keep every id inside the workshop of the URL --------------------------------------
def _class_or_404(workshop_id: int, class_id: int) -> WorkshopClass:
    klass = db.session.get(WorkshopClass, class_id)
    if klass is None or klass.workshop_id != workshop_id:
        abort(404)
    return klass


def _group_or_404(workshop_id: int, group_id: int) -> StudyGroup:
    group = db.session.get(StudyGroup, group_id)
    if group is None or group.workshop_id != workshop_id:
        abort(404)
    return group


def _member_or_404(workshop_id: int, member_id: int) -> WorkshopMember:
    member = db.session.get(WorkshopMember, member_id)
    if member is None or member.workshop_id != workshop_id:
        abort(404)
    return member


def _member_field(workshop_id: int, member_id: int | None, field_label: str) -> WorkshopMember | None:
    if member_id is None:
        return None
    member = db.session.get(WorkshopMember, member_id)
    if member is None or member.workshop_id != workshop_id:
        raise Refused(labelled(field_label, t("不是本工作坊的成员", "not a member of this workshop")))
    return member


def _class_field(workshop_id: int, class_id: int | None) -> WorkshopClass | None:
    if class_id is None:
        return None
    klass = db.session.get(WorkshopClass, class_id)
    if klass is None or klass.workshop_id != workshop_id:
        raise Refused(labelled(t("班级", "Class"), t("不是本工作坊的班级", "not a class of this workshop")))
    return klass


def _group_field(workshop_id: int, group_id: int | None) -> StudyGroup | None:
    if group_id is None:
        return None
    group = db.session.get(StudyGroup, group_id)
    if group is None or group.workshop_id != workshop_id:
        raise Refused(labelled(t("研修小组", "Study group"),
                               t("不是本工作坊的研修小组", "not a group of this workshop")))
    return group


def _class_size(class_id: int, excluding: int | None = None) -> int:
    query = select(func.count()).select_from(WorkshopMember).where(
        WorkshopMember.class_id == class_id, WorkshopMember.role == "participant", WorkshopMember.active.is_(True))
    if excluding is not None:
        query = query.where(WorkshopMember.id != excluding)
    return int(db.session.scalar(query) or 0)


def _cohosts(workshop_id: int) -> int:
    return int(db.session.scalar(select(func.count()).select_from(WorkshopMember).where(
        WorkshopMember.workshop_id == workshop_id, WorkshopMember.role == "cohost")) or 0)


def _taken(model: Any, workshop_id: int, name: str, exclude: int | None = None) -> bool:
    query = select(model.id).where(model.workshop_id == workshop_id, model.name == name)
    if exclude is not None:
        query = query.where(model.id != exclude)
    return db.session.scalars(query).first() is not None


# -- the page --------------------------------------------------------------------------------------
def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    if value in ("", "none"):
        return None
    number = small_int(value)
    if number is None or not 1 <= number <= MAX_ROW_ID:  # beyond the column's range was a 500
        abort(400, description=f"{name}: 不是有效的编号 / not a valid id")
    return number


def _filtered_members(workshop_id: int) -> tuple[list[WorkshopMember], int, int, dict[str, Any]]:
    filters = {k: request.args.get(k, "") for k in ("class_id", "group_id", "school", "role", "status")}
    query = select(WorkshopMember).where(WorkshopMember.workshop_id == workshop_id)
    class_id, group_id = _int_arg("class_id"), _int_arg("group_id")
    if filters["class_id"] == "none":
        query = query.where(WorkshopMember.class_id.is_(None))
    elif class_id is not None:
        query = query.where(WorkshopMember.class_id == class_id)
    if filters["group_id"] == "none":
        query = query.where(WorkshopMember.group_id.is_(None))
    elif group_id is not None:
        query = query.where(WorkshopMember.group_id == group_id)
    if filters["school"]:
        query = query.where(WorkshopMember.school == filters["school"])
    role = filters["role"]
    if role == "leader":
        query = query.where(WorkshopMember.id.in_(
            select(StudyGroup.leader_member_id).where(StudyGroup.workshop_id == workshop_id)))
    elif role:
        if role not in ("host", *ASSIGNABLE_ROLES):
            abort(400, description="role: 未知角色 / unknown role")
        query = query.where(WorkshopMember.role == role)
    status = filters["status"] or "active"
    if status not in ("active", "inactive", "all"):
        abort(400, description="status: 应为 active、inactive 或 all / must be active, inactive or all")
    if status != "all":
        query = query.where(WorkshopMember.active.is_(status == "active"))
    total = int(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(_int_arg("page") or 1, 1), pages)
    members = db.session.scalars(
        query.join(User).options(joinedload(WorkshopMember.user), joinedload(WorkshopMember.workshop_class),
                                 joinedload(WorkshopMember.group))
        .order_by(ROLE_ORDER, func.coalesce(User.name, WorkshopMember.roster_name, User.sub), WorkshopMember.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).unique().all()
    filters["status"] = status
    return list(members), total, page, filters


def render_people(workshop_id: int, *, error: str | None = None, import_errors: list[str] | None = None,
            failed: str | None = None, form_error: str | None = None, status: int = 200) -> Any:
    workshop = g.viewer.workshop
    members, total, page, filters = _filtered_members(workshop_id)
    classes = db.session.scalars(select(WorkshopClass).where(WorkshopClass.workshop_id == workshop_id)
                                 .order_by(WorkshopClass.name)).all()
    groups = db.session.scalars(select(StudyGroup).where(StudyGroup.workshop_id == workshop_id)
                                .order_by(StudyGroup.name)).all()
    # The page's choices (tutors, each group's members, the schools) without loading every member:
    # a city workshop has 23,000, which took half a second to show fifty of them.
    mine = WorkshopMember.workshop_id == workshop_id
    tutors = db.session.scalars(select(WorkshopMember).where(mine, WorkshopMember.role == "tutor")
                                .options(joinedload(WorkshopMember.user)).order_by(WorkshopMember.id)).all()
    grouped = db.session.scalars(select(WorkshopMember).where(mine, WorkshopMember.group_id.is_not(None))
                                 .options(joinedload(WorkshopMember.user)).order_by(WorkshopMember.id)).all()
    schools = sorted(s for s in db.session.scalars(select(WorkshopMember.school).where(mine).distinct()) if s)
    sizes = dict(db.session.execute(
        select(WorkshopMember.class_id, func.count()).where(
            WorkshopMember.workshop_id == workshop_id, WorkshopMember.role == "participant",
            WorkshopMember.active.is_(True), WorkshopMember.class_id.is_not(None))
        .group_by(WorkshopMember.class_id)).all())
    leaders = {grp.leader_member_id for grp in groups if grp.leader_member_id}
    return render_template(
        "workshop/people.html", workshop=workshop, viewer=g.viewer, members=members, total=total, page=page,
        pages=max(1, -(-total // PAGE_SIZE)), filters=filters, classes=classes, groups=groups,
        tutors=tutors, sizes=sizes, schools=schools, leaders=leaders,
        group_members={grp.id: [m for m in grouped if m.group_id == grp.id] for grp in groups},
        role_labels=WORKSHOP_ROLE_LABELS, max_class=MAX_CLASS_SIZE, max_cohosts=MAX_COHOSTS, error=error,
        import_errors=import_errors, lang=current_lang(), sync_pending=workshop.roster_sync_pending,
        failed=failed, form_error=form_error, typed=request.form if failed else {},
    ), status


@bp.route("/<int:workshop_id>/people")
@workshop_access("host")
def people(workshop_id: int) -> Any:
    return render_people(workshop_id)


# -- classes ----------------------------------------------------------------------------------------
def _check_tutor(workshop_id: int, member_id: int | None) -> int | None:
    tutor = _member_field(workshop_id, member_id, t("辅导老师", "Tutor"))
    if tutor is not None and tutor.role != "tutor":
        raise Refused(labelled(t("辅导老师", "Tutor"), t("须为本工作坊的辅导老师", "must be a tutor of this workshop")))
    return tutor.id if tutor else None


def _class_name_taken() -> Refused:
    return Refused(labelled(t("名称", "Name"), t("已有同名班级", "a class with this name already exists")))


@bp.route("/<int:workshop_id>/people/classes", methods=["POST"])
@workshop_access("host")
def create_class(workshop_id: int) -> Any:
    try:
        data = _load(ClassInput())
        if _taken(WorkshopClass, workshop_id, data["name"]):
            raise _class_name_taken()
        tutor_id = _check_tutor(workshop_id, data["tutor_member_id"])
    except Refused as exc:
        return _refused(workshop_id, "class-new", exc)
    db.session.add(WorkshopClass(workshop_id=workshop_id, name=data["name"], tutor_member_id=tutor_id))
    db.session.commit()
    flash(t("班级已创建", "Class created"), "class-new")  # by the form the page opens at (its #fragment)
    return redirect(url_for("workshop.people", workshop_id=workshop_id, _anchor="class-new"))


@bp.route("/<int:workshop_id>/people/classes/<int:class_id>", methods=["POST"])
@workshop_access("host")
def update_class(workshop_id: int, class_id: int) -> Any:
    klass = _class_or_404(workshop_id, class_id)
    try:
        data = _load(ClassInput())
        if _taken(WorkshopClass, workshop_id, data["name"], exclude=klass.id):
            raise _class_name_taken()
        tutor_id = _check_tutor(workshop_id, data["tutor_member_id"])
    except Refused as exc:
        return _refused(workshop_id, f"class-{klass.id}", exc)
    klass.name, klass.tutor_member_id = data["name"], tutor_id
    db.session.commit()
    flash(t("班级已保存", "Class saved"), f"class-{klass.id}")
    return redirect(url_for("workshop.people", workshop_id=workshop_id, _anchor=f"class-{klass.id}"))


@bp.route("/<int:workshop_id>/people/classes/<int:class_id>/delete", methods=["POST"])
@workshop_access("host")
def delete_class(workshop_id: int, class_id: int) -> Any:
    klass = _class_or_404(workshop_id, class_id)
    for member in db.session.scalars(select(WorkshopMember).where(WorkshopMember.class_id == klass.id)):
        member.class_id = None  # through the ORM, so the grades notice the change
    db.session.delete(klass)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        abort(409, description="班级仍被其他记录使用 / the class is still used by other records")
    flash(t("班级已删除", "Class deleted"))
    return redirect(url_for("workshop.people", workshop_id=workshop_id))


# -- study groups -----------------------------------------------------------------------------------
def _group_name_taken() -> Refused:
    return Refused(labelled(t("名称", "Name"), t("已有同名研修小组", "a group with this name already exists")))


@bp.route("/<int:workshop_id>/people/groups", methods=["POST"])
@workshop_access("host")
def create_group(workshop_id: int) -> Any:
    try:
        data = _load(NamedInput())
        if _taken(StudyGroup, workshop_id, data["name"]):
            raise _group_name_taken()
    except Refused as exc:
        return _refused(workshop_id, "group-new", exc)
    db.session.add(StudyGroup(workshop_id=workshop_id, name=data["name"]))
    db.session.commit()
    flash(t("研修小组已创建", "Group created"), "group-new")
    return redirect(url_for("workshop.people", workshop_id=workshop_id, _anchor="group-new"))


@bp.route("/<int:workshop_id>/people/groups/<int:group_id>", methods=["POST"])
@workshop_access("host")
def update_group(workshop_id: int, group_id: int) -> Any:
    group = _group_or_404(workshop_id, group_id)
    try:
        data = _load(GroupInput())
        if _taken(StudyGroup, workshop_id, data["name"], exclude=group.id):
            raise _group_name_taken()
        leader = _member_field(workshop_id, data["leader_member_id"], t("研修组长", "Leader"))
        if leader is not None and leader.group_id != group.id:
            raise Refused(labelled(t("研修组长", "Leader"), t("须是本组成员", "must be a member of this group")))
    except Refused as exc:
        return _refused(workshop_id, f"group-{group.id}", exc)
    group.name, group.leader_member_id = data["name"], leader.id if leader else None
    db.session.commit()
    flash(t("研修小组已保存", "Group saved"), f"group-{group.id}")
    return redirect(url_for("workshop.people", workshop_id=workshop_id, _anchor=f"group-{group.id}"))


@bp.route("/<int:workshop_id>/people/groups/<int:group_id>/delete", methods=["POST"])
@workshop_access("host")
def delete_group(workshop_id: int, group_id: int) -> Any:
    group = _group_or_404(workshop_id, group_id)
    for member in db.session.scalars(select(WorkshopMember).where(WorkshopMember.group_id == group.id)):
        member.group_id = None
    db.session.delete(group)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        abort(409, description="研修小组仍被其他记录使用 / the group is still used by other records")
    flash(t("研修小组已删除", "Group deleted"))
    return redirect(url_for("workshop.people", workshop_id=workshop_id))


# -- one member -------------------------------------------------------------------------------------
def leave_groups_not(member: WorkshopMember, group_id: int | None) -> None:
    """A leader leads only the group they are in."""
    for group in db.session.scalars(select(StudyGroup).where(StudyGroup.leader_member_id == member.id)):
        if group.id != group_id:
            group.leader_member_id = None


def stop_tutoring(member: WorkshopMember) -> None:
    for klass in db.session.scalars(select(WorkshopClass).where(WorkshopClass.tutor_member_id == member.id)):
        klass.tutor_member_id = None


def _check_member(workshop_id: int, member: WorkshopMember,
                  data: dict[str, Any]) -> tuple[WorkshopClass | None, StudyGroup | None]:
    """The member form's rules (module docstring): raises Refused before anything is changed."""
    role = data["role"]
    if (role == "host") != (member.role == "host"):
        raise Refused(labelled(t("角色", "Role"), t("坊主的身份来自课程平台", "the host role comes from the LMS")))
    if role == "cohost" and member.role != "cohost" and _cohosts(workshop_id) >= MAX_COHOSTS:
        raise Refused(labelled(t("角色", "Role"), t(f"三人行成员最多 {MAX_COHOSTS} 位",
                                                    f"at most {MAX_COHOSTS} core-team members")))
    klass = _class_field(workshop_id, data["class_id"])
    group = _group_field(workshop_id, data["group_id"])
    if (klass is not None and role == "participant" and member.active
            and (member.class_id != klass.id or member.role != "participant")
            and _class_size(klass.id, excluding=member.id) >= MAX_CLASS_SIZE):
        raise Refused(labelled(t("班级", "Class"), t(f"班级「{klass.name}」的人数将超过 {MAX_CLASS_SIZE}",
                                                     f"“{klass.name}” would exceed {MAX_CLASS_SIZE} participants")))
    return klass, group


def _member_page(workshop_id: int, member: WorkshopMember, *, form_error: str | None = None,
                 status: int = 200) -> Any:
    """The member's page; after a refused form (`form_error`) the message by it and the host's
    choices kept in it."""
    classes = db.session.scalars(select(WorkshopClass).where(WorkshopClass.workshop_id == workshop_id)
                                 .order_by(WorkshopClass.name)).all()
    groups = db.session.scalars(select(StudyGroup).where(StudyGroup.workshop_id == workshop_id)
                                .order_by(StudyGroup.name)).all()
    return render_template("workshop/people_member.html", workshop=g.viewer.workshop, viewer=g.viewer,
                           member=member, classes=classes, groups=groups, roles=ASSIGNABLE_ROLES,
                           role_labels=WORKSHOP_ROLE_LABELS, lang=current_lang(), form_error=form_error,
                           typed=request.form if form_error else {}), status


@bp.route("/<int:workshop_id>/people/members/<int:member_id>", methods=["GET", "POST"])
@workshop_access("host")
def edit_member(workshop_id: int, member_id: int) -> Any:
    member = _member_or_404(workshop_id, member_id)
    if request.method == "GET":
        return _member_page(workshop_id, member)
    try:
        data = _load(MemberInput())
        klass, group = _check_member(workshop_id, member, data)
    except Refused as exc:
        return _member_page(workshop_id, member, form_error=str(exc), status=400)
    role = data["role"]
    if role != member.role:
        if member.role == "tutor":
            stop_tutoring(member)
        member.role, member.role_source = role, "host"
    member.class_id = klass.id if klass else None
    member.group_id = group.id if group else None
    leave_groups_not(member, member.group_id)
    member.school, member.town = data["school"], data["town"]
    db.session.commit()
    flash(t("已保存", "Saved"))
    return redirect(url_for("workshop.edit_member", workshop_id=workshop_id, member_id=member_id))
