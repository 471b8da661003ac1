"""Recompute a workshop's grades from its stored records and keep them with their explanations.

Every change to a grade input marks the workshop stale (the session hook in `stale.py`), listing
the learner when only one is concerned. The next reader recomputes: only the listed learners when
the scheme has no share caps and no outstanding-learner rule (each result then depends on that
learner's records alone); their whole schools (classes, groups) when every such rule ranks within
one (rank_scope.py); else the whole workshop in one pass, since the rules then make each result
depend on the cohort. Viewing time is already kept incrementally per learner and
video (VideoProgress), so gathering facts never rescans statements.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import delete, insert, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from grading import LearnerRecord, LearnerResult, Policy, PolicyError, compute, load_policy, result_to_json

from ..extensions import db
from ..models import GradeDirty, GradeResult, GradeState, User, Workshop, WorkshopMember
from ..statements.bulk_sql import among, unprepared
from .facts import WorkshopFacts, gather
from .feed import build_record, mapping_for, record_to_json
from .rank_scope import rank_scope, ranks_everyone, same_scope, scope_value
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


def graded_members(workshop: Workshop, *where: Any) -> list[WorkshopMember]:
    # Loaded with their user, class and group in one query, not three per member (nor three
    # queries of 500 members at a time: twice as long for a city cohort).
    return list(db.session.scalars(
        select(WorkshopMember).where(WorkshopMember.workshop_id == workshop.id,
                                     WorkshopMember.role.in_(GRADED_ROLES),
                                     # Left the course (roster sync): kept, but no longer graded.
                                     WorkshopMember.active.is_(True), *where).order_by(WorkshopMember.id)
        .options(joinedload(WorkshopMember.user, innerjoin=True), joinedload(WorkshopMember.workshop_class),
                 joinedload(WorkshopMember.group))))


def cohort(workshop: Workshop, policy: Policy, *where: Any) -> tuple[list[WorkshopMember], list[LearnerRecord]]:
    members = graded_members(workshop, *where)
    wf = gather(workshop, members)
    mapping = mapping_for(policy, feed_choices(workshop))
    slots = policy_slots(policy)
    return members, [build_record(policy, wf, wf.members[m.id], mapping, slots) for m in members]


def what_if_records(workshop: Workshop, policy: Policy, member: WorkshopMember,
                    wf: WorkshopFacts | None = None) -> tuple[LearnerRecord | None, list[LearnerRecord]]:
    """The member's record and the cohort `what_if` must see. Only share caps and outstanding
    learners rank people against each other; without them one learner's result depends on their
    own records alone, so a participant's page reads one person's facts (`wf`, when the caller
    already gathered them), not the workshop's. With them, the member's school, class or group
    when every rule ranks within it (rank_scope.py), else everyone."""
    if ranks_people(policy):
        scope = rank_scope(policy)
        _, records = cohort(workshop, policy, *([same_scope(workshop, member, scope)] if scope else []))
        if scope:
            mine = next((r for r in records if r.learner == str(member.id)), None)
            records = [r for r in records if mine is not None and r.scope_value(scope) == mine.scope_value(scope)]
    else:
        records = [own_record(workshop, policy, member, wf)]
    mine = next((r for r in records if r.learner == str(member.id)), None)
    return mine, records


def own_record(workshop: Workshop, policy: Policy, member: WorkshopMember,
               wf: WorkshopFacts | None = None) -> LearnerRecord:
    """The member's record from their own rows (`wf`, when the caller already gathered them)."""
    if wf is None or member.id not in wf.members:
        wf = gather(workshop, [member])
    return build_record(policy, wf, wf.members[member.id], mapping_for(policy, feed_choices(workshop)),
                        policy_slots(policy))


def ranks_people(policy: Policy) -> bool:
    """Whether one learner's result can depend on the others' (share caps, outstanding learners)."""
    return bool(policy.share_caps) or policy.outstanding is not None


# Beyond this many learners changed since the last computation (a province cohort after the worker
# was down for an hour, say), or named by their schools, everyone is recomputed: the incremental
# path names its learners in SQL lists, which past tens of thousands exceed what one statement may
# carry (PostgreSQL 65,535 parameters; SQLite 32,766 by default, 250,000 as Debian builds it; the
# school-cap schemes name two per account), and a full pass costs about the same then.
INCREMENTAL_LIMIT = 2_000


def recompute(workshop: Workshop, *, full: bool = False) -> list[LearnerResult]:
    """Compute and store results: of everyone (the first time, after a change that may concern
    anyone, or when the scheme ranks the whole workshop), else of the learners whose inputs changed
    (with everyone of their school, class or group when the scheme ranks within it). Returns the
    results computed, in member order."""
    policy = workshop_policy(workshop)
    before = db.session.get(GradeState, workshop.id)
    seen_change = before.changed_at if before is not None else None
    # A scheme that ranks people within one scope (a school's cap) recomputes the scopes of the
    # learners listed; one that ranks the whole workshop, everyone.
    scope = rank_scope(policy) if ranks_people(policy) else None
    incremental = (not full and before is not None and not before.full and before.computed_at is not None
                   and not ranks_everyone(policy))
    # The dirty rows read now are covered by this computation: each was committed with its change,
    # which the reads below therefore see. Only these rows are deleted afterwards, never a range of
    # ids: a change committed meanwhile may hold a lower id than one read here (PostgreSQL hands out
    # ids before commit), and its row must stay for the next computation (an evening peak lost
    # learners' changes that way; tests/lti_tool/test_evening_peak.py).
    columns = (GradeDirty.id, GradeDirty.member_id, GradeDirty.actor_key) if incremental else (GradeDirty.id,)
    dirty = db.session.execute(select(*columns).where(GradeDirty.workshop_id == workshop.id)).all()
    if incremental and len({(row.member_id, row.actor_key) for row in dirty}) > INCREMENTAL_LIMIT:
        incremental = False
    if incremental:
        members = _dirty_members(workshop, dirty)
        if scope is not None and members:
            alike = {scope_value(m, scope): m for m in members}  # one learner per scope stands for it
            members = graded_members(workshop, or_(*(same_scope(workshop, m, scope) for m in alike.values())))
        incremental = len(members) <= INCREMENTAL_LIMIT
    if incremental:
        wf = gather(workshop, members)
        mapping, slots = mapping_for(policy, feed_choices(workshop)), policy_slots(policy)
        records = [build_record(policy, wf, wf.members[m.id], mapping, slots) for m in members]
    else:
        members, records = cohort(workshop, policy)
    results = compute(policy, records)
    seen_computed = before.computed_at if before is not None else None
    try:
        changed = _store(workshop, members, records, results, incremental, dirty, seen_change, seen_computed)
    except (_Superseded, IntegrityError):
        # Another request recomputed the same workshop meanwhile and committed first (or stored a
        # learner's first result first): its results stand, and this one's are dropped whole, since
        # they may have been read before its (an older result written last would stay, its dirty
        # rows consumed). The workshop stays stale if anything changed since either read it.
        db.session.rollback()
        return results
    log.debug("grades recomputed workshop=%s learners=%d incremental=%s changed=%d", workshop.id, len(members),
              incremental, changed)
    return results


class _Superseded(Exception):
    """Another computation of the workshop committed after this one read the grade state."""


def _store(workshop: Workshop, members: list[WorkshopMember], records: list[LearnerRecord],
           results: list[LearnerResult], incremental: bool, dirty: Sequence[Any], seen_change: datetime | None,
           seen_computed: datetime | None) -> int:
    """Write the results that changed, consume the dirty rows read, mark the workshop fresh unless
    something changed meanwhile, queue the gradebook's scores, and commit; returns how many changed.
    Raises _Superseded, with nothing committed, when another computation committed since the grade
    state was read."""
    now = datetime.now(UTC)
    ids = [m.id for m in members]
    query = select(GradeResult).where(GradeResult.workshop_id == workshop.id)
    existing = {r.member_id: r for r in db.session.scalars(
        query.where(GradeResult.member_id.in_(ids)) if incremental else query)}
    changed: list[tuple[WorkshopMember, LearnerResult]] = []
    fresh: list[dict[str, Any]] = []
    per_component = component_writeback(workshop)
    for member, record, result in zip(members, records, results, strict=True):
        row = existing.pop(member.id, None)
        explanation = _explanation(result, record)
        if row is None:
            fresh.append({"workshop_id": workshop.id, "member_id": member.id, "total": result.total,
                          "band": result.band, "passed": result.passed, "credits": result.credits,
                          "outstanding": result.outstanding, "explanation": explanation, "computed_at": now})
            changed.append((member, result))
            continue
        if (row.total, row.band, row.passed) == (result.total, result.band, result.passed) and (
                not per_component or _top_scores(row.explanation) == _top_scores(explanation)):
            if row.explanation != explanation:  # same grade, other inputs (say, more hours): no AGS send
                row.explanation, row.credits, row.outstanding = explanation, result.credits, result.outstanding
            continue
        row.total, row.band, row.passed = result.total, result.band, result.passed
        row.credits, row.outstanding, row.explanation, row.computed_at = (
            result.credits, result.outstanding, explanation, now)
        changed.append((member, result))
    for gone in existing.values():  # no longer a participant (only a full pass sees everyone)
        db.session.delete(gone)
    if fresh:
        # One multi-row INSERT, not an ORM object each: a workshop's first computation of 23,000
        # spent more time in the unit of work than in the engine.
        db.session.execute(insert(GradeResult), fresh)
    # Takes the workshop's grade-state row (PostgreSQL; SQLite's writers wait for one another anyway)
    # after the results are flushed, as the state's own update did, so events are not held up longer;
    # a computation that committed since this one read the state has moved computed_at.
    claimed = db.session.execute(update(GradeState).where(
        GradeState.workshop_id == workshop.id,
        GradeState.computed_at == seen_computed if seen_computed is not None else GradeState.computed_at.is_(None),
    ).values(computed_at=now)).rowcount  # type: ignore[attr-defined]
    if not claimed and db.session.get(GradeState, workshop.id) is not None:  # none yet: the insert below decides
        raise _Superseded
    state = db.session.get(GradeState, workshop.id) or GradeState(workshop_id=workshop.id, changed_at=now)
    state.computed_at, state.error = now, None
    if not incremental:
        state.learners = len(members)
    db.session.add(state)
    consumed = [row.id for row in dirty]
    with unprepared(db.session(), consumed):
        for where in among(db.session(), GradeDirty.id, consumed):
            db.session.execute(delete(GradeDirty).where(where))
    db.session.flush()
    # Fresh only if nothing changed since the facts were read (a concurrent event moves changed_at).
    db.session.execute(update(GradeState).where(
        GradeState.workshop_id == workshop.id,
        GradeState.changed_at == seen_change if seen_change is not None else GradeState.changed_at.isnot(None),
    ).values(stale=False, full=False))
    from .writeback import enqueue_scores

    enqueue_scores(workshop, changed)
    db.session.commit()
    return len(changed)


def _dirty_members(workshop: Workshop, dirty: Sequence[Any]) -> list[WorkshopMember]:
    """The graded members the dirty rows list, by member id or by actor key."""
    member_ids = {row.member_id for row in dirty if row.member_id is not None}
    accounts = set()
    for key in {row.actor_key for row in dirty}:
        # lti_actor_key: "account:{issuer}|{sub}"; issuers are URLs, which never hold "|".
        if key and key.startswith("account:") and "|" in key:
            issuer, sub = key[len("account:"):].split("|", 1)
            accounts.add((issuer, sub))
    if not member_ids and not accounts:
        return []
    conditions = []
    if member_ids:
        conditions.append(WorkshopMember.id.in_(member_ids))
    if accounts:
        conditions.append(tuple_(User.issuer, User.sub).in_(list(accounts)))
    return list(db.session.scalars(
        select(WorkshopMember).join(User, User.id == WorkshopMember.user_id)
        .where(WorkshopMember.workshop_id == workshop.id, WorkshopMember.role.in_(GRADED_ROLES),
               WorkshopMember.active.is_(True), or_(*conditions))
        .order_by(WorkshopMember.id)
        .options(selectinload(WorkshopMember.user), selectinload(WorkshopMember.workshop_class),
                 selectinload(WorkshopMember.group))))


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


def state_for_listing(workshop: Workshop, wait: bool = False) -> tuple[GradeState | None, bool]:
    """(state, pending) for pages that list the whole cohort, and a participant's grade page. A
    recomputation of everyone (a change that concerns everyone, or any change under a scheme that
    ranks the whole workshop) in a cohort larger than GRADES_INLINE_LEARNERS is not waited for (a
    city cohort's takes seconds): the last results are shown, pending=True, and the worker
    recomputes within about REFRESH_EVERY_SECONDS. Otherwise, or with `wait`, as ensure_fresh."""
    state = db.session.get(GradeState, workshop.id)
    if (not wait and state is not None and state.stale and state.computed_at is not None
            and state.error is None and state.learners > current_app.config["GRADES_INLINE_LEARNERS"]
            and (state.full or _ranks_everyone(workshop))):
        return state, True
    return ensure_fresh(workshop), False


def _ranks_everyone(workshop: Workshop) -> bool:
    """Whether the scheme ranks the whole workshop (every recomputation is then of everyone)."""
    try:
        policy = workshop_policy(workshop)
    except (NoPolicy, PolicyError):
        return False  # ensure_fresh says what is wrong
    return ranks_everyone(policy)


REFRESH_EVERY_SECONDS = 30


def refresh_stale(limit: int = 1, every_seconds: float = REFRESH_EVERY_SECONDS) -> int:
    """The background worker's share: recompute a stale workshop so its readers find it fresh (a
    full recompute of a city cohort takes seconds, which nobody should wait for on a page). Each
    workshop at most every `every_seconds`, the longest-waiting first; workshops without a scheme
    or whose scheme fails to load (the error is on the host's page) are left alone."""
    cutoff = datetime.now(UTC) - timedelta(seconds=every_seconds)
    ids = db.session.scalars(
        select(GradeState.workshop_id).join(Workshop, Workshop.id == GradeState.workshop_id)
        .where(GradeState.stale.is_(True), GradeState.error.is_(None), Workshop.grading_preset.isnot(None),
               or_(GradeState.computed_at.is_(None), GradeState.computed_at <= cutoff))
        .order_by(GradeState.changed_at).limit(limit)).all()
    for workshop_id in ids:
        workshop = db.session.get(Workshop, workshop_id)
        if workshop is not None:
            ensure_fresh(workshop)
    return len(ids)


def stored_grades(workshop: Workshop) -> dict[int, Any]:
    """member id → (member_id, total, band, passed, credits, outstanding): the stored results without
    their explanations, for pages that list, count and rank (reading thousands of explanation
    documents cost more than the rest of the grade table)."""
    return {row.member_id: row for row in db.session.execute(
        select(GradeResult.member_id, GradeResult.total, GradeResult.band, GradeResult.passed,
               GradeResult.credits, GradeResult.outstanding)
        .where(GradeResult.workshop_id == workshop.id))}


def stored_results(workshop: Workshop) -> dict[int, GradeResult]:
    return {r.member_id: r for r in db.session.scalars(
        select(GradeResult).where(GradeResult.workshop_id == workshop.id))}


def total_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"
