"""The county / program view: every workshop of one platform (dashboards issue §3) — participation
by school and town per day, learners not started / behind / on track / done, tutors' grading
backlog and response times, hosts' activity.

Every figure is the one the workshop's own pages show: participation and completion from
`participation.build_overview`, statuses from `standing.standings` (the 情况通报's), tutors from
`progress_report.tutor_rows`; one gather of facts per workshop feeds all three. A teacher enrolled
in two workshops counts in each (rates are per enrolment, as each workshop reports them); the
summary also counts the teachers, each once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ..china import china_days
from ..extensions import db
from ..grades.facts import gather
from ..grades.service import graded_members
from ..models import Course, Phase, Post, Workshop, WorkshopClass, WorkshopMember
from .participation import DAYS, Overview, Row, build_overview
from .progress_report import TutorRow, tutor_rows
from .standing import standings


@dataclass
class HostRow:
    name: str
    last_seen: datetime | None
    posts: int  # in the last 14 days


# Plain values only, no ORM objects: the view is cached (cache.py), and an object kept past its
# request's session could not load what the next page asks of it (the XLSX first, then the page:
# `member.user` on a detached member was a 500). Plain, it also has a JSON form, so with Redis one
# computation serves every worker (shared_cache.py) instead of one per worker.
@dataclass
class WorkshopRow:
    workshop_id: int
    title: str
    course: str  # the course's title, or its context id without one
    overview: Overview
    statuses: dict[str, int]
    tutors: list[TutorRow]
    hosts: list[HostRow]

    @property
    def backlog(self) -> int:
        return sum(t.pending for t in self.tutors)


@dataclass
class Program:
    days: list[date]
    workshops: list[WorkshopRow]
    schools: dict[str, Row] = field(default_factory=dict)
    towns: dict[str, Row] = field(default_factory=dict)
    school_days: dict[str, list[int]] = field(default_factory=dict)
    town_days: dict[str, list[int]] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    # Teachers, each once: the rows count enrolments (人次), and a course's three phases as three
    # workshops made 12 teachers look like 35.
    teachers: int = 0

    @property
    def tutors(self) -> list[tuple[WorkshopRow, TutorRow]]:
        return [(w, t) for w in self.workshops for t in w.tutors]


def _merge(into: dict[str, Row], rows: list[Row]) -> None:
    for row in rows:
        target = into.setdefault(row.name, Row(row.name))
        target.members += row.members
        target.started += row.started
        target.active_today += row.active_today
        target.active_week += row.active_week
        target.completion_sum += row.completion_sum


def _add_days(into: dict[str, list[int]], counts: dict[str, list[int]]) -> None:
    for name, values in counts.items():
        target = into.setdefault(name, [0] * len(values))
        for i, v in enumerate(values):
            target[i] += v


def build_program(platform_id: int, today: date) -> Program:
    workshops = db.session.execute(
        select(Workshop, Course).join(Course, Course.id == Workshop.course_id)
        .where(Course.platform_id == platform_id).order_by(Course.title, Workshop.title, Workshop.id)).all()
    begin, stop = china_days(today - timedelta(days=DAYS - 1), today)
    program = Program(days=[today - timedelta(days=n) for n in range(DAYS - 1, -1, -1)], workshops=[])
    teachers: set[int] = set()
    for workshop, course in workshops:
        members = graded_members(workshop)
        teachers.update(m.user_id for m in members)
        wf = gather(workshop, members)
        overview = build_overview(workshop, members, {}, today, with_top=False, wf=wf)
        phases = list(db.session.scalars(select(Phase).where(Phase.workshop_id == workshop.id)
                                         .order_by(Phase.position)))
        statuses = Counter(s.status for s in standings(wf, phases, today))
        classes = list(db.session.scalars(select(WorkshopClass).where(WorkshopClass.workshop_id == workshop.id)))
        hosts = [HostRow(m.display_name, m.last_seen_at, _posts(m, begin, stop))
                 for m in db.session.scalars(select(WorkshopMember).where(
                     WorkshopMember.workshop_id == workshop.id, WorkshopMember.role.in_(("host", "cohost")),
                     WorkshopMember.active.is_(True)).order_by(WorkshopMember.id))]
        program.workshops.append(WorkshopRow(workshop.id, workshop.title, course.title or course.context_id,
                                             overview, dict(statuses), tutor_rows(workshop, classes, begin, stop),
                                             hosts))
        _merge(program.schools, overview.by_school)
        _merge(program.towns, overview.by_town)
        _add_days(program.school_days, overview.per_day.get("school", {}))
        _add_days(program.town_days, overview.per_day.get("town", {}))
        for status, count in statuses.items():
            program.statuses[status] = program.statuses.get(status, 0) + count
    program.teachers = len(teachers)
    return program


def _posts(member: WorkshopMember, begin: datetime, stop: datetime) -> int:
    return int(db.session.scalar(select(func.count()).select_from(Post).where(
        Post.author_id == member.id, Post.created_at >= begin, Post.created_at < stop)) or 0)


def day_rate(active: int, members: int) -> Decimal:
    return (Decimal(active) * 100 / members).quantize(Decimal("0.1")) if members else Decimal(0)
