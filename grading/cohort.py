"""Rules that need the whole cohort: a band's share cap per scope, and outstanding learners.

Both take a number of places = floor(share × N of everyone in the scope) and fill it by rank.
Learners tied on the ranking key stand or fall together: a tie group that would straddle the
limit is left out entirely (seed 004 方案7 二 says "不得超过", never exceed), with a note.
Grouping and sorting are O(n log n), so a city of 23,000 teachers takes well under a second.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar, Protocol, TypeVar

from .notes import Note, note
from .numbers import share_text
from .policy import SCOPE_NAMES, Policy
from .results import LearnerResult, fixed


class Ranked(Protocol):
    """What the outstanding rule reads of a learner's result (a dataclass: chosen ones are replaced).
    A full LearnerResult, or a lighter stand-in for another learner's stored standing (whatif.py)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def school(self) -> str: ...
    @property
    def klass(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def total(self) -> Decimal: ...
    @property
    def passed(self) -> bool: ...
    @property
    def must_pass_ok(self) -> bool: ...
    @property
    def outstanding(self) -> bool: ...
    @property
    def notes(self) -> tuple[Note, ...]: ...


R = TypeVar("R", bound=Ranked)


def _scopes(results: Sequence[Ranked], scope: str) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(results):
        value = {"school": r.school, "class": r.klass, "group": r.group}.get(scope, "")
        groups[value].append(i)
    return groups


def places(share: Fraction, size: int) -> int:
    """floor(share × N): a cap of 25% on 10 learners allows 2, never 3."""
    return math.floor(share * size)


def fill(
    indices: list[int], key: Callable[[int], Hashable], limit: int
) -> tuple[list[list[int]], list[list[int]]]:
    """Split ranked candidates into tie groups that fit in `limit` and the groups left out.

    `key` sorts best first (callers negate); the first tie group that would pass the limit and
    every group after it are left out.
    """
    ordered = sorted(indices, key=key)  # type: ignore[arg-type]
    groups: list[list[int]] = []
    for i in ordered:
        if groups and key(groups[-1][0]) == key(i):
            groups[-1].append(i)
        else:
            groups.append([i])
    taken = 0
    for n, group in enumerate(groups):
        if taken + len(group) > limit:
            return groups[:n], groups[n:]
        taken += len(group)
    return groups, []


def _percent(share: Fraction) -> str:
    value = share * 100
    return str(value.numerator) if value.denominator == 1 else share_text(share)


def apply_share_caps(policy: Policy, results: list[LearnerResult]) -> list[LearnerResult]:
    """Demote learners beyond a band's share in their scope to the next band (caps highest first).

    seed 004 方案7 二: "每校优秀人数不得超过总人数的25%". Ranking: banded score, then total.
    """
    order = [b.name for b in policy.bands.table]
    out = list(results)
    for cap in sorted(policy.share_caps, key=lambda c: order.index(c.band)):
        new_band = policy.bands.below(cap.band)
        for scope_value, members in sorted(_scopes(out, cap.scope).items()):
            holders = [i for i in members if out[i].band == cap.band]
            limit = places(cap.share, len(members))
            _, left_out = fill(holders, lambda i: (-out[i].band_score, -out[i].total), limit)
            rank = len(holders) - sum(len(g) for g in left_out) + 1
            for group in left_out:
                for i in group:
                    n = note(
                        "band_demoted_by_cap",
                        scope_kind=SCOPE_NAMES[cap.scope]["zh"],
                        scope_kind_en=SCOPE_NAMES[cap.scope]["en"],
                        scope=scope_value or "—",
                        band=cap.band,
                        limit=limit,
                        size=len(members),
                        share=_percent(cap.share),
                        rank=rank,
                        tied=len(group),
                        new_band=new_band,
                    )
                    out[i] = replace(out[i], band=new_band, notes=(*out[i].notes, n))
                rank += len(group)
    return out


def select_outstanding(policy: Policy, results: list[R]) -> list[R]:
    """seed 004 方案1 四.6: "按照10%的比例评选优秀学员…所有必修课程均需通过考核…依照总成绩进行排名".

    Places = floor(share × everyone in the scope); candidates are only the eligible ones.
    """
    rule = policy.outstanding
    if rule is None:
        return results
    out = list(results)
    for _, members in sorted(_scopes(out, rule.scope).items()):
        eligible = [
            i for i in members if (out[i].passed if rule.eligible == "passed" else out[i].must_pass_ok)
        ]
        limit = places(rule.share, len(members))
        chosen, left_out = fill(eligible, lambda i: -out[i].total, limit)
        rank = 1
        for group in chosen:
            for i in group:
                n = note(
                    "outstanding_selected",
                    rank=rank,
                    limit=limit,
                    size=len(members),
                    share=_percent(rule.share),
                )
                out[i] = replace(out[i], outstanding=True, notes=(*out[i].notes, n))
            rank += len(group)
        if left_out:
            for i in left_out[0]:
                n = note(
                    "outstanding_tie_excluded",
                    total=fixed(out[i].total, policy.precision),
                    others=len(left_out[0]) - 1,
                    limit=limit,
                )
                out[i] = replace(out[i], notes=(*out[i].notes, n))
    return out
