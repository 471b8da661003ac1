"""what_if: the smallest score or hours a learner still needs to pass."""

from __future__ import annotations

from decimal import Decimal

from grading import load_policy, what_if

from .builders import record

HOURS = {"teacher_growth": 16, "mental_health": 16, "new_textbook": 12, "classroom_skills": 16}


def test_minimal_score_in_each_component_for_the_pass_mark() -> None:
    """process 50, summative 40: total 47; alone, summative needs 83.34 (0.3 × 83.34 + 35 = 60.002),
    and since 59.995 is shown as 60.00, 83.32 is the true minimum (0.3 × 83.32 = 24.996)."""
    policy = load_policy("process-summative-70-30")
    w = what_if(policy, record("L", {"process": 50, "summative": 40}))
    assert w.points_missing == 13
    needs = {n.path: n for n in w.needs}
    assert needs["summative"].needed == Decimal("83.32") and needs["summative"].reachable
    assert needs["process"].needed == Decimal("68.57")  # 0.7 × 68.57 = 47.999 → 59.999 → 60.00
    assert not w.blocking


def test_unreachable_and_hours_missing() -> None:
    """A must-pass course reports the hours it lacks; a score beyond max is marked unreachable."""
    policy = load_policy("zhucheng-remote")
    w = what_if(policy, record("L", {"process": 10, "summative": 90}, hours={**HOURS, "mental_health": 10}))
    needs = {(n.path, n.reason): n for n in w.needs}
    course = needs[("mental_health", "pass_mark")]
    assert (course.kind, course.current, course.needed) == ("hours", Decimal(10), Decimal(16))
    assert not needs[("summative", "total")].reachable  # 0.3 × 100 + 7 = 37 < 60
    assert needs[("process", "total")].needed == Decimal("47.14")  # 0.7 × 47.14 + 27 = 59.998 → 60.00


def test_passed_learner_needs_nothing_and_sees_the_outstanding_cutoff() -> None:
    """Within a cohort, a learner who passed needs nothing; the cutoff for outstanding is shown."""
    policy = load_policy("zhucheng-remote")
    cohort = [record(f"p{i}", {"process": 60 + i, "summative": 60 + i}, hours=HOURS) for i in range(10)]
    w = what_if(policy, cohort[3], cohort)
    assert w.result.passed and w.needs == () and w.outstanding_cutoff == Decimal("69.00")


def test_missing_a_third_of_all_hours_is_blocking() -> None:
    """seed 003 意见2 二(四): a training failed on attendance cannot be mended by scores."""
    policy = load_policy("process-summative-70-30")
    w = what_if(
        policy,
        record("L", {"process": 90, "summative": 90}, attendance={"all": {"scheduled": 30, "attended": 20}}),
    )
    assert [n.code for n in w.blocking] == ["attendance_all_failed"]
