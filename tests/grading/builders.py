"""Builders for grading tests: records and cohorts as plain data (no database needed)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from grading import LearnerRecord, LearnerResult, compute, load_policy, parse_record


def record(learner: str, scores: dict[str, Any] | None = None, **extra: Any) -> LearnerRecord:
    """A learner record; numbers may be given as strings or ints (never floats)."""
    data: dict[str, Any] = {"learner": learner, "scores": scores or {}}
    data.update(extra)
    return parse_record(data)


def grade(policy: str, *records: LearnerRecord) -> list[LearnerResult]:
    return compute(load_policy(policy), list(records))


def one(policy: str, scores: dict[str, Any] | None = None, **extra: Any) -> LearnerResult:
    return grade(policy, record("L1", scores, **extra))[0]


def codes(result: LearnerResult) -> list[str]:
    return [n.code for n in result.notes]


D = Decimal
