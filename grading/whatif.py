"""What a learner still needs: the smallest score (or hours) that would make them pass.

Each unfinished leaf is considered alone, everything else held as it is: "with 终结性考核 at 58.5
you pass". Must-pass items name the score or hours they lack. Nothing here changes a result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from .cohort import Ranked, select_outstanding
from .engine import compute, evaluate
from .notes import Note
from .numbers import HUNDRED, ZERO, ceil_to, div, mul, quantum
from .policy import Component, Policy
from .records import LearnerRecord
from .results import ComponentResult, LearnerResult
from .sources import HoursOptions


@dataclass(frozen=True)
class Need:
    path: str
    label: str
    kind: Literal["score", "hours"]
    current: Decimal
    needed: Decimal  # the smallest value that is enough (a score on `max`, or hours)
    reachable: bool  # False when even full marks/hours are not enough
    reason: Literal["pass_mark", "total"]  # the item's own pass mark, or the program's total


@dataclass(frozen=True)
class WhatIf:
    result: LearnerResult
    points_missing: Decimal  # pass mark − shown total, 0 when reached
    needs: tuple[Need, ...]
    blocking: tuple[Note, ...]  # failures no score can mend (e.g. ≥ 1/3 of all hours missed)
    outstanding_cutoff: Decimal | None  # lowest total selected as outstanding in the learner's scope


def _factors(policy: Policy) -> dict[str, tuple[Component, Decimal]]:
    """For every leaf: its definition and how much one raw point moves the exact total."""
    out: dict[str, tuple[Component, Decimal]] = {}

    def rec(comps: tuple[Component, ...], prefix: str, scale: Decimal) -> None:
        for c in comps:
            if c.children:
                rec(c.children, f"{prefix}{c.key}.", mul(scale, div(c.weight, HUNDRED)))
            else:
                out[prefix + c.key] = (c, mul(scale, div(c.weight, c.max)))

    rec(policy.components, "", Decimal(1))
    return out


def _as_need(
    comp: Component,
    c: ComponentResult,
    raw_needed: Decimal,
    reason: Literal["pass_mark", "total"],
    record: LearnerRecord,
    places: int,
) -> Need:
    reachable = raw_needed <= comp.max
    source = comp.source
    if source is not None and isinstance(source.options, HoursOptions):
        opts = source.options
        hours_needed = ceil_to(div(mul(min(raw_needed, comp.max), opts.required), comp.max), places)
        return Need(
            c.path, c.label, "hours", record.hours.get(opts.key, ZERO), hours_needed, reachable, reason
        )
    return Need(c.path, c.label, "score", c.score, ceil_to(raw_needed, places), reachable, reason)


def what_if(policy: Policy, record: LearnerRecord, cohort: Sequence[LearnerRecord] = ()) -> WhatIf:
    """The learner's result within `cohort` (replacing a record with the same id) and what is missing."""
    others = [r for r in cohort if r.learner != record.learner]
    results = compute(policy, [*others, record])
    return _what_if(policy, record, results[-1], results)


@dataclass(frozen=True)
class Standing:
    """Another learner as an outstanding-learner rule sees them: their scope, total and pass."""

    learner: str
    school: str
    klass: str
    group: str
    total: Decimal
    passed: bool


def standings_suffice(policy: Policy) -> bool:
    """Whether `what_if_among` gives what `what_if` within the whole cohort gives: no share caps
    (they re-band people by their band scores) and an outstanding rule, if any, that chooses among
    those who passed. A learner's own result then depends on no one else; only whether they are
    outstanding, and the cutoff, depend on the others' totals and passes."""
    return not policy.share_caps and (policy.outstanding is None or policy.outstanding.eligible == "passed")


def what_if_among(policy: Policy, record: LearnerRecord, others: Sequence[Standing]) -> WhatIf:
    """`what_if` within a cohort given by the others' standings instead of their records (a city
    workshop's stored results), when `standings_suffice(policy)`: the same answer as `what_if` on
    records whose results have those standings, without computing anyone else."""
    if not standings_suffice(policy):
        raise ValueError(f"policy {policy.name}: share caps or an outstanding rule not among those who passed "
                         "need the others' records")
    mine = evaluate(policy, record)
    # Light stand-ins, not copies of the learner's whole result: a city workshop's 23,000 copies
    # (dataclasses.replace of every field) were half of a participant's my-grade page.
    stand_ins: list[_StandIn | LearnerResult] = [
        _StandIn(s.school, s.klass, s.group, s.total, s.passed, mine.must_pass_ok)
        for s in others if s.learner != record.learner]
    ranked = select_outstanding(policy, [*stand_ins, mine])
    result = ranked[-1]
    assert isinstance(result, LearnerResult)
    return _what_if(policy, record, result, ranked)


@dataclass(frozen=True)
class _StandIn:
    """Another learner's standing as `select_outstanding` reads it (cohort.Ranked)."""

    school: str
    klass: str
    group: str
    total: Decimal
    passed: bool
    must_pass_ok: bool
    outstanding: bool = False
    notes: tuple[Note, ...] = ()


def _what_if(policy: Policy, record: LearnerRecord, result: LearnerResult, results: Sequence[Ranked]) -> WhatIf:
    """What is missing, from the learner's result and the cohort's (the learner's among them)."""
    p = policy.precision
    needs: list[Need] = []
    cancelled = {
        n.params.get("component_en") for n in result.notes if n.code == "attendance_course_cancelled"
    }
    blocking = tuple(n for n in result.notes if n.code == "attendance_all_failed")
    for path, (comp, _) in _factors(policy).items():
        c = result.component(path)
        if path in cancelled:
            continue
        if comp.must_pass and c.passed is False and comp.pass_mark is not None:
            needs.append(_as_need(comp, c, comp.pass_mark, "pass_mark", record, p))
    missing = max(policy.pass_mark - result.total, ZERO)
    if missing > 0:
        # The shown total is rounded half up, so the exact total may fall half a unit short.
        target = policy.pass_mark - quantum(p) / 2
        for path, (comp, factor) in _factors(policy).items():
            c = result.component(path)
            if factor == 0 or path in cancelled or c.exact >= comp.max:
                continue
            raw_needed = c.exact + div(target - result.exact_total, factor)
            needs.append(_as_need(comp, c, raw_needed, "total", record, p))
    cutoff = None
    rule = policy.outstanding
    if rule is not None:
        scope = record.scope_value(rule.scope)
        chosen = [
            r.total
            for r in results
            if r.outstanding
            and {"school": r.school, "class": r.klass, "group": r.group}.get(rule.scope, "") == scope
        ]
        cutoff = min(chosen) if chosen else None
    return WhatIf(result, missing, tuple(needs), blocking, cutoff)
