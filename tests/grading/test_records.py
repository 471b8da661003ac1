"""Record parsing: exact numbers only, every error names its field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grading import RecordError, parse_record


def test_numbers_are_decimals() -> None:
    """Ints, Decimals and numeric strings are accepted; the result is Decimal."""
    r = parse_record(
        {
            "learner": "L",
            "scores": {"a": "88.35", "b": 7, "c": None},
            "attendance": {"all": {"scheduled": 9, "attended": Decimal("6.5")}},
        }
    )
    assert r.scores == {"a": Decimal("88.35"), "b": Decimal(7), "c": None}
    assert r.attendance["all"].missed == Decimal("2.5")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"learner": "L", "scores": {"a": 88.35}}, "scores.a"),  # a float: never
        ({"learner": "L", "scores": {"a": True}}, "scores.a"),
        ({"learner": "L", "hours": {"h": -2}}, "hours.h"),
        (
            {"learner": "L", "attendance": {"all": {"scheduled": 9, "attended": 10}}},
            "attendance.all.attended",
        ),
        ({"learner": "L", "attendance": {"all": 9}}, "attendance.all"),
        ({"learner": ""}, "learner"),
        ({"scores": {}}, "learner"),
        ({"learner": "L", "grade": 3}, "grade"),
        ({"learner": "L", "assignments": {"hw": [1, "x"]}}, "assignments.hw[1]"),
    ],
)
def test_errors_name_the_field(data: dict[str, object], field: str) -> None:
    """Malformed values raise RecordError with the dotted field path."""
    with pytest.raises(RecordError) as info:
        parse_record(data)
    assert info.value.field == field
