"""Grades owed to the LMS gradebook (LTI AGS): queued in a durable outbox when a result changes,
delivered by `deliver_due` with retries and backoff. A queued score is replaced by a newer one for
the same learner and line item, so the platform only ever receives the latest."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from grading import LearnerResult

from ..extensions import db
from ..lti.platform_tokens import ServiceError, call
from ..models import LineItem, ScoreOutbox, Workshop, WorkshopMember

log = logging.getLogger("yanxiu.grades")

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


SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
MAX_BACKOFF = timedelta(hours=6)


def _scores_url(line_item_url: str) -> str:
    """AGS §3.4: the scores endpoint is the line item URL with /scores before any query string."""
    path, sep, query = line_item_url.partition("?")
    return f"{path.rstrip('/')}/scores{sep}{query}"


def line_item_url(workshop: Workshop, http: Any = None) -> str:
    """The gradebook column for the workshop's total: the one the platform gave with the link, or
    one the tool created (once) in the course's line item container."""
    link = workshop.resource_link
    if link.ags_lineitem_url:
        return link.ags_lineitem_url
    known = db.session.scalars(select(LineItem).where(LineItem.workshop_id == workshop.id,
                                                      LineItem.key == "total")).first()
    if known is not None:
        return known.url
    course = workshop.course
    if not course.ags_lineitems_url:
        raise ServiceError(None, "the platform gave no AGS line item container")
    response = call(course.platform, [LINEITEM_SCOPE], "POST", course.ags_lineitems_url, http=http,
                    json_body={"scoreMaximum": SCORE_MAXIMUM, "label": workshop.title[:100],
                               "resourceLinkId": link.resource_link_id, "tag": "yanxiu-total"},
                    content_type=LINEITEM_TYPE, accept=LINEITEM_TYPE)
    url = str(response.json()["id"])
    db.session.add(LineItem(workshop_id=workshop.id, key="total", url=url))
    db.session.commit()
    return url


def _backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=30 * 2 ** min(attempts, 12)))


def deliver_due(workshop_id: int | None = None, http: Any = None, limit: int = 200) -> dict[str, int]:
    """Send queued scores whose time has come. A success removes the entry; a failure keeps it
    with the reason and the next attempt time (30 s, 1 min, 2 min … up to 6 h)."""
    now = datetime.now(UTC)
    query = select(ScoreOutbox).where(ScoreOutbox.next_attempt_at <= now).order_by(ScoreOutbox.id).limit(limit)
    if workshop_id is not None:
        query = query.where(ScoreOutbox.workshop_id == workshop_id)
    sent = failed = 0
    urls: dict[int, str] = {}
    for entry in list(db.session.scalars(query)):
        workshop = db.session.get(Workshop, entry.workshop_id)
        if workshop is None:
            continue
        try:
            if workshop.id not in urls:
                urls[workshop.id] = line_item_url(workshop, http)
            payload = dict(entry.payload)
            # JSON number from the exact decimal text ("82.85" → 82.85: Python prints the same digits).
            payload["scoreGiven"] = float(Decimal(payload["scoreGiven"]))
            call(workshop.course.platform, [SCORE_SCOPE], "POST", _scores_url(urls[workshop.id]),
                 json_body=payload, content_type=SCORE_TYPE, http=http)
        except ServiceError as exc:
            entry.attempts += 1
            entry.last_error = str(exc)[:500]
            entry.next_attempt_at = now + _backoff(entry.attempts)
            failed += 1
            log.warning("ags_send_failed workshop=%s member=%s attempts=%s status=%s", entry.workshop_id,
                        entry.member_id, entry.attempts, exc.status)
        else:
            db.session.delete(entry)
            sent += 1
        db.session.commit()
    return {"sent": sent, "failed": failed}


def outbox_status(workshop_id: int) -> dict[str, Any]:
    entries = list(db.session.scalars(select(ScoreOutbox).where(ScoreOutbox.workshop_id == workshop_id)))
    errors = [e.last_error for e in entries if e.last_error]
    return {"pending": len(entries), "last_error": errors[-1] if errors else None}
