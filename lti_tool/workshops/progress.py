"""A participant's progress, from the same stored records the grade engine reads."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from xapi import HoursRule, hours_from_seconds, vocab

from ..extensions import db
from ..models import Activity, Attendance, Post, Statement, Submission, Workshop, WorkshopMember
from ..statements.actors import lti_actor_key
from ..statements.events import activity_iri


@dataclass
class MemberProgress:
    video_seconds: dict[int, Decimal]  # activity id → watched seconds (capped at the length)
    video_hours: Decimal
    offline_hours: Decimal
    posts: int
    submissions: dict[int, Submission]
    discussed: frozenset[int] = frozenset()  # discussion activities the member has posted in
    read: frozenset[int] = frozenset()  # readings the member said they finished (我已读完)

    @property
    def hours(self) -> Decimal:
        return self.video_hours + self.offline_hours


def hours_rule(workshop: Workshop) -> HoursRule:
    return HoursRule(minutes_per_hour=workshop.minutes_per_hour, rounding=workshop.hours_rounding)


def member_progress(workshop: Workshop, member: WorkshopMember) -> MemberProgress:
    seconds = _watched(workshop, actor_keys([member]))[member.id]
    video_hours = hours_from_seconds(sum(seconds.values(), Decimal(0)), hours_rule(workshop))
    per_topic = {activity_id: int(count) for activity_id, count in db.session.execute(
        select(Post.activity_id, func.count()).where(Post.author_id == member.id).group_by(Post.activity_id))}
    posts = sum(per_topic.values())
    submissions = {s.activity_id: s for s in db.session.scalars(
        select(Submission).where(Submission.member_id == member.id))}
    return MemberProgress(seconds, video_hours, _offline(workshop, [member.id]).get(member.id, Decimal(0)),
                          int(posts), submissions, frozenset(per_topic), _read(workshop, member))


def _read(workshop: Workshop, member: WorkshopMember) -> frozenset[int]:
    """The readings this member finished: a reading.completed statement, as the grade counts it
    (grades.facts.gather)."""
    readings = {activity_iri("reading", a_id): a_id for a_id in db.session.scalars(
        select(Activity.id).where(Activity.workshop_id == workshop.id, Activity.kind == "reading"))}
    if not readings:
        return frozenset()
    return frozenset(readings[object_id] for object_id in db.session.scalars(
        select(Statement.object_id).distinct().where(
            Statement.actor_key == lti_actor_key(member.user.issuer, member.user.sub),
            Statement.object_id.in_(list(readings)), Statement.verb_id == vocab.COMPLETED,
            Statement.voided.is_(False))) if object_id in readings)


def actor_keys(members: list[WorkshopMember]) -> dict[str, int]:
    """actor key → member id (the members' users should be loaded with them)."""
    return {lti_actor_key(m.user.issuer, m.user.sub): m.id for m in members}


def _watched(workshop: Workshop, keys: dict[str, int]) -> dict[int, dict[int, Decimal]]:
    """member id → video activity id → seconds watched, capped at the video's length."""
    from ..grades.facts import watched_seconds

    seconds: dict[int, dict[int, Decimal]] = {member_id: {} for member_id in keys.values()}
    for actor, video_id, watched in watched_seconds(_videos(workshop), list(keys)):
        seconds[keys[actor]][video_id] = watched
    return seconds


def _videos(workshop: Workshop) -> list[Activity]:
    return list(db.session.scalars(
        select(Activity).where(Activity.workshop_id == workshop.id, Activity.kind == "video")))


def _offline(workshop: Workshop, member_ids: list[int]) -> dict[int, Decimal]:
    """member id → hours of offline attendance (members without any are left out)."""
    from ..grades.facts import narrowed

    offline: dict[int, Decimal] = {}
    mine = Attendance.member_id.in_(select(WorkshopMember.id).where(WorkshopMember.workshop_id == workshop.id))
    for where in narrowed(Attendance.member_id, member_ids):
        offline.update((member_id, Decimal(hours or 0)) for member_id, hours in db.session.execute(
            select(Attendance.member_id, func.coalesce(func.sum(Attendance.hours), 0))
            .where(mine, where).group_by(Attendance.member_id)))
    return offline
