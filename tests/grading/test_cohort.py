"""Share caps and outstanding learners: floor(share × N), ties stand or fall together."""

from __future__ import annotations

from fractions import Fraction

from grading import compute, load_policy

from .builders import codes, grade, record

ZHUCHENG_HOURS = {"teacher_growth": 16, "mental_health": 16, "new_textbook": 12, "classroom_skills": 16}


def test_cap_ranks_by_banded_score_then_total() -> None:
    """The cap ranks by the banded score (practice), then the total: of two 19s the better
    written score keeps 优秀 (seed 004 方案7 二; rank rule from the grading issue)."""
    people = [
        record("hi", {"written": 90, "practice": 19}, school="S"),
        record("lo", {"written": 70, "practice": 19}, school="S"),
    ]
    people += [record(f"x{i}", {"written": 50, "practice": 10}, school="S") for i in range(2)]
    results = {r.learner: r for r in grade("dawukou-80-20", *people)}
    assert results["hi"].band == "优秀" and results["lo"].band == "良好"
    assert codes(results["lo"]) == ["band_demoted_by_cap"]


def test_cap_tie_straddling_the_limit_is_left_out_entirely() -> None:
    """A tie group that would straddle the cap is demoted whole, with a note naming its rank."""
    people = [record(f"t{i}", {"written": 80, "practice": 18}, school="S") for i in range(3)]
    people += [record(f"x{i}", {"written": 50, "practice": 10}, school="S") for i in range(5)]
    results = grade("dawukou-80-20", *people)  # 8 people → 2 places, 3 tied
    assert [r.band for r in results[:3]] == ["良好"] * 3
    n = results[0].notes[-1]
    assert n.code == "band_demoted_by_cap" and n.params["tied"] == "3" and n.params["limit"] == "2"
    assert "并列 3 人" in n.render("zh") and "3 tied" in n.render("en")


def test_cap_is_per_school() -> None:
    """seed 004 方案7 二 "每校": every school gets its own 25%."""
    people = [
        record(f"{s}{i}", {"written": 80, "practice": 20 if i == 0 else 10}, school=s)
        for s in "AB"
        for i in range(4)
    ]
    results = grade("dawukou-80-20", *people)
    assert [r.learner for r in results if r.band == "优秀"] == ["A0", "B0"]


def test_outstanding_top_ten_percent_among_passed() -> None:
    """seed 004 方案1 四.6: 10% of all learners, chosen only among those who passed everything.
    20 learners → 2 places; the best total failed a required course, so it is skipped."""
    people = [
        record(f"p{i:02}", {"process": 60 + i, "summative": 60 + i}, hours=ZHUCHENG_HOURS) for i in range(19)
    ]
    people.append(record("failed", {"process": 100, "summative": 100}, hours={}))
    results = {r.learner: r for r in grade("zhucheng-remote", *people)}
    assert sorted(k for k, r in results.items() if r.outstanding) == ["p17", "p18"]
    assert not results["failed"].outstanding


def test_outstanding_count_uses_everyone_in_the_scope() -> None:
    """The number of places is floor(10% × N of everyone), not of the eligible: 19 learners → 1."""
    people = [
        record(f"p{i:02}", {"process": 60 + i, "summative": 60}, hours=ZHUCHENG_HOURS) for i in range(19)
    ]
    results = grade("zhucheng-remote", *people)
    assert [r.learner for r in results if r.outstanding] == ["p18"]


def test_outstanding_tie_straddling_the_places_selects_none_of_them() -> None:
    """Ties stand together: 20 learners → 2 places; 1 clear winner + 2 tied → only the winner,
    and the tied two carry a note."""
    people = [record("top", {"process": 99, "summative": 99}, hours=ZHUCHENG_HOURS)]
    people += [record(f"tie{i}", {"process": 90, "summative": 90}, hours=ZHUCHENG_HOURS) for i in range(2)]
    people += [record(f"p{i:02}", {"process": 70, "summative": 70}, hours=ZHUCHENG_HOURS) for i in range(17)]
    results = {r.learner: r for r in grade("zhucheng-remote", *people)}
    assert [k for k, r in results.items() if r.outstanding] == ["top"]
    assert codes(results["tie0"])[-1] == "outstanding_tie_excluded"
    assert not any("outstanding" in c for c in codes(results["p00"]))


def test_outstanding_ties_on_the_shown_total() -> None:
    """Ranking uses the rounded total that is shown: 82.845 and 82.85 are the same 82.85."""
    policy = load_policy("zhucheng-remote")
    a = record("a", {"process": "88.35", "summative": 70}, hours=ZHUCHENG_HOURS)  # 82.845 → 82.85
    b = record("b", {"process": "87.5", "summative": "72"}, hours=ZHUCHENG_HOURS)  # 61.25 + 21.6 = 82.85
    rest = [record(f"p{i:02}", {"process": 60, "summative": 60}, hours=ZHUCHENG_HOURS) for i in range(8)]
    results = compute(policy, [a, b, *rest])  # 10 learners → 1 place, a and b tie
    assert results[0].total == results[1].total
    assert not any(r.outstanding for r in results)
    assert policy.outstanding is not None and policy.outstanding.share == Fraction(1, 10)
