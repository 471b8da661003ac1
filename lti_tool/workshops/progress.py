"""A participant's progress, from the same stored records the grade engine reads."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from xapi import HoursRule, hours_from_seconds

from ..extensions import db
from ..models import Activity, Attendance, Post, Submission, VideoProgress, Workshop, WorkshopMember
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

    @property
    def hours(self) -> Decimal:
        return self.video_hours + self.offline_hours


def hours_rule(workshop: Workshop) -> HoursRule:
    return HoursRule(minutes_per_hour=workshop.minutes_per_hour, rounding=workshop.hours_rounding)


def member_progress(workshop: Workshop, member: WorkshopMember) -> MemberProgress:
    videos = {a.id: a for a in db.session.scalars(
        select(Activity).where(Activity.workshop_id == workshop.id, Activity.kind == "video"))}
    iris = {activity_iri("video", a_id): a_id for a_id in videos}
    seconds: dict[int, Decimal] = {}
    if iris:
        key = lti_actor_key(member.user.issuer, member.user.sub)
        for row in db.session.execute(
            select(VideoProgress.video_id, VideoProgress.watched_seconds).where(
                VideoProgress.actor_key == key, VideoProgress.video_id.in_(list(iris)))
        ):
            activity = videos[iris[row.video_id]]
            cap = activity.video_seconds or row.watched_seconds
            seconds[activity.id] = min(Decimal(row.watched_seconds), Decimal(cap))
    rule = hours_rule(workshop)
    video_hours = hours_from_seconds(sum(seconds.values(), Decimal(0)), rule)
    offline = db.session.scalar(
        select(func.coalesce(func.sum(Attendance.hours), 0)).where(Attendance.member_id == member.id)
    )
    per_topic = {activity_id: int(count) for activity_id, count in db.session.execute(
        select(Post.activity_id, func.count()).where(Post.author_id == member.id).group_by(Post.activity_id))}
    posts = sum(per_topic.values())
    submissions = {s.activity_id: s for s in db.session.scalars(
        select(Submission).where(Submission.member_id == member.id))}
    return MemberProgress(seconds, video_hours, Decimal(offline or 0), int(posts), submissions,
                          frozenset(per_topic))
