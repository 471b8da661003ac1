"""The engine: nested components, null handling, and cohort speed."""

from __future__ import annotations

from decimal import Decimal

from grading import compute, load_policy, parse_record, result_to_json

from .builders import codes, record

NESTED = {
    "name": "nested",
    "components": [
        {
            "key": "process",
            "label": "过程",
            "weight": 60,
            "components": [
                {
                    "key": "required",
                    "label": "必做",
                    "weight": 80,
                    "components": [
                        {"key": "hw", "weight": 50, "max": 20},
                        {
                            "key": "study",
                            "weight": 50,
                            "source": {"type": "hours", "key": "study", "required": 10},
                        },
                    ],
                },
                {
                    "key": "optional",
                    "weight": 20,
                    "source": {"type": "counts", "items": [{"kind": "posts", "points": 10}]},
                },
            ],
        },
        {"key": "exam", "weight": 40, "pass_mark": 60, "must_pass": True},
    ],
}


def test_nested_tree_weights_multiply() -> None:
    """process → required/optional → items: each parent is the weighted sum of its children."""
    r = compute(
        load_policy(NESTED), [record("L", {"hw": 15, "exam": 70}, hours={"study": 5}, counts={"posts": 4})]
    )[0]
    # required = 0.5 × 75 + 0.5 × 50 = 62.5; process = 0.8 × 62.5 + 0.2 × 40 = 58; total = 34.8 + 28
    assert r.component("process.required").score == Decimal("62.50")
    assert r.component("process").score == 58 and r.total == Decimal("62.80")
    assert set(result_to_json(r)["components"]) == {
        "process",
        "process.required",
        "process.required.hw",
        "process.required.study",
        "process.optional",
        "exam",
    }


def test_failed_must_pass_component_fails_the_program() -> None:
    """`must_pass`: failing that component fails the whole program, whatever the total."""
    r = compute(
        load_policy(NESTED), [record("L", {"hw": 20, "exam": 59}, hours={"study": 10}, counts={"posts": 10})]
    )[0]
    assert r.total == Decimal("83.60") and not r.passed and "must_pass_failed" in codes(r)


def test_missing_score_counts_zero_with_a_note() -> None:
    """A score key absent from the record counts 0, noted, like a null."""
    r = compute(load_policy("zhenjiang-80-20"), [record("L", {"required": 100})])[0]
    assert r.total == 80 and codes(r) == ["missing_score"]


def test_23000_learners_in_one_cohort() -> None:
    """镇江 had ~23,000 teachers in one city (seed 004 方案4): the whole cohort at once keeps the
    per-school 25 % cap on 优秀 (seed 004 方案7 二). Its speed is measured in `make bench`."""
    policy = load_policy("dawukou-80-20")
    records = [
        parse_record(
            {
                "learner": f"L{i}",
                "school": f"S{i % 300}",
                "scores": {"written": Decimal(i % 101), "practice": Decimal(i % 21)},
            }
        )
        for i in range(23_000)
    ]
    results = compute(policy, records)
    assert len(results) == 23_000
    per_school: dict[str, list[bool]] = {}
    for r in results:
        per_school.setdefault(r.school, []).append(r.band == "优秀")
    for school, flags in per_school.items():
        assert sum(flags) <= len(flags) * 25 // 100, school
    assert any(any(flags) for flags in per_school.values())
