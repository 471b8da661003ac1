"""Turn a launch into a workshop and a workshop member (created on first launch of a link)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from ..extensions import db
from ..lti.first_launch import retried_on_race
from ..lti.records import LaunchRecord
from ..models import Workshop, WorkshopMember

# Course role (from LTI) → workshop role. Host-assigned roles (co-host, tutor) are kept across
# launches: the LMS knows only Instructor/TA/Learner, the workshop knows the 三人行 team.
COURSE_TO_WORKSHOP = {"host": "host", "tutor": "tutor", "participant": "participant", "observer": "observer"}


def workshop_and_member(record: LaunchRecord) -> tuple[Workshop, WorkshopMember] | None:
    """The launch's workshop and member, created on the first launch (committed); None without a
    resource link. Rows another first launch created meanwhile are found on the next attempt
    (lti/first_launch.py)."""

    def steps() -> tuple[Workshop, WorkshopMember] | None:
        workshop = workshop_for_launch(record)
        return None if workshop is None else (workshop, member_for_launch(workshop, record))

    return retried_on_race(steps)


def workshop_for_launch(record: LaunchRecord) -> Workshop | None:
    if record.link is None:
        return None
    workshop = db.session.scalars(select(Workshop).where(Workshop.resource_link_id == record.link.id)).first()
    if workshop is None:
        title = (record.link.custom or {}).get("workshop_title") or record.link.title or record.course.title
        workshop = Workshop(
            course_id=record.course.id,
            resource_link_id=record.link.id,
            title=(title or "工作坊")[:200],
            grading_overrides={},
        )
        db.session.add(workshop)
        db.session.flush()
    return workshop


def member_for_launch(workshop: Workshop, record: LaunchRecord) -> WorkshopMember:
    member = db.session.scalars(
        select(WorkshopMember).where(
            WorkshopMember.workshop_id == workshop.id, WorkshopMember.user_id == record.user.id
        )
    ).first()
    lti_role = COURSE_TO_WORKSHOP[record.membership.role]
    if member is None:
        member = WorkshopMember(workshop_id=workshop.id, user_id=record.user.id, role=lti_role, role_source="lti")
        db.session.add(member)
    elif member.role_source == "lti":
        member.role = lti_role
    elif lti_role == "host":
        # An LMS instructor is always a host, whatever was assigned inside the workshop.
        member.role, member.role_source = "host", "lti"
    custom = record.membership.custom or {}
    if custom.get("school"):
        member.school = custom["school"][:200]
    if custom.get("town"):
        member.town = custom["town"][:200]
    member.last_seen_at = datetime.now(UTC)
    # A launch proves the LMS enrols them again, whatever an older roster sync said.
    member.active = True
    db.session.commit()
    return member
