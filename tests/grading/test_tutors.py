"""Tutor scores: own work plus the class's average or pass rate (seed 004 方案4 七.2)."""

from __future__ import annotations

from decimal import Decimal

from grading import tutor_results

from .builders import grade, record


def test_tutor_average_and_pass_rate() -> None:
    """辅导员考核 = 个人工作 + 网络班级学员的平均得分; 50/50 by default, pass rate as an option."""
    learners = grade(
        "process-summative-70-30",
        record("a", {"process": 90, "summative": 90}, **{"class": "一班"}),
        record("b", {"process": 50, "summative": 50}, **{"class": "一班"}),
        record("c", {"process": 80, "summative": 80}, **{"class": "二班"}),
    )
    own = {"t1": Decimal(80), "t2": Decimal(90)}
    classes = {"t1": "一班", "t2": "二班", "t3": "三班"}
    by_tutor = {t.tutor: t for t in tutor_results(own, classes, learners)}
    assert by_tutor["t1"].class_measure == 70 and by_tutor["t1"].total == 75
    assert by_tutor["t2"].total == 85
    assert by_tutor["t3"].learners == 0 and by_tutor["t3"].total == 0
    rate = {
        t.tutor: t for t in tutor_results(own, classes, learners, measure="pass_rate", own_weight=Decimal(40))
    }
    assert rate["t1"].class_measure == 50 and rate["t1"].total == Decimal("62.00")  # 0.4 × 80 + 0.6 × 50
