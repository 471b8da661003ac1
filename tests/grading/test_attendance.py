"""Attendance and credits (seed 003 意见2 二(四); seed 004 方案1 六(三))."""

from __future__ import annotations

from decimal import Decimal

from .builders import codes, one

FULL = {"teacher_growth": 16, "mental_health": 16, "new_textbook": 12, "classroom_skills": 16}


def test_missing_exactly_a_third_of_a_course_cancels_its_score() -> None:
    """seed 003 意见2 二(四): "缺勤达该门课总学时的三分之一者,取消该门课程成绩" — 3 of 9 is 1/3."""
    r = one(
        "process-summative-70-30",
        {"process": 90, "summative": 80},
        attendance={"process": {"scheduled": 9, "attended": 6}},
    )
    assert r.component("process").score == 0 and r.total == Decimal("24.00")
    assert codes(r)[0] == "attendance_course_cancelled"


def test_missing_just_under_a_third_keeps_the_score() -> None:
    """Just under 1/3 (2.99 of 9 hours) does not cancel; the comparison is exact."""
    r = one(
        "process-summative-70-30",
        {"process": 90, "summative": 80},
        attendance={"process": {"scheduled": 9, "attended": "6.01"}},
    )
    assert r.component("process").score == 90 and "attendance_course_cancelled" not in codes(r)


def test_missing_a_third_of_all_hours_fails_the_training() -> None:
    """seed 003 意见2 二(四): "未参加培训课程达培训总课时三分之一者,按培训不及格处理"."""
    failed = one(
        "process-summative-70-30",
        {"process": 95, "summative": 95},
        attendance={"all": {"scheduled": 60, "attended": 40}},
    )
    assert not failed.passed and failed.total == 95 and "attendance_all_failed" in codes(failed)
    kept = one(
        "process-summative-70-30",
        {"process": 95, "summative": 95},
        attendance={"all": {"scheduled": 60, "attended": "40.5"}},
    )
    assert kept.passed


def test_cancelled_required_course_fails_zhucheng_and_withholds_credits() -> None:
    """A cancelled required course is an incomplete item: no pass, no credits (seed 004 方案1 六(三))."""
    r = one(
        "zhucheng-remote",
        {"process": 90, "summative": 90},
        hours=FULL,
        attendance={"new_textbook": {"scheduled": 12, "attended": 8}},
    )
    assert not r.passed and r.credits == 0
    assert codes(r) == ["attendance_course_cancelled", "must_pass_failed", "credits_withheld"]


def test_one_failed_item_withholds_all_thirty_credits() -> None:
    """seed 004 方案1 六(三): "如果有任一项未通过考核,均无法登记学分" — one short course is enough."""
    ok = one("zhucheng-remote", {"process": 90, "summative": 90}, hours=FULL)
    short = one("zhucheng-remote", {"process": 90, "summative": 90}, hours={**FULL, "mental_health": 15})
    assert (ok.passed, ok.credits) == (True, Decimal(30))
    assert (short.passed, short.credits) == (False, Decimal(0))
    withheld = short.notes[-1]
    assert withheld.code == "credits_withheld" and withheld.params["credits"] == "30"
    assert "不登记学分" in withheld.render("zh") and "no credits" in withheld.render("en")
