"""What a learner still needs, for their own pages (my grade, studio).

Under a scheme whose only ranking rule picks outstanding learners of the whole workshop among
those who passed (zhucheng-remote's 10 %), the learner's own result depends on no one else: only
whether they are outstanding, and the cutoff, depend on the others' totals and passes, which the
stored results hold. So the page computes the learner from their records as they are and ranks
them against the others' stored results (grading.what_if_among) instead of computing everyone
again: 429 ms per view at 3,000 participants became a few ms of reading stored rows. It is exact
when the stored results are fresh, which the grade page makes them first in a cohort small enough
to wait for that; in a larger one they are the results the grade table shows, with its notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from grading import LearnerRecord, Policy, Standing, WhatIf, standings_suffice, what_if, what_if_among

from ..extensions import db
from ..models import GradeResult, GradeState, StudyGroup, Workshop, WorkshopClass, WorkshopMember
from .facts import WorkshopFacts
from .rank_scope import ranks_everyone
from .service import GRADED_ROLES, own_record, what_if_records

# The stored totals have two decimals (GradeResult.total): a scheme with more would rank on
# rounded figures.
STORED_PLACES = 2


@dataclass(frozen=True)
class OwnGrade:
    """The learner's live result and needs, with the record they were computed from: the page shows
    that record as its data, not the stored one, which is older while a recomputation is pending."""

    record: LearnerRecord
    what_if: WhatIf


def own_grade(workshop: Workshop, policy: Policy, member: WorkshopMember,
              wf: WorkshopFacts | None = None) -> OwnGrade | None:
    """None when the cohort read holds no record of the learner."""
    computed_at = _among_stored(workshop, policy)
    if computed_at is not None:
        record = own_record(workshop, policy, member, wf)
        return OwnGrade(record, what_if_among(policy, record, _standings_of(workshop, computed_at)))
    mine, records = what_if_records(workshop, policy, member, wf)
    return OwnGrade(mine, what_if(policy, mine, records)) if mine is not None else None


def what_if_for(workshop: Workshop, policy: Policy, member: WorkshopMember,
                wf: WorkshopFacts | None = None) -> WhatIf | None:
    """The learner's result and needs; None when the cohort read holds no record of them."""
    own = own_grade(workshop, policy, member, wf)
    return own.what_if if own is not None else None


def _among_stored(workshop: Workshop, policy: Policy) -> datetime | None:
    """When the stored results the learner is ranked among were computed; None when the scheme
    needs everyone's records, or nobody's result is stored yet."""
    if not (ranks_everyone(policy) and standings_suffice(policy) and policy.precision <= STORED_PLACES):
        return None
    state = db.session.get(GradeState, workshop.id)
    return state.computed_at if state is not None else None


# Per process: the standings last read for a workshop, with the computation they came from. The
# stored results change only when a recomputation stores them, which moves GradeState.computed_at
# (service._store), so that time says whether they are current. At a city's evening peak each
# participant's my-grade or studio page read all 23,000 rows again (90 of the page's 129 ms); a
# worker now reads them once per recomputation. Keyed by database too (tests, several tools).
_STANDINGS: dict[tuple[str, int], tuple[datetime, tuple[Standing, ...]]] = {}
# Standings kept per process, in all (about 400 bytes each, so 40 MB): a few city workshops. Past it the
# memo starts again empty, and a process serving more reads some of them afresh now and then.
_STANDINGS_KEPT = 100_000


def _standings_of(workshop: Workshop, computed_at: datetime) -> tuple[Standing, ...]:
    key = (str(db.engine.url), workshop.id)
    kept = _STANDINGS.get(key)
    if kept is not None and kept[0] == computed_at:
        return kept[1]
    standings = tuple(stored_standings(workshop))
    _STANDINGS.pop(key, None)
    if sum(len(held) for _, held in _STANDINGS.values()) + len(standings) > _STANDINGS_KEPT:
        _STANDINGS.clear()
    _STANDINGS[key] = (computed_at, standings)
    return standings


def stored_standings(workshop: Workshop) -> list[Standing]:
    """The graded members' stored totals and passes, with the scopes their records name."""
    rows = db.session.execute(
        select(GradeResult.member_id, WorkshopMember.school, WorkshopClass.name, StudyGroup.name,
               GradeResult.total, GradeResult.passed)
        .join(WorkshopMember, WorkshopMember.id == GradeResult.member_id)
        .outerjoin(WorkshopClass, WorkshopClass.id == WorkshopMember.class_id)
        .outerjoin(StudyGroup, StudyGroup.id == WorkshopMember.group_id)
        .where(GradeResult.workshop_id == workshop.id, WorkshopMember.role.in_(GRADED_ROLES),
               WorkshopMember.active.is_(True)))
    return [Standing(str(member_id), school or "", klass or "", group or "", Decimal(total), bool(passed))
            for member_id, school, klass, group, total, passed in rows]
