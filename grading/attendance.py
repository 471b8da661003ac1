"""Attendance and credits.

seed 003 意见2 二(四): "对于某门课程缺勤达该门课总学时的三分之一者,取消该门课程成绩" and
"未参加培训课程达培训总课时三分之一者,按培训不及格处理". "达" means *reaching* the share,
so exactly 1/3 missing cancels; the comparison is exact (Fractions, never floats).

seed 004 方案1 六(三): "继续教育学分按2学时折合1学分计算…综合考核合格后,将登记30学分…
如果有任一项未通过考核,均无法登记学分".
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from .notes import Note, note
from .numbers import ZERO, div, plain, round_half_up, share_text
from .policy import CreditRule, Policy
from .records import Attendance, LearnerRecord


def missed_too_much(entry: Attendance, share: Fraction) -> bool:
    """True when the hours missed reach `share` of the scheduled hours."""
    if entry.scheduled <= 0:
        return False
    return Fraction(entry.missed) >= share * Fraction(entry.scheduled)


def course_cancelled(
    policy: Policy, record: LearnerRecord, course: str, params: dict[str, str]
) -> Note | None:
    """The note cancelling a course's score, or None when attendance allows it."""
    rule = policy.attendance
    entry = record.attendance.get(course) if course else None
    if not rule.enabled or entry is None or course == "all" or not missed_too_much(entry, rule.course):
        return None
    return note(
        "attendance_course_cancelled",
        missed=plain(entry.missed),
        scheduled=plain(entry.scheduled),
        threshold=share_text(rule.course),
        **params,
    )


def training_failed(policy: Policy, record: LearnerRecord) -> Note | None:
    """The note failing the whole training for missing too many of all hours, or None."""
    rule = policy.attendance
    entry = record.attendance.get("all")
    if not rule.enabled or entry is None or not missed_too_much(entry, rule.all):
        return None
    return note(
        "attendance_all_failed",
        missed=plain(entry.missed),
        scheduled=plain(entry.scheduled),
        threshold=share_text(rule.all),
    )


def study_hours(record: LearnerRecord) -> Decimal:
    """All study hours in the record, required and elective alike (electives count as 学时)."""
    return sum(record.hours.values(), ZERO)


def credits_for(
    rule: CreditRule, hours: Decimal, passed: bool, precision: int
) -> tuple[Decimal, Note | None]:
    """Credits registered and, when they were withheld, the note saying so."""
    earned = (
        rule.fixed if rule.mode == "fixed" else round_half_up(div(hours, rule.hours_per_credit), precision)
    )
    if rule.require_pass and not passed:
        return ZERO, note("credits_withheld", credits=plain(earned))
    return earned, None
