"""Write-back switched off and on by the host (评分设置): what the gradebook missed meanwhile is queued
when it comes back on. Only the outbox knows what is owed, and it forgets a score once the platform
has it, so the pause is marked in the workshop's grading_overrides."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, insert, select, update

from ..extensions import db
from ..models import (
    GradeResult,
    GradeState,
    ScoreOutbox,
    User,
    Workshop,
    WorkshopMember,
)
from .writeback import component_payload, platform_takes_scores, stamp, total_payload, writeback_on

# Kept in grading_overrides while write-back is off: when the totals (the component columns) stopped
# going out. The outbox forgets a score once the platform has it, so what the gradebook holds is
# known only this way: a result stored before the pause was queued when computed (and is sent, or
# still owed), one computed since was not.
PAUSED = "writeback_paused_at"
COMPONENTS_PAUSED = "writeback_components_paused_at"
COMPONENT_KEYS = ScoreOutbox.line_item_key.like("component:%")


def writeback_saved(workshop: Workshop, before: Mapping[str, Any], after: dict[str, Any]) -> int:
    """The host saved the write-back options: `after` becomes the workshop's overrides (with the pause
    markers). Turned off: the owed scores are held, not sent. Turned on again: they go, with the
    current score of every learner whose result was computed during the pause (a regrade then was
    stored but never queued, and no recomputation finds it changed). Component columns turned on, or
    off meanwhile (their changes are then not tracked: service._store compares totals only): every
    learner's component scores. Returns how many learners were queued."""
    now = datetime.now(UTC)
    mine = ScoreOutbox.workshop_id == workshop.id
    totals_were, totals_are = writeback_on(before), writeback_on(after)
    columns = bool(after.get("writeback_components", False))
    columns_were = totals_were and bool(before.get("writeback_components", False))
    columns_are = totals_are and columns
    if not columns:
        after.pop(COMPONENTS_PAUSED, None)
        db.session.execute(delete(ScoreOutbox).where(mine, COMPONENT_KEYS))
    elif columns_were and not columns_are:
        after.setdefault(COMPONENTS_PAUSED, stamp(now))
    if not totals_are:
        if totals_were:  # an earlier pause's time stands: it queues more on resuming, never less
            after.setdefault(PAUSED, stamp(now))
        db.session.execute(update(ScoreOutbox).where(mine).values(next_attempt_at=None))
        return 0
    resume_columns = columns_are and not columns_were
    if (totals_were and not resume_columns) or not platform_takes_scores(workshop):
        return 0  # nothing resumes, or nothing could be sent (the markers wait for a later save)
    queued: set[int] = set()
    if not totals_were:
        queued |= queue_current_scores(workshop, since=_marker_time(after.pop(PAUSED, None)))
    if resume_columns:
        queued |= queue_current_scores(workshop, components=True,
                                       since=_marker_time(after.pop(COMPONENTS_PAUSED, None)))
    return len(queued)


def _marker_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:  # not one this module wrote: everyone is queued
        return None


def queue_current_scores(workshop: Workshop, *, components: bool = False, since: datetime | None = None) -> set[int]:
    """Queue, over any owed one, the stored score (the total, or the component columns') of every
    graded learner whose result was computed at or after `since` (everyone without it), and release
    the held ones; returns the member ids queued. A few statements whatever the cohort (a city's
    23,000: one read, one delete, batched inserts)."""
    from .service import GRADED_ROLES

    now = datetime.now(UTC)
    # A computation that read write-back as off before this save, and commits after the read below,
    # would store its changes unqueued, and the next one would find nothing changed: moving
    # computed_at makes it give way (service._Superseded), leaving the workshop stale.
    db.session.execute(update(GradeState).where(GradeState.workshop_id == workshop.id).values(computed_at=now))
    graded: list[ColumnElement[bool]] = [
        GradeResult.workshop_id == workshop.id, WorkshopMember.role.in_(GRADED_ROLES),
        WorkshopMember.active.is_(True)]
    if since is not None:
        graded.append(GradeResult.computed_at >= since)
    values = (GradeResult.explanation,) if components else (GradeResult.total, GradeResult.band, GradeResult.passed)
    rows = db.session.execute(
        select(GradeResult.member_id, User.sub, *values)
        .join(WorkshopMember, WorkshopMember.id == GradeResult.member_id)
        .join(User, User.id == WorkshopMember.user_id).where(*graded)).all()
    kind = COMPONENT_KEYS if components else ScoreOutbox.line_item_key == "total"
    theirs = ScoreOutbox.member_id.in_(
        select(GradeResult.member_id).join(WorkshopMember, WorkshopMember.id == GradeResult.member_id).where(*graded))
    db.session.execute(delete(ScoreOutbox).where(ScoreOutbox.workshop_id == workshop.id, kind, theirs)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(ScoreOutbox).where(ScoreOutbox.workshop_id == workshop.id, kind,
                                                 ScoreOutbox.next_attempt_at.is_(None)).values(next_attempt_at=now))
    new: list[dict[str, Any]] = []
    for row in rows:
        if components:
            owed = _stored_components(row.sub, row.explanation, now)
        else:
            owed = {"total": total_payload(row.sub, row.total, row.band, row.passed, now)}
        new.extend({"workshop_id": workshop.id, "member_id": row.member_id, "line_item_key": key, "payload": payload,
                    "attempts": 0, "next_attempt_at": now, "created_at": now} for key, payload in owed.items())
    if new:
        db.session.execute(insert(ScoreOutbox), new)
    return {row.member_id for row in rows}


def _stored_components(sub: str, explanation: dict[str, Any] | None, when: datetime) -> dict[str, dict[str, Any]]:
    """component_payloads from a stored explanation (top-level components: paths without a dot)."""
    stored = ((explanation or {}).get("result") or {}).get("components") or {}
    return {f"component:{path}": component_payload(sub, c["score"], c["max"], c.get("passed"), when)
            for path, c in stored.items() if "." not in path}
