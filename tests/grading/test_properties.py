"""Property tests: bounds, monotonicity, the share cap and permutation invariance."""

from __future__ import annotations

import math
from collections import Counter
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from grading import LearnerRecord, compute, load_policy, parse_record

DAWUKOU = load_policy("dawukou-80-20")
CONTEST = load_policy("contest-preliminary")
ZHUCHENG = load_policy("zhucheng-remote")

marks = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
points = st.decimals(min_value=0, max_value=20, places=1, allow_nan=False, allow_infinity=False)
CONTEST_KEYS = ["writing", "case", "design_tech", "teaching"]


def contest_record(values: list[Decimal]) -> LearnerRecord:
    return parse_record({"learner": "L", "scores": dict(zip(CONTEST_KEYS, values, strict=True))})


@given(st.lists(marks, min_size=4, max_size=4))
def test_totals_stay_within_0_and_100(values: list[Decimal]) -> None:
    """Weights sum to 100 and every score lies within its max, so the total lies in [0, 100]."""
    (r,) = compute(CONTEST, [contest_record(values)])
    assert Decimal(0) <= r.total <= Decimal(100)


@given(st.lists(marks, min_size=4, max_size=4), st.integers(0, 3), marks)
def test_raising_a_score_never_lowers_the_total(values: list[Decimal], index: int, other: Decimal) -> None:
    """Monotone in every input: replacing a score by a higher one never lowers the total."""
    low, high = sorted([values[index], other])
    before, after = list(values), list(values)
    before[index], after[index] = low, high
    (a,) = compute(CONTEST, [contest_record(before)])
    (b,) = compute(CONTEST, [contest_record(after)])
    assert a.total <= b.total and a.exact_total <= b.exact_total


@given(
    st.decimals(min_value=0, max_value=100, places=2),
    points,
    st.decimals(min_value=0, max_value=20, places=1),
)
def test_dawukou_monotone_in_practice(written: Decimal, p1: Decimal, p2: Decimal) -> None:
    """Monotone on a component with its own scale (practice out of 20)."""
    low, high = sorted([p1, p2])
    a, b = (
        compute(DAWUKOU, [parse_record({"learner": "L", "scores": {"written": written, "practice": p}})])[0]
        for p in (low, high)
    )
    assert a.total <= b.total


cohorts = st.lists(st.tuples(st.sampled_from("ABC"), marks, st.integers(0, 20)), min_size=1, max_size=60)


def dawukou_cohort(rows: list[tuple[str, Decimal, int]]) -> list[LearnerRecord]:
    return [
        parse_record({"learner": f"L{i}", "school": s, "scores": {"written": w, "practice": p}})
        for i, (s, w, p) in enumerate(rows)
    ]


@settings(max_examples=150)
@given(cohorts)
def test_capped_band_never_exceeds_its_share(rows: list[tuple[str, Decimal, int]]) -> None:
    """seed 004 方案7 二: in every school, 优秀 ≤ floor(25% × the school's size)."""
    results = compute(DAWUKOU, dawukou_cohort(rows))
    sizes = Counter(r.school for r in results)
    excellent = Counter(r.school for r in results if r.band == "优秀")
    for school, count in excellent.items():
        assert count <= math.floor(sizes[school] / 4)


@settings(max_examples=100)
@given(cohorts, st.randoms(use_true_random=False))
def test_permuting_learners_changes_nobody(rows: list[tuple[str, Decimal, int]], rnd: object) -> None:
    """Caps and rankings depend on scores, never on the order of the file."""
    records = dawukou_cohort(rows)
    shuffled = list(records)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    first = {r.learner: r for r in compute(DAWUKOU, records)}
    second = {r.learner: r for r in compute(DAWUKOU, shuffled)}
    assert first == second


@settings(max_examples=60)
@given(st.lists(st.tuples(marks, marks), min_size=1, max_size=40), st.randoms(use_true_random=False))
def test_outstanding_is_order_free_and_within_places(
    rows: list[tuple[Decimal, Decimal]], rnd: object
) -> None:
    """seed 004 方案1 四.6: at most floor(10% × N) outstanding, whatever the order."""
    hours = {"teacher_growth": 16, "mental_health": 16, "new_textbook": 12, "classroom_skills": 16}
    records = [
        parse_record({"learner": f"L{i}", "scores": {"process": p, "summative": s}, "hours": hours})
        for i, (p, s) in enumerate(rows)
    ]
    shuffled = list(records)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    first = {r.learner: r for r in compute(ZHUCHENG, records)}
    second = {r.learner: r for r in compute(ZHUCHENG, shuffled)}
    assert first == second
    assert sum(r.outstanding for r in first.values()) <= len(rows) // 10
    assert all(r.passed for r in first.values() if r.outstanding)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["城关小学", "北关小学", ""]), marks, points), min_size=1, max_size=30),
       st.data())
def test_a_per_school_cap_needs_only_the_learners_school(people: list[tuple[str, Decimal, Decimal]],
                                                          data: st.DataObject) -> None:
    """The product's participant pages compute a learner's what-if within their own school when every
    ranking rule works per school (lti_tool/grades/rank_scope.py): the same result and needs as
    within the whole cohort, whatever the other schools hold."""
    from grading import what_if

    records = [parse_record({"learner": f"L{i}", "school": school, "scores": {"written": w, "practice": p}})
               for i, (school, w, p) in enumerate(people)]
    mine = data.draw(st.sampled_from(records))
    school = [r for r in records if r.school == mine.school]
    assert what_if(DAWUKOU, mine, records) == what_if(DAWUKOU, mine, school)


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["城关小学", "北关小学"]), marks, marks), min_size=1, max_size=40),
       st.data())
def test_the_others_standings_give_the_whole_cohorts_what_if(people: list[tuple[str, Decimal, Decimal]],
                                                             data: st.DataObject) -> None:
    """zhucheng-remote's outstanding 10 % of the whole workshop, among those who passed: what_if given
    the others' totals and passes (what the product has stored) equals what_if on their records."""
    from grading import Standing, standings_suffice, what_if, what_if_among

    hours = {"teacher_growth": 16, "mental_health": 16, "new_textbook": 12, "classroom_skills": 16}
    records = [parse_record({"learner": f"L{i}", "school": school, "hours": hours,
                             "scores": {"process": process, "summative": summative}})
               for i, (school, process, summative) in enumerate(people)]
    mine = data.draw(st.sampled_from(records))
    assert standings_suffice(ZHUCHENG)
    standings = [Standing(r.learner, r.school, r.klass, r.group, r.total, r.passed) for r in compute(ZHUCHENG, records)]
    assert what_if_among(ZHUCHENG, mine, standings) == what_if(ZHUCHENG, mine, records)


def test_standings_do_not_suffice_for_share_caps() -> None:
    from grading import standings_suffice, what_if_among

    assert not standings_suffice(DAWUKOU)
    try:
        what_if_among(DAWUKOU, parse_record({"learner": "L", "scores": {}}), [])
    except ValueError as exc:
        assert "share caps" in str(exc)
    else:
        raise AssertionError("what_if_among accepted a policy with share caps")
