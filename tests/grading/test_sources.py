"""Source scorers: assignments, hours, counts, attendance, manual (grading/sources.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from grading import SCORERS, compute, load_policy

from .builders import codes, record


def single(source: dict[str, Any], max_: int = 100) -> Any:
    return load_policy(
        {
            "name": "t",
            "components": [{"key": "c", "label": "项", "weight": 100, "max": max_, "source": source}],
        }
    )


def score(source: dict[str, Any], max_: int = 100, **data: Any) -> Any:
    return compute(single(source, max_), [record("L", **data)])[0]


def test_registry_holds_every_documented_source() -> None:
    """A new rule is one entry in SCORERS."""
    assert set(SCORERS) == {"score", "manual", "assignments", "hours", "counts", "attendance"}


def test_assignments_average_best_drop_and_padding() -> None:
    """Average, best N, drop lowest N; missing assignments pad with 0 like Open edX's min_count."""
    marks = {"hw": [90, 70, 80]}
    assert score({"type": "assignments", "key": "hw"}, assignments=marks).total == 80
    assert (
        score({"type": "assignments", "key": "hw", "aggregate": "best", "n": 2}, assignments=marks).total
        == 85
    )
    dropped = score(
        {"type": "assignments", "key": "hw", "aggregate": "drop_lowest", "n": 1}, assignments=marks
    )
    assert dropped.total == 85
    padded = score({"type": "assignments", "key": "hw", "min_count": 4}, assignments=marks)
    assert padded.total == Decimal("60.00") and codes(padded) == ["assignments_padded"]
    scaled = score({"type": "assignments", "key": "hw", "item_max": 10}, max_=100, assignments={"hw": [7, 8]})
    assert scaled.total == 75


def test_hours_are_proportional_and_capped() -> None:
    """Study hours against a requirement: 8 of 16 is half marks; 20 of 16 is full marks (noted)."""
    src = {"type": "hours", "key": "h", "required": 16}
    assert score(src, hours={"h": 8}).total == 50
    capped = score(src, hours={"h": 20})
    assert capped.total == 100 and codes(capped) == ["hours_capped"]


def test_counts_points_with_item_and_total_caps() -> None:
    """Posts × 2 capped at 10, replies × 1 capped at 20; total capped at the cap (at most max)."""
    src = {
        "type": "counts",
        "cap": 25,
        "items": [{"kind": "posts", "points": 2, "cap": 10}, {"kind": "replies", "points": 1, "cap": 20}],
    }
    r = score(src, max_=30, counts={"posts": 3, "replies": 7})
    assert r.component("c").score == 13
    r = score(src, max_=30, counts={"posts": 9, "replies": 30})
    assert r.component("c").score == 25 and codes(r) == ["count_capped", "count_capped", "total_capped"]


def test_attendance_as_a_score() -> None:
    """Attendance hours can themselves be a component score (attended / scheduled)."""
    r = score(
        {"type": "attendance", "key": "all"}, max_=10, attendance={"all": {"scheduled": 40, "attended": 30}}
    )
    assert r.component("c").score == Decimal("7.50")


def test_manual_score_reads_the_hand_entered_key() -> None:
    """A score by hand (e.g. 民主评议) is read like a given score, and null counts 0 with a note."""
    assert score({"type": "manual", "key": "peer"}, scores={"peer": 88}).total == 88
    r = score({"type": "manual", "key": "peer"}, scores={"peer": None})
    assert r.total == 0 and codes(r) == ["null_score", "total_below_pass"]
