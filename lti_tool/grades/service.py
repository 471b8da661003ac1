"""Recompute a workshop's grades from its stored records and keep them with their explanations.

Every learning event marks the workshop stale (`mark_stale`, called by `record_event` and by the
pages that change scores); the next reader recomputes the whole workshop in one pass, because share
caps and outstanding learners make each learner's result depend on the cohort. Gathering facts is
cheap: viewing time is already kept incrementally per learner and video (VideoProgress).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from grading import LearnerRecord, LearnerResult, Policy, PolicyError, compute, load_policy, result_to_json

from ..extensions import db
from ..models import GradeResult, GradeState, Workshop, WorkshopMember
from .facts import gather
from .feed import build_record, mapping_for, record_to_json
from .slots import policy_slots
from .writeback import component_writeback

log = logging.getLogger("yanxiu.grades")
GRADED_ROLES = ("participant",)


class NoPolicy(Exception):
    """The host has not chosen a grading scheme yet."""


def workshop_policy(workshop: Workshop) -> Policy:
    """The workshop's policy: its own adjusted document if the host saved one, else the preset."""
    document = adjusted_document(workshop)
    if document:
        return load_policy(document)  # a mapping: never read as a file path
    if not workshop.grading_preset:
        raise NoPolicy()
    return load_policy(workshop.grading_preset)


def adjusted_document(workshop: Workshop) -> dict[str, Any] | None:
    """The host's adjusted scheme, valid only for the preset it was adjusted from."""
    overrides = workshop.grading_overrides or {}
    if overrides.get("policy") and overrides.get("policy_base") == workshop.grading_preset:
        return dict(overrides["policy"])
    return None


def feed_choices(workshop: Workshop) -> dict[str, str]:
    return dict((workshop.grading_overrides or {}).get("feeds") or {})


def graded_members(workshop: Workshop) -> list[WorkshopMember]:
    # Loaded with their user, class and group in three queries, not three per member.
    return list(db.session.scalars(
        select(WorkshopMember).where(WorkshopMember.workshop_id == workshop.id,
                                     WorkshopMember.role.in_(GRADED_ROLES),
                                     # Left the course (roster sync): kept, but no longer graded.
                                     WorkshopMember.active.is_(True)).order_by(WorkshopMember.id)
        .options(selectinload(WorkshopMember.user), selectinload(WorkshopMember.workshop_class),
                 selectinload(WorkshopMember.group))))


def cohort(workshop: Workshop, policy: Policy) -> tuple[list[WorkshopMember], list[LearnerRecord]]:
    members = graded_members(workshop)
    wf = gather(workshop, members)
    mapping = mapping_for(policy, feed_choices(workshop))
    slots = policy_slots(policy)
    return members, [build_record(policy, wf, wf.members[m.id], mapping, slots) for m in members]


def what_if_records(workshop: Workshop, policy: Policy,
                    member: WorkshopMember) -> tuple[LearnerRecord | None, list[LearnerRecord]]:
    """The member's record and the cohort `what_if` must see. Only share caps and outstanding
    learners rank people against each other; without them one learner's result depends on their
    own records alone, so a participant's page reads one person's facts, not the workshop's."""
    if policy.share_caps or policy.outstanding is not None:
        _, records = cohort(workshop, policy)
    else:
        wf = gather(workshop, [member])
        records = [build_record(policy, wf, wf.members[member.id], mapping_for(policy, feed_choices(workshop)),
                                policy_slots(policy))]
    mine = next((r for r in records if r.learner == str(member.id)), None)
    return mine, records


def recompute(workshop: Workshop) -> list[LearnerResult]:
    """Compute every participant's result and store it; returns the results in member order."""
    policy = workshop_policy(workshop)
    before = db.session.get(GradeState, workshop.id)
    seen_change = before.changed_at if before is not None else None
    members, records = cohort(workshop, policy)
    results = compute(policy, records)
    existing = {r.member_id: r for r in db.session.scalars(
        select(GradeResult).where(GradeResult.workshop_id == workshop.id))}
    now = datetime.now(UTC)
    changed: list[tuple[WorkshopMember, LearnerResult]] = []
    per_component = component_writeback(workshop)
    for member, record, result in zip(members, records, results, strict=True):
        row = existing.pop(member.id, None)
        explanation = _explanation(result, record)
        if row is None:
            row = GradeResult(workshop_id=workshop.id, member_id=member.id)
            db.session.add(row)
        elif (row.total, row.band, row.passed) == (result.total, result.band, result.passed) and (
                not per_component or _top_scores(row.explanation) == _top_scores(explanation)):
            if row.explanation != explanation:  # same grade, other inputs (say, more hours): no AGS send
                row.explanation, row.credits, row.outstanding = explanation, result.credits, result.outstanding
            continue
        row.total, row.band, row.passed = result.total, result.band, result.passed
        row.credits, row.outstanding, row.explanation, row.computed_at = (
            result.credits, result.outstanding, explanation, now)
        changed.append((member, result))
    for gone in existing.values():  # no longer a participant
        db.session.delete(gone)
    state = db.session.get(GradeState, workshop.id) or GradeState(workshop_id=workshop.id, changed_at=now)
    state.computed_at, state.learners, state.error = now, len(members), None
    db.session.add(state)
    db.session.flush()
    # Fresh only if nothing changed since the facts were read (a concurrent event moves changed_at).
    db.session.execute(update(GradeState).where(
        GradeState.workshop_id == workshop.id,
        GradeState.changed_at == seen_change if seen_change is not None else GradeState.changed_at.isnot(None),
    ).values(stale=False))
    from .writeback import enqueue_scores

    enqueue_scores(workshop, changed)
    try:
        db.session.commit()
    except IntegrityError:
        # Another request recomputed the same workshop at the same moment: its rows stand.
        db.session.rollback()
    return results


def _top_scores(explanation: dict[str, Any] | None) -> dict[str, Any]:
    components = ((explanation or {}).get("result") or {}).get("components") or {}
    return {path: c.get("score") for path, c in components.items() if "." not in path}


def _explanation(result: LearnerResult, record: LearnerRecord) -> dict[str, Any]:
    # The readable text is made when a page shows it (from the same records): storing it for every
    # learner in two languages would cost more than the computation itself.
    return {"result": result_to_json(result, "zh"), "record": record_to_json(record),
            "exact_total": str(result.exact_total)}


def ensure_fresh(workshop: Workshop) -> GradeState | None:
    """Recompute if anything changed since the last computation; None when no scheme is chosen
    or the host's policy document does not load (the state then carries the error)."""
    state = db.session.get(GradeState, workshop.id)
    if state is not None and not state.stale:
        return state
    try:
        recompute(workshop)
    except NoPolicy:
        return None
    except PolicyError as exc:
        db.session.rollback()
        state = db.session.get(GradeState, workshop.id) or GradeState(workshop_id=workshop.id, learners=0)
        state.error = "; ".join(exc.errors)
        db.session.add(state)
        db.session.commit()
        return None
    return db.session.get(GradeState, workshop.id)


def stored_results(workshop: Workshop) -> dict[int, GradeResult]:
    return {r.member_id: r for r in db.session.scalars(
        select(GradeResult).where(GradeResult.workshop_id == workshop.id))}


def total_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"
