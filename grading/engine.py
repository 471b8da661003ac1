"""The engine: a policy and learner records in, explained results out.

`evaluate` scores one learner (weighted tree, attendance, must-pass, pass mark, band, credits);
`compute` does the whole cohort, then applies the per-scope rules (share caps, outstanding) that
need everyone at once. Everything is Decimal; the total is rounded half up once and every
decision (band, pass, rank) is taken on that rounded total.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence

from .attendance import course_cancelled, credits_for, study_hours, training_failed
from .cohort import apply_share_caps, select_outstanding
from .notes import Note, component_params, note
from .numbers import HUNDRED, ZERO, div, mul, plain, round_half_up
from .policy import Component, Policy
from .records import LearnerRecord, RecordError
from .results import ComponentResult, LearnerResult, fixed
from .sources import SCORERS


def _component(policy: Policy, comp: Component, prefix: str, record: LearnerRecord) -> ComponentResult:
    path = prefix + comp.key
    params = component_params(comp.label, path)
    notes: list[Note] = []
    children: tuple[ComponentResult, ...] = ()
    if comp.source is not None:
        scorer = SCORERS[comp.source.type]
        outcome = scorer.score(comp.source.options, record, comp)
        raw, inputs, source = outcome.raw, outcome.inputs, comp.source.type
        notes += outcome.notes
        cancelled = course_cancelled(policy, record, scorer.course_key(comp.source.options, comp), params)
        if cancelled is not None:
            raw = ZERO
            notes.append(cancelled)
    else:
        children = tuple(_component(policy, c, path + ".", record) for c in comp.children)
        out_of_100 = sum((c.contribution for c in children), ZERO)
        raw = div(mul(out_of_100, comp.max), HUNDRED)
        inputs, source = (), "components"
    contribution = div(mul(raw, comp.weight), comp.max)  # (raw / max × 100) × weight / 100
    score = round_half_up(raw, policy.precision)
    passed = None if comp.pass_mark is None else score >= comp.pass_mark
    if passed is False:
        code = "must_pass_failed" if comp.must_pass else "component_failed"
        notes.append(
            note(
                code, score=fixed(score, policy.precision), pass_mark=plain(comp.pass_mark or ZERO), **params
            )
        )
    return ComponentResult(
        path=path,
        key=comp.key,
        label=comp.label,
        source=source,
        weight=comp.weight,
        max=comp.max,
        exact=raw,
        score=score,
        contribution=contribution,
        inputs=inputs,
        pass_mark=comp.pass_mark,
        passed=passed,
        must_pass=comp.must_pass,
        notes=tuple(notes),
        children=children,
    )


def _all_notes(components: tuple[ComponentResult, ...]) -> list[Note]:
    out: list[Note] = []
    for c in components:
        out += c.notes
        out += _all_notes(c.children)
    return out


def evaluate(policy: Policy, record: LearnerRecord) -> LearnerResult:
    """One learner, before the cohort rules (share caps, outstanding)."""
    components = tuple(_component(policy, c, "", record) for c in policy.components)
    notes = _all_notes(components)
    exact_total = sum((c.contribution for c in components), ZERO)
    total = round_half_up(exact_total, policy.precision)
    failed_attendance = training_failed(policy, record)
    if failed_attendance is not None:
        notes.append(failed_attendance)
    must_pass_ok = failed_attendance is None
    flat = list(_walk(components))
    must_pass_ok = must_pass_ok and all(c.passed is not False for c in flat if c.must_pass)
    if total < policy.pass_mark:
        notes.append(
            note("total_below_pass", total=fixed(total, policy.precision), pass_mark=plain(policy.pass_mark))
        )
    passed = must_pass_ok and total >= policy.pass_mark
    on = policy.bands.on
    band_score = total if on == "total" else next(c.score for c in flat if c.path == on)
    hours = study_hours(record)
    credits, withheld = credits_for(policy.credits, hours, passed, policy.precision)
    if withheld is not None:
        notes.append(withheld)
    return LearnerResult(
        learner=record.learner,
        name=record.name,
        school=record.school,
        klass=record.klass,
        group=record.group,
        policy=policy.name,
        precision=policy.precision,
        pass_mark=policy.pass_mark,
        exact_total=exact_total,
        total=total,
        band=policy.bands.band_for(band_score),
        band_on=on,
        band_score=band_score,
        passed=passed,
        must_pass_ok=must_pass_ok,
        hours=hours,
        credits=credits,
        outstanding=False,
        components=components,
        notes=tuple(notes),
    )


def _walk(components: tuple[ComponentResult, ...]) -> list[ComponentResult]:
    out: list[ComponentResult] = []
    for c in components:
        out.append(c)
        out += _walk(c.children)
    return out


def compute(policy: Policy, records: Sequence[LearnerRecord]) -> list[LearnerResult]:
    """Every learner of a cohort, in input order; caps and outstanding are decided per scope."""
    results = [evaluate(policy, r) for r in records]
    results = apply_share_caps(policy, results)
    return select_outstanding(policy, results)


def score_keys(policy: Policy) -> set[str]:
    keys: set[str] = set()
    for _, comp in policy.walk():
        if comp.source is not None:
            keys |= SCORERS[comp.source.type].score_keys(comp.source.options)
    return keys


def check_record(policy: Policy, record: LearnerRecord) -> list[RecordError]:
    """What makes a well-formed record wrong for this policy: unknown keys, scores above max."""
    errors: list[RecordError] = []
    known = score_keys(policy)
    for key in record.scores:
        if key not in known:
            errors.append(
                RecordError(
                    f"scores.{key}",
                    f"unknown score key for policy {policy.name}; known: {', '.join(sorted(known))}",
                )
            )
    if policy.hours_keys is not None:
        for key in record.hours:
            if not any(fnmatch.fnmatchcase(key, pattern) for pattern in policy.hours_keys):
                errors.append(
                    RecordError(
                        f"hours.{key}",
                        f"unknown course key for policy {policy.name}; known: {', '.join(policy.hours_keys)}",
                    )
                )
    for _, comp in policy.walk():
        if comp.source is not None:
            errors += SCORERS[comp.source.type].check(comp.source.options, record, comp)
    return errors
