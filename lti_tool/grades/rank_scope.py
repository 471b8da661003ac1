"""Whom a learner's result depends on when the scheme ranks people.

Share caps and the outstanding-learner rule are decided per scope (grading/cohort.py): a cap "at
most 25 % of a school may be 优秀" (dawukou-80-20, seed 004 方案7 二) compares a learner with their
own school only. When every such rule of a scheme ranks within the same school, class or group,
a learner's result depends on the records of that scope alone, and a participant's page (my
grade, studio) reads that scope's facts instead of the whole workshop's: at 3,000 participants in
60 schools, 285 ms per view became a fiftieth of the work; and a recomputation after some
learners' events computes their schools, not the workshop (grades/service.py). A rule over the whole workshop
(zhucheng-remote's outstanding 10 %), or rules over different scopes (one school's cap changes who
is eligible workshop-wide), still need everyone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select

from grading import Policy

from ..models import StudyGroup, Workshop, WorkshopClass, WorkshopMember

PER_SCOPE = ("school", "class", "group")


def rank_scope(policy: Policy) -> str | None:
    """The one scope ("school", "class" or "group") every ranking rule of `policy` works within, or
    None when a rule ranks the whole workshop or the rules work within different scopes."""
    scopes = {cap.scope for cap in policy.share_caps}
    if policy.outstanding is not None:
        scopes.add(policy.outstanding.scope)
    if len(scopes) != 1:
        return None
    scope = scopes.pop()
    return scope if scope in PER_SCOPE else None


def ranks_everyone(policy: Policy) -> bool:
    """Whether a ranking rule of `policy` needs the whole workshop (each result may then depend on
    anyone's)."""
    return (bool(policy.share_caps) or policy.outstanding is not None) and rank_scope(policy) is None


def scope_value(member: WorkshopMember, scope: str) -> str:
    """The value `scope` groups `member` by, as their record holds it (feed.build_record)."""
    if scope == "school":
        return member.school or ""
    mine = member.workshop_class if scope == "class" else member.group
    return mine.name if mine is not None else ""


def same_scope(workshop: Workshop, member: WorkshopMember, scope: str) -> ColumnElement[bool]:
    """Members whose record falls in the same `scope` as `member`'s (feed.build_record: the school
    as entered, the class's and the group's names, "" for none)."""
    if scope == "school":
        if member.school:
            return WorkshopMember.school == member.school
        return or_(WorkshopMember.school.is_(None), WorkshopMember.school == "")
    model: Any = WorkshopClass if scope == "class" else StudyGroup
    column = WorkshopMember.class_id if scope == "class" else WorkshopMember.group_id
    name = scope_value(member, scope)
    named = column.in_(select(model.id).where(model.workshop_id == workshop.id, model.name == name))
    return named if name else or_(column.is_(None), named)
