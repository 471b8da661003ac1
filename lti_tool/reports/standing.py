"""Where each learner stands today: not started, behind, on track or done, and why.

Built on `grades.facts.gather`, the grade engine's inputs, so a report never disagrees with a grade:
the hours here are the hours the engine credits (video union + offline attendance). The 情况通报 and
the tutor's queue (workshops.tutor_views) both list who is behind with `standings`, so they agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from ..china import CHINA, china_today
from ..grades.facts import ZERO, MemberFacts, WorkshopFacts
from ..i18n import PUNCT, t
from ..models import Activity, Phase, Workshop

# Below this share of the hours expected by today, a learner is behind (a week's slack in a
# 16-week phase is about 6 %; 80 % leaves room for a busy fortnight without crying wolf).
BEHIND_SHARE = Decimal("0.8")
STATUSES = ("not_started", "behind", "on_track", "done")
STATUS_LABELS = {"not_started": ("未开始", "not started"), "behind": ("落后", "behind"),
                 "on_track": ("进度正常", "on track"), "done": ("已完成", "done")}
KIND_LABELS = {"video": ("视频", "video"), "reading": ("阅读", "reading"), "discussion": ("讨论", "discussion"),
               "assignment": ("作业", "assignment"), "offline": ("线下研修", "offline session")}


class Reason(NamedTuple):
    """Why a learner is behind, in both languages: the page shows the viewer's; the WeChat text and
    the XLSX, written for the county's Chinese groups, the Chinese."""

    zh: str
    en: str


# Every 学时 figure is shown to two places: the reasons, the table, the queue (0.02 学时 showed as
# 0.0 in a reason beside 0.02 in the table).
CENTI = Decimal("0.01")


def _hours_reason(hours: Decimal, expected: Decimal) -> Reason:
    shown = hours.quantize(CENTI)
    return Reason(f"学时 {shown}，应达 {expected}", f"{shown} hours, {expected} expected by now")


def _missing_reason(missing: Sequence[Activity]) -> Reason:
    def kind(a: Activity, lang: int) -> str:
        return KIND_LABELS[a.kind][lang] if a.kind in KIND_LABELS else a.kind
    return Reason("未完成：" + "、".join(f"{a.title}（{kind(a, 0)}）" for a in missing),
                  "not done: " + ", ".join(f"{a.title} ({kind(a, 1)})" for a in missing))


@dataclass
class Standing:
    facts: MemberFacts
    hours: Decimal
    expected: Decimal | None  # hours expected by today from the phase plan; None without dates
    required_total: int
    missing: list[Activity]  # required activities due by today and not done
    status: str
    reasons: list[Reason] = field(default_factory=list)

    @property
    def member(self):  # type: ignore[no-untyped-def]
        return self.facts.member

    @property
    def hours_shown(self) -> Decimal:
        return self.hours.quantize(CENTI)

    @property
    def why(self) -> str:
        """The reasons in the page's language, as the report and the grading queue both list them."""
        return PUNCT.semicolon.join(t(r.zh, r.en) for r in self.reasons)

    @property
    def posts(self) -> int:
        return self.facts.threads + self.facts.replies


def expected_hours(workshop: Workshop, phases: Sequence[Phase], today: date) -> Decimal | None:
    """The share of the required hours the phase plan puts before today (seed 004 方案4: phases of
    5 + 16 + 4 学时 with dates). A phase under way counts pro rata by days. None while no dated phase
    plans any hours: there is nothing to compare with.

    The share is of the whole plan, phases without dates included: they are part of it, and none of
    their hours can be said to be due. Dividing by the dated phases alone made one dated phase of a
    three-phase plan stand for all of it (12 + 8 undated + 10 dated and over, 20 required: 20 expected
    where 10 of the plan's 30 hours are due, 6.67). Scaled to the required hours, not the planned
    ones, so that once the whole plan is due exactly the requirement is expected."""
    dated = [p for p in phases if p.starts_on and p.ends_on and p.ends_on >= p.starts_on]
    if sum((Decimal(p.planned_hours or 0) for p in dated), ZERO) <= 0:
        return None
    planned = sum((Decimal(p.planned_hours or 0) for p in phases), ZERO)
    due = ZERO
    for p in dated:
        assert p.starts_on is not None and p.ends_on is not None
        if today > p.ends_on:
            due += Decimal(p.planned_hours or 0)
        elif today >= p.starts_on:
            days = Decimal((p.ends_on - p.starts_on).days + 1)
            due += Decimal(p.planned_hours or 0) * Decimal((today - p.starts_on).days + 1) / days
    return (Decimal(workshop.required_hours or 0) * due / planned).quantize(CENTI)


def _done_check(wf: WorkshopFacts, activity: Activity) -> Callable[[MemberFacts], bool | None]:
    """Whether a learner has done `activity`, for a progress report: submitted (not yet graded)
    counts, unlike for a grade. Built once per activity, then asked of every learner: a city
    workshop's report asked 230,000 times, each reading the activity's kind and id again."""
    activity_id = activity.id
    if activity.kind == "assignment":
        return lambda facts: activity_id in facts.submitted
    if activity.kind == "offline":  # not before the learner's own attendance is recorded
        return lambda facts: facts.attended[activity_id] > 0 if activity_id in facts.attended else None

    completion = wf.completion_of(activity)

    def complete(facts: MemberFacts) -> bool | None:
        done = completion(facts)
        return None if done is None else done >= 1
    return complete


def _is_due(activity: Activity, phase_end: dict[int, date], today: date) -> bool:
    if activity.kind == "assignment" and activity.due_at is not None:
        return activity.due_at.astimezone(CHINA).date() < today
    if activity.kind == "offline" and activity.session_date is not None:
        return activity.session_date < today
    end = phase_end.get(activity.phase_id) if activity.phase_id is not None else None
    return end is not None and end < today


def has_started(wf: WorkshopFacts, facts: MemberFacts, hours: Decimal | None = None) -> bool:
    """Anything the grade engine reads: study hours, a post, a submission, a reading opened, hours
    attended. The 情况通报, the 研修主页 and the county view all count "started" with this.
    `hours`: the learner's video and offline hours when the caller has them already."""
    if hours is None:
        hours = wf.video_hours(facts) + wf.offline_hours(facts)
    return bool(hours > 0 or facts.threads or facts.replies or facts.submitted or facts.opened
                or any(h > 0 for h in facts.attended.values()))


def standings(wf: WorkshopFacts, phases: Sequence[Phase], today: date | None = None) -> list[Standing]:
    today = today or china_today()
    expected = expected_hours(wf.workshop, phases, today)
    phase_end = {p.id: p.ends_on for p in phases if p.ends_on}
    required = [a for a in wf.activities if a.required]
    # Whether an activity is due depends on the day, not on the learner: worked out once.
    due = [_is_due(a, phase_end, today) for a in required]
    checks = [_done_check(wf, a) for a in required]
    required_hours = Decimal(wf.workshop.required_hours or 0)
    out = []
    for facts in wf.members.values():
        hours = wf.video_hours(facts) + wf.offline_hours(facts)
        done = [check(facts) for check in checks]
        missing = [a for a, d, is_due in zip(required, done, due, strict=True) if d is False and is_due]
        started = has_started(wf, facts, hours)
        reasons = []
        if expected is not None and hours < expected * BEHIND_SHARE:
            reasons.append(_hours_reason(hours, expected))
        if missing:
            reasons.append(_missing_reason(missing))
        if not started:
            status = "not_started"
        elif hours >= required_hours and all(d is not False for d in done):
            status = "done"
        elif reasons:
            status = "behind"
        else:
            status = "on_track"
        out.append(Standing(facts=facts, hours=hours, expected=expected, required_total=len(required),
                            missing=missing, status=status, reasons=reasons))
    return out
