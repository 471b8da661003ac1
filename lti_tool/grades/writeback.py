"""Grades owed to the LMS gradebook (LTI AGS): queued in a durable outbox when a result changes,
delivered by `deliver_due` with retries and backoff. A queued score is replaced by a newer one for
the same learner and line item, so the platform only ever receives the latest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from grading import LearnerResult

from ..extensions import db
from ..models import ScoreOutbox, Workshop, WorkshopMember

SCORE_MAXIMUM = 100


def ags_enabled(workshop: Workshop) -> bool:
    course = workshop.course
    link = workshop.resource_link
    scopes = set(course.ags_scopes or [])
    can_score = "https://purl.imsglobal.org/spec/lti-ags/scope/score" in scopes
    has_target = bool(link.ags_lineitem_url or course.ags_lineitems_url)
    return can_score and has_target and (workshop.grading_overrides or {}).get("writeback", True) is not False


def score_payload(member: WorkshopMember, result: LearnerResult, when: datetime) -> dict[str, Any]:
    """The AGS score: given/maximum, progress flags, and the band as the comment."""
    return {
        "userId": member.user.sub,
        # Kept as the exact decimal text; turned into a JSON number only when sent.
        "scoreGiven": str(result.total),
        "scoreMaximum": SCORE_MAXIMUM,
        "comment": f"{result.band}{'，合格' if result.passed else '，未合格'}",
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def enqueue_scores(workshop: Workshop, changed: Sequence[tuple[WorkshopMember, LearnerResult]]) -> int:
    if not changed or not ags_enabled(workshop):
        return 0
    now = datetime.now(UTC)
    queued = {(o.member_id, o.line_item_key): o for o in db.session.scalars(
        select(ScoreOutbox).where(ScoreOutbox.workshop_id == workshop.id))}
    for member, result in changed:
        payload = score_payload(member, result, now)
        entry = queued.get((member.id, "total"))
        if entry is None:
            db.session.add(ScoreOutbox(workshop_id=workshop.id, member_id=member.id, line_item_key="total",
                                       payload=payload, attempts=0, next_attempt_at=now))
        else:
            entry.payload, entry.attempts, entry.next_attempt_at, entry.last_error = payload, 0, now, None
    return len(changed)
