"""Tutor scores from their own work and their class's results.

seed 004 方案4 (镇江) 七.2: "辅导员考核包括个人工作与网络班级学员的平均得分". The source does not
say how the two are weighed; the default here is 50/50 and a host can change it. A class's
measure is the learners' average total, or (measure="pass_rate") the share who passed × 100.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from .numbers import HUNDRED, ZERO, div, mul, round_half_up
from .results import LearnerResult


@dataclass(frozen=True)
class TutorResult:
    tutor: str
    klass: str
    own: Decimal
    class_measure: Decimal  # average total, or pass rate × 100, rounded
    measure: str
    learners: int
    total: Decimal


def tutor_results(
    own_scores: Mapping[str, Decimal],
    tutor_class: Mapping[str, str],
    learners: Sequence[LearnerResult],
    *,
    own_weight: Decimal = Decimal(50),
    measure: Literal["average", "pass_rate"] = "average",
    precision: int = 2,
) -> list[TutorResult]:
    """One result per tutor in `tutor_class` (tutor id → class); a class without learners scores 0."""
    if not ZERO <= own_weight <= HUNDRED:
        raise ValueError("own_weight must lie between 0 and 100")
    by_class: dict[str, list[LearnerResult]] = defaultdict(list)
    for r in learners:
        by_class[r.klass].append(r)
    out = []
    for tutor, klass in sorted(tutor_class.items()):
        members = by_class.get(klass, [])
        if not members:
            value = ZERO
        elif measure == "average":
            value = div(sum((r.total for r in members), ZERO), Decimal(len(members)))
        else:
            value = div(mul(Decimal(sum(r.passed for r in members)), HUNDRED), Decimal(len(members)))
        own = own_scores.get(tutor, ZERO)
        total = div(mul(own, own_weight) + mul(value, HUNDRED - own_weight), HUNDRED)
        out.append(
            TutorResult(
                tutor,
                klass,
                own,
                round_half_up(value, precision),
                measure,
                len(members),
                round_half_up(total, precision),
            )
        )
    return out
