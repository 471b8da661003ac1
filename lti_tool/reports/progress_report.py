"""情况通报: one workshop's or one class's progress for a chosen period — who is behind and on what,
what happened in the period, and what the tutors did (seed 002: tutors and county admins report on
progress at least twice a week; seed 004 方案1: participation published daily)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from ..china import china_days
from ..extensions import db
from ..grades.facts import gather
from ..grades.service import GRADED_ROLES
from ..models import Activity, Phase, Post, Submission, Workshop, WorkshopClass, WorkshopMember
from .standing import STATUSES, Standing, standings

ONE_PLACE = Decimal("0.1")


@dataclass
class SchoolRow:
    school: str  # "" for learners without one: the page names that in its language
    learners: int = 0
    started: int = 0
    behind: int = 0
    done: int = 0
    hours: Decimal = Decimal(0)

    @property
    def average_hours(self) -> Decimal:
        return (self.hours / self.learners).quantize(ONE_PLACE) if self.learners else Decimal(0)

    @property
    def started_rate(self) -> Decimal:
        return (Decimal(100) * self.started / self.learners).quantize(ONE_PLACE) if self.learners else Decimal(0)


@dataclass
class TutorRow:
    """Plain values only, no ORM object: the county view keeps these in its cache (program.py)."""

    member_id: int
    name: str
    classes: list[str]
    graded: int = 0
    pending: int = 0
    posts: int = 0
    response_hours: Decimal | None = None  # median, submission → grade, for grades in the period


@dataclass
class Report:
    workshop: Workshop
    scope: str  # the workshop's title or the class names
    start: date
    end: date
    standings: list[Standing]
    counts: Counter[str]
    schools: list[SchoolRow]
    tutors: list[TutorRow]
    period: dict[str, int] = field(default_factory=dict)

    @property
    def heading(self) -> str:
        """The workshop's title, and the classes reported on unless it is the whole workshop."""
        return self.workshop.title if self.scope == self.workshop.title else f"{self.workshop.title} · {self.scope}"

    @property
    def behind(self) -> list[Standing]:
        return [s for s in self.standings if s.status == "behind"]

    @property
    def not_started(self) -> list[Standing]:
        return [s for s in self.standings if s.status == "not_started"]


def _scope_query(workshop: Workshop, class_ids: list[int] | None) -> Select[Any]:
    query = select(WorkshopMember).where(WorkshopMember.workshop_id == workshop.id,
                                         WorkshopMember.role.in_(GRADED_ROLES), WorkshopMember.active.is_(True))
    if class_ids is not None:
        query = query.where(WorkshopMember.class_id.in_(class_ids))
    return query


def scope_members(workshop: Workshop, class_ids: list[int] | None) -> list[WorkshopMember]:
    return list(db.session.scalars(_scope_query(workshop, class_ids).order_by(WorkshopMember.school, WorkshopMember.id)
                                   .options(joinedload(WorkshopMember.user, innerjoin=True))))


def build_report(workshop: Workshop, class_ids: list[int] | None, start: date, end: date,
                 today: date | None = None) -> Report:
    members = scope_members(workshop, class_ids)
    phases = list(db.session.scalars(select(Phase).where(Phase.workshop_id == workshop.id)
                                     .order_by(Phase.position)))
    wf = gather(workshop, members)
    rows = standings(wf, phases, today)
    counts = Counter(s.status for s in rows)
    schools: dict[str, SchoolRow] = {}
    for s in rows:
        row = schools.setdefault(s.member.school or "", SchoolRow(s.member.school or ""))
        row.learners += 1
        row.started += s.status != "not_started"
        row.behind += s.status == "behind"
        row.done += s.status == "done"
        row.hours += s.hours
    classes = list(db.session.scalars(select(WorkshopClass).where(WorkshopClass.workshop_id == workshop.id)))
    if class_ids is not None:
        classes = [c for c in classes if c.id in class_ids]
    scope = workshop.title if class_ids is None else "、".join(c.name for c in classes) or workshop.title
    begin, stop = china_days(start, end)
    # The learners as a subquery, not a list of ids: one parameter each, and a province's 40,000
    # are more than SQLite takes in one statement as it is built by default (32,766).
    ids = _scope_query(workshop, class_ids).with_only_columns(WorkshopMember.id)
    assignments = select(Activity.id).where(Activity.workshop_id == workshop.id)
    period = {
        # Visible posts only, as the learners' 发帖 and their grades count them.
        "posts": _count(select(func.count()).select_from(Post).where(
            Post.author_id.in_(ids), Post.hidden.is_(False), Post.created_at >= begin, Post.created_at < stop)),
        "submitted": _count(select(func.count()).select_from(Submission).where(
            Submission.member_id.in_(ids), Submission.activity_id.in_(assignments),
            Submission.submitted_at >= begin, Submission.submitted_at < stop)),
    }
    report = Report(workshop=workshop, scope=scope, start=start, end=end, standings=rows, counts=counts,
                    schools=sorted(schools.values(), key=lambda r: (-r.learners, r.school)),
                    tutors=tutor_rows(workshop, classes, begin, stop), period=period)
    return report


def _count(query) -> int:  # type: ignore[no-untyped-def]
    return int(db.session.scalar(query) or 0)


def tutor_rows(workshop: Workshop, classes: list[WorkshopClass], begin: datetime, stop: datetime) -> list[TutorRow]:
    by_tutor: dict[int, list[WorkshopClass]] = {}
    for c in classes:
        if c.tutor_member_id is not None:
            by_tutor.setdefault(c.tutor_member_id, []).append(c)
    rows = []
    assignments = select(Activity.id).where(Activity.workshop_id == workshop.id)
    for tutor_id, owned in by_tutor.items():
        tutor = db.session.get(WorkshopMember, tutor_id)
        if tutor is None:
            continue
        class_members = select(WorkshopMember.id).where(WorkshopMember.class_id.in_([c.id for c in owned]))
        graded = list(db.session.execute(
            select(Submission.submitted_at, Submission.graded_at).where(
                Submission.graded_by_id == tutor_id, Submission.activity_id.in_(assignments),
                Submission.graded_at >= begin, Submission.graded_at < stop)))
        waits = [Decimal((g - s).total_seconds()) / 3600 for s, g in graded if s is not None and g is not None]
        rows.append(TutorRow(
            member_id=tutor.id, name=tutor.display_name, classes=[c.name for c in owned], graded=len(graded),
            pending=_count(select(func.count()).select_from(Submission).where(
                Submission.member_id.in_(class_members), Submission.activity_id.in_(assignments),
                Submission.state == "submitted")),
            posts=_count(select(func.count()).select_from(Post).where(
                Post.author_id == tutor_id, Post.hidden.is_(False), Post.created_at >= begin,
                Post.created_at < stop)),
            response_hours=Decimal(statistics.median(waits)).quantize(ONE_PLACE) if waits else None,
        ))
    return sorted(rows, key=lambda r: r.classes)


def wechat_text(report: Report, limit: int = 30) -> str:
    """Plain text to paste into a WeChat/QQ group: the summary and who should hurry, by name."""
    c = report.counts
    total = len(report.standings)
    lines = [f"【研修情况通报】{report.heading}",
             f"统计时段：{report.start:%Y-%m-%d} 至 {report.end:%Y-%m-%d}",
             f"学员 {total} 人：已完成 {c['done']} 人，进度正常 {c['on_track']} 人，落后 {c['behind']} 人，"
             f"未开始 {c['not_started']} 人。",
             f"本时段新发帖 {report.period['posts']} 条，提交作业 {report.period['submitted']} 份。"]
    for t in report.tutors:
        wait = f"，批改用时中位数 {t.response_hours} 小时" if t.response_hours is not None else ""
        lines.append(f"辅导老师 {t.name}（{'、'.join(t.classes)}）：批改 {t.graded} 份{wait}，"
                     f"待批改 {t.pending} 份，发帖 {t.posts} 条。")
    if report.behind:
        lines.append("请以下学员抓紧：")
        for i, s in enumerate(report.behind[:limit], 1):
            school = f"（{s.member.school}）" if s.member.school else ""
            lines.append(f"{i}. {s.member.display_name}{school}：{'；'.join(r.zh for r in s.reasons)}")
        if len(report.behind) > limit:
            lines.append(f"……另有 {len(report.behind) - limit} 人，详见通报表。")
    if report.not_started:
        names = "、".join(s.member.display_name for s in report.not_started[:limit])
        more = f" 等 {len(report.not_started)} 人" if len(report.not_started) > limit else ""
        lines.append(f"尚未开始学习：{names}{more}。")
    return "\n".join(lines)


__all__ = ["STATUSES", "Report", "build_report", "wechat_text"]
