"""What each member of a workshop has done, gathered in a few queries for the whole workshop
(the grade table recomputes everyone at once). Read-only; numbers are Decimal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, true

from xapi import HoursRule, hours_from_seconds, vocab

from ..extensions import db
from ..models import (
    Activity,
    Attendance,
    ManualScore,
    Post,
    Statement,
    Submission,
    VideoProgress,
    Workshop,
    WorkshopMember,
)
from ..statements.actors import lti_actor_key
from ..statements.bulk_sql import among, unprepared
from ..statements.events import activity_iri

ZERO = Decimal(0)
ONE = Decimal(1)
# A video counts as watched at 90 % (the same threshold as the participant's "what to do next").
VIDEO_DONE = Decimal("0.9")


@dataclass
class MemberFacts:
    member: WorkshopMember
    watched: dict[int, Decimal] = field(default_factory=dict)  # video activity → seconds (capped)
    opened: set[int] = field(default_factory=set)  # readings opened (any statement about them): started
    read: set[int] = field(default_factory=set)  # readings finished ("我已读完": reading.completed): done
    posted_in: set[int] = field(default_factory=set)  # discussion activities with a visible post
    threads: int = 0
    replies: int = 0
    excellent: int = 0
    scores: dict[int, Decimal] = field(default_factory=dict)  # assignment → percent (graded only)
    submitted: set[int] = field(default_factory=set)
    # offline activity → hours, for the sessions this learner's attendance is recorded for (absent:
    # 0). A session counts for no one until their own record: each tutor takes their own class's
    # roll, and a class not yet called would otherwise be absent for everyone (a whole class failed
    # the training by the attendance rule the moment another class's roll was saved).
    attended: dict[int, Decimal] = field(default_factory=dict)
    manual: dict[str, Decimal | None] = field(default_factory=dict)


@dataclass
class WorkshopFacts:
    workshop: Workshop
    activities: list[Activity]
    rule: HoursRule
    members: dict[int, MemberFacts]
    taken: set[int]  # offline activities anyone's attendance is recorded for: shown, never counted

    def video_hours(self, facts: MemberFacts, phase_id: int | str | None = "any") -> Decimal:
        seconds = sum((s for a_id, s in facts.watched.items()
                       if phase_id == "any" or self.activity(a_id).phase_id == phase_id), ZERO)
        return hours_from_seconds(seconds, self.rule)

    def offline_hours(self, facts: MemberFacts, phase_id: int | str | None = "any") -> Decimal:
        return sum((h for a_id, h in facts.attended.items()
                    if phase_id == "any" or self.activity(a_id).phase_id == phase_id), ZERO)

    def activity(self, activity_id: int) -> Activity:
        return self._by_id[activity_id]

    def __post_init__(self) -> None:
        self._by_id = {a.id: a for a in self.activities}
        # Each activity's rule read once: reports and measures ask it of every learner (a city
        # workshop's 情况通报 asked 184,000 times, each reading the activity's columns again).
        self._completion = {a.id: self._completion_of(a) for a in self.activities}
        self._completions: dict[bool | None, list[Callable[[MemberFacts], Decimal | None]]] = {}

    def completion(self, facts: MemberFacts, activity: Activity) -> Decimal | None:
        """0–1 for one activity, or None when it cannot count yet (an offline session whose
        attendance has not been recorded for this learner)."""
        return self._completion[activity.id](facts)

    def completion_of(self, activity: Activity) -> Callable[[MemberFacts], Decimal | None]:
        """`completion` for one activity of this workshop, to ask of many learners."""
        return self._completion[activity.id]

    def completions(self, required: bool | None) -> list[Callable[[MemberFacts], Decimal | None]]:
        """`completion_of` each required (True), optional (False) or any (None) activity, in order."""
        if required not in self._completions:
            self._completions[required] = [self._completion[a.id] for a in self.activities
                                           if required is None or a.required == required]
        return self._completions[required]

    def _completion_of(self, activity: Activity) -> Callable[[MemberFacts], Decimal | None]:
        activity_id = activity.id
        if activity.kind == "video":
            if not activity.video_seconds:
                return _cannot_count
            length = Decimal(activity.video_seconds)

            def video(facts: MemberFacts) -> Decimal | None:
                fraction = min(ONE, facts.watched.get(activity_id, ZERO) / length)
                return ONE if fraction >= VIDEO_DONE else fraction
            return video
        if activity.kind == "reading":
            # Finished, not opened: opening a page is not reading it (opening alone scored a
            # whole optional component, 20 points under zhenjiang-80-20, and 我已读完 did nothing).
            return lambda facts: ONE if activity_id in facts.read else ZERO
        if activity.kind == "discussion":
            return lambda facts: ONE if activity_id in facts.posted_in else ZERO
        if activity.kind == "assignment":
            return lambda facts: facts.scores.get(activity_id, ZERO) / 100
        if activity.kind == "offline":
            if not activity.planned_hours:
                return _cannot_count
            planned = Decimal(activity.planned_hours)
            # Not before the learner's own attendance is recorded (MemberFacts.attended).
            return lambda facts: (min(ONE, facts.attended[activity_id] / planned)
                                  if activity_id in facts.attended else None)
        return _cannot_count


def _cannot_count(facts: MemberFacts) -> Decimal | None:
    return None


# Up to this many learners (one learner's page, a school under a per-school cap) their rows are
# read by id, in chunks (`among`); a larger share of a workshop reads all its rows once instead of
# sending thousands of ids. With 50, a school of 575 read all 184,000 viewing-time rows of a
# 23,000-learner workshop: one learner's change under dawukou-80-20 took 552 ms.
NARROW_LIMIT = 2_000


def narrowed(column: Any, values: list[Any]) -> Iterator[Any]:
    """Conditions that together keep `column IN values`, or one that keeps everything."""
    if len(values) > NARROW_LIMIT:
        yield true()
        return
    with unprepared(db.session(), values):
        yield from among(db.session(), column, values)


def _caps(videos: list[Activity]) -> dict[str, tuple[int, Decimal | None]]:
    """video IRI → (activity id, length in seconds, None when unknown): read once per query, not
    once per row (184,000 in a city workshop)."""
    return {activity_iri("video", a.id): (a.id, Decimal(a.video_seconds) if a.video_seconds else None)
            for a in videos}


def watched_seconds(videos: list[Activity], actors: list[str]) -> Iterator[tuple[str, int, Decimal]]:
    """(actor key, video activity id, seconds watched capped at the video's length) for these
    actors' viewing-time rows of these videos. The grade engine's facts and the progress pages
    both read watched time here, so they cannot disagree."""
    caps = _caps(videos)
    if not caps or not actors:
        return
    wanted = set(actors)
    for where in narrowed(VideoProgress.actor_key, actors):
        for actor_key, iri, seconds in db.session.execute(
            select(VideoProgress.actor_key, VideoProgress.video_id, VideoProgress.watched_seconds)
            .where(VideoProgress.video_id.in_(list(caps)), where)
        ):
            if actor_key in wanted:
                video_id, cap = caps[iri]
                yield actor_key, video_id, seconds if cap is None else min(seconds, cap)  # a Decimal already


def gather(workshop: Workshop, members: list[WorkshopMember]) -> WorkshopFacts:
    activities = list(db.session.scalars(
        select(Activity).where(Activity.workshop_id == workshop.id).order_by(Activity.position, Activity.id)))
    by_member = {m.id: MemberFacts(member=m) for m in members}
    by_actor = {lti_actor_key(m.user.issuer, m.user.sub): by_member[m.id] for m in members}
    readings = {activity_iri("reading", a.id): a for a in activities if a.kind == "reading"}
    ids = list(by_member)
    actors = list(by_actor)

    for actor_key, video_id, seconds in watched_seconds([a for a in activities if a.kind == "video"], actors):
        by_actor[actor_key].watched[video_id] = seconds
    if readings and by_actor:
        for where in narrowed(Statement.actor_key, actors):
            for actor_key, object_id, finished in db.session.execute(
                select(Statement.actor_key, Statement.object_id, Statement.verb_id == vocab.COMPLETED).distinct()
                .where(Statement.object_id.in_(list(readings)), Statement.voided.is_(False), where)
            ):
                if actor_key in by_actor and object_id is not None:  # IN (…) lets no NULL through
                    by_actor[actor_key].opened.add(readings[object_id].id)
                    if finished:
                        by_actor[actor_key].read.add(readings[object_id].id)
    for where in narrowed(Post.author_id, ids):
        for author_id, activity_id, is_thread, count in db.session.execute(
            select(Post.author_id, Post.activity_id, Post.parent_id.is_(None), func.count())
            .join(Activity, Activity.id == Post.activity_id)
            .where(Activity.workshop_id == workshop.id, Post.hidden.is_(False), where)
            .group_by(Post.author_id, Post.activity_id, Post.parent_id.is_(None))
        ):
            facts = by_member.get(author_id)
            if facts is None:
                continue
            facts.posted_in.add(activity_id)
            if is_thread:
                facts.threads += int(count)
            else:
                facts.replies += int(count)
    maxima = {a.id: Decimal(a.max_score or 100) for a in activities if a.kind == "assignment"}
    # Plain rows, not ORM objects: a city workshop has tens of thousands of submissions.
    rows = [row for where in narrowed(Submission.member_id, ids) for row in db.session.execute(
        select(Submission.member_id, Submission.activity_id, Submission.state, Submission.score,
               Submission.excellent).where(Submission.activity_id.in_(list(maxima)), where))]
    for member_id, activity_id, state, score, excellent in rows:
        facts = by_member.get(member_id)
        if facts is None:
            continue
        facts.submitted.add(activity_id)
        if excellent:
            facts.excellent += 1
        maximum = maxima[activity_id]
        if state == "graded" and score is not None and maximum > 0:
            facts.scores[activity_id] = Decimal(score) * 100 / maximum
    offline = [a.id for a in activities if a.kind == "offline"]
    taken: set[int] = set()
    for member_id, activity_id, hours in db.session.execute(
        select(Attendance.member_id, Attendance.activity_id, Attendance.hours)
        .where(Attendance.activity_id.in_(offline))
    ):
        taken.add(activity_id)
        if member_id in by_member:
            by_member[member_id].attended[activity_id] = Decimal(hours)
    if ids:
        for member_id, key, score in db.session.execute(
            select(ManualScore.member_id, ManualScore.key, ManualScore.score)
            .where(ManualScore.workshop_id == workshop.id)
        ):
            if member_id in by_member:
                by_member[member_id].manual[key] = Decimal(score) if score is not None else None
    from ..workshops.progress import hours_rule

    return WorkshopFacts(workshop=workshop, activities=activities, rule=hours_rule(workshop), members=by_member,
                         taken=taken)
