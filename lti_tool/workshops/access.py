"""Who may see what inside a workshop. Every workshop route goes through `workshop_access`.

- host and co-hosts (三人行): everything in their workshop;
- tutor: their own classes;
- group leader (研修组长): their group's progress;
- participant: their own work only;
- observer / expert: read discussions and answer in them;
- nobody: anything of another workshop or another platform's courses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, session
from sqlalchemy import select

from ..extensions import db
from ..models import StudyGroup, Workshop, WorkshopClass, WorkshopMember

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Viewer:
    workshop: Workshop
    member: WorkshopMember
    class_ids: frozenset[int]  # classes this member tutors
    group_ids: frozenset[int]  # groups this member leads

    @property
    def is_host(self) -> bool:
        return self.member.role in ("host", "cohost")

    @property
    def is_tutor(self) -> bool:
        return self.member.role == "tutor" or bool(self.class_ids)

    @property
    def is_leader(self) -> bool:
        return bool(self.group_ids)

    def can_see_member(self, other: WorkshopMember) -> bool:
        if other.workshop_id != self.workshop.id:
            return False
        if self.is_host or other.id == self.member.id:
            return True
        if other.class_id is not None and other.class_id in self.class_ids:
            return True
        return other.group_id is not None and other.group_id in self.group_ids

    def can_grade_member(self, other: WorkshopMember) -> bool:
        if other.workshop_id != self.workshop.id:
            return False
        return self.is_host or (other.class_id is not None and other.class_id in self.class_ids)


def load_viewer(workshop_id: int) -> Viewer:
    uid = session.get("uid")
    if uid is None:
        abort(401)  # the error page says: the session expired, launch again from the course
    member = db.session.scalars(
        select(WorkshopMember).where(WorkshopMember.workshop_id == workshop_id, WorkshopMember.user_id == uid)
    ).first()
    if member is None:
        # Not a member of this workshop (another workshop, course or platform): indistinguishable
        # from a workshop that does not exist.
        abort(404)
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        abort(404)
    class_ids = frozenset(
        db.session.scalars(
            select(WorkshopClass.id).where(
                WorkshopClass.workshop_id == workshop_id, WorkshopClass.tutor_member_id == member.id
            )
        )
    )
    group_ids = frozenset(
        db.session.scalars(
            select(StudyGroup.id).where(
                StudyGroup.workshop_id == workshop_id, StudyGroup.leader_member_id == member.id
            )
        )
    )
    return Viewer(workshop=workshop, member=member, class_ids=class_ids, group_ids=group_ids)


def workshop_access(*allowed: str) -> Callable[[F], F]:
    """Load the viewer for `workshop_id` and require one of the capabilities:
    "any", "host", "tutor" (tutor or host), "leader" (leader, tutor or host)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(workshop_id: int, *args: Any, **kwargs: Any) -> Any:
            viewer = load_viewer(workshop_id)
            ok = (
                "any" in allowed
                or ("host" in allowed and viewer.is_host)
                or ("tutor" in allowed and (viewer.is_tutor or viewer.is_host))
                or ("leader" in allowed and (viewer.is_leader or viewer.is_tutor or viewer.is_host))
            )
            if not ok:
                abort(403, description="您没有权限查看此页面 / You are not allowed to see this page")
            g.viewer = viewer
            return view(workshop_id, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
