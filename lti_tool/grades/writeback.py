"""Grades owed to the LMS gradebook (LTI AGS): queued in a durable outbox when a result changes,
delivered by `deliver_due` with retries and backoff. A queued score is replaced by a newer one for
the same learner and line item, so the platform only ever receives the latest."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, insert, select, update

from grading import LearnerResult, PolicyError

from ..extensions import db
from ..i18n import t
from ..lti.platform_tokens import ServiceError, access_token, call, forget_token
from ..models import (
    Course,
    LineItem,
    Platform,
    ScoreOutbox,
    Workshop,
    WorkshopMember,
)
from ..statements.worker_lease import worker_running
from .score_sender import Answer, ScorePost, post_scores

log = logging.getLogger("yanxiu.grades")

SCORE_MAXIMUM = 100


def platform_takes_scores(workshop: Workshop) -> bool:
    """The platform granted the score scope and gave a gradebook column or a container for one."""
    course = workshop.course
    link = workshop.resource_link
    scopes = set(course.ags_scopes or [])
    can_score = "https://purl.imsglobal.org/spec/lti-ags/scope/score" in scopes
    return can_score and bool(link.ags_lineitem_url or course.ags_lineitems_url)


def writeback_on(overrides: Mapping[str, Any] | None) -> bool:
    """The host's 把总分回传到平台成绩册 (on unless unticked)."""
    return (overrides or {}).get("writeback", True) is not False


def ags_enabled(workshop: Workshop) -> bool:
    return platform_takes_scores(workshop) and writeback_on(workshop.grading_overrides)


def writeback_refusal(workshop: Workshop) -> str | None:
    """Why 立即回传 cannot send (None: it can), in the page's language: the host's own setting is
    named as such, not blamed on the platform."""
    if not writeback_on(workshop.grading_overrides):
        return t("成绩回传已在评分设置中关闭：请先在“评分设置”中勾选“把总分回传到平台成绩册”。",
                 "Grade write-back is turned off in the grading settings: tick "
                 "\"Send totals to the LMS gradebook\" there first.")
    if not platform_takes_scores(workshop):
        return t("平台未开放成绩回传（AGS）", "The platform offers no grade write-back (AGS) here")
    return None


def component_writeback(workshop: Workshop) -> bool:
    """The host's option (issue "Grading": "optionally one per top component"): besides the total,
    one gradebook column per top-level component of the scheme (e.g. 过程性 80 / 终结性 20)."""
    return bool((workshop.grading_overrides or {}).get("writeback_components", False))


def stamp(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def score_payload(member: WorkshopMember, result: LearnerResult, when: datetime) -> dict[str, Any]:
    """The AGS score: given/maximum, progress flags, and the band as the comment."""
    return total_payload(member.user.sub, result.total, result.band, result.passed, when)


def total_payload(sub: str, total: Decimal, band: str | None, passed: bool, when: datetime) -> dict[str, Any]:
    return {
        "userId": sub,
        # Kept as the exact decimal text; turned into a JSON number only when sent.
        "scoreGiven": str(total),
        "scoreMaximum": SCORE_MAXIMUM,
        "comment": f"{band}{'，合格' if passed else '，未合格'}",
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": stamp(when),
    }


def component_payloads(member: WorkshopMember, result: LearnerResult, when: datetime) -> dict[str, dict[str, Any]]:
    """One score per top-level component, on the component's own scale (its `max`)."""
    return {f"component:{c.key}": component_payload(member.user.sub, str(c.score), str(c.max), c.passed, when)
            for c in result.components}


def component_payload(sub: str, score: str, maximum: str, passed: bool | None, when: datetime) -> dict[str, Any]:
    comment = "" if passed is None else ("合格" if passed else "未合格")
    return {"userId": sub, "scoreGiven": score, "scoreMaximum": maximum, "comment": comment,
            "activityProgress": "Completed", "gradingProgress": "FullyGraded", "timestamp": stamp(when)}


def enqueue_scores(workshop: Workshop, changed: Sequence[tuple[WorkshopMember, LearnerResult]]) -> int:
    if not changed or not ags_enabled(workshop):
        return 0
    now = datetime.now(UTC)
    per_component = component_writeback(workshop)
    queued = {(o.member_id, o.line_item_key): o for o in db.session.scalars(
        select(ScoreOutbox).where(ScoreOutbox.workshop_id == workshop.id))}
    new: list[dict[str, Any]] = []
    for member, result in changed:
        owed = {"total": score_payload(member, result, now)}
        if per_component:
            owed.update(component_payloads(member, result, now))
        for key, payload in owed.items():
            entry = queued.get((member.id, key))
            if entry is None:
                new.append({"workshop_id": workshop.id, "member_id": member.id, "line_item_key": key,
                            "payload": payload, "attempts": 0, "next_attempt_at": now, "created_at": now})
            else:
                entry.payload, entry.attempts, entry.next_attempt_at, entry.last_error = payload, 0, now, None
    if new:  # one multi-row INSERT: after a change that concerns everyone, one entry per learner
        db.session.execute(insert(ScoreOutbox), new)
    return len(changed)


SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
MAX_BACKOFF = timedelta(hours=6)


def _scores_url(line_item_url: str) -> str:
    """AGS §3.4: the scores endpoint is the line item URL with /scores before any query string."""
    path, sep, query = line_item_url.partition("?")
    return f"{path.rstrip('/')}/scores{sep}{query}"


def line_item_url(workshop: Workshop, http: Any = None, key: str = "total",
                  payload: dict[str, Any] | None = None) -> str:
    """The gradebook column for `key`. The total: the one the platform gave with the link, or one
    the tool created (once) in the course's line item container. A component ("component:<key>"):
    always one the tool created, tagged with the component's key."""
    link = workshop.resource_link
    if key == "total" and link.ags_lineitem_url:
        return link.ags_lineitem_url
    known = db.session.scalars(select(LineItem).where(LineItem.workshop_id == workshop.id,
                                                      LineItem.key == key)).first()
    if known is not None:
        return known.url
    course = workshop.course
    if not course.ags_lineitems_url:
        raise ServiceError(None, "the platform gave no AGS line item container")
    maximum: float
    if key == "total":
        label, maximum, tag = workshop.title, SCORE_MAXIMUM, "yanxiu-total"
    else:
        component = key.split(":", 1)[1]
        label = f"{workshop.title} · {_component_label(workshop, component)}"
        maximum = float(Decimal((payload or {}).get("scoreMaximum", SCORE_MAXIMUM)))
        tag = f"yanxiu-{component}"[:100]
    response = call(course.platform, [LINEITEM_SCOPE], "POST", course.ags_lineitems_url, http=http,
                    json_body={"scoreMaximum": maximum, "label": label[:100],
                               "resourceLinkId": link.resource_link_id, "tag": tag},
                    content_type=LINEITEM_TYPE, accept=LINEITEM_TYPE)
    url = str(response.json()["id"])
    db.session.add(LineItem(workshop_id=workshop.id, key=key, url=url))
    db.session.commit()
    return url


def _component_label(workshop: Workshop, component: str) -> str:
    from .service import NoPolicy, workshop_policy

    try:
        policy = workshop_policy(workshop)
    except (NoPolicy, PolicyError):
        return component
    for top in policy.components:
        if top.key == component:
            return top.label or component
    return component


def _backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=30 * 2 ** min(attempts, 12)))


def deliver_due(workshop_id: int | None = None, http: Any = None, limit: int = 200) -> dict[str, Any]:
    """Send queued scores whose time has come, `YANXIU_AGS_CONCURRENCY` at a time (score_sender.py).
    A success removes the entry, and so does a 409: the platform already holds this score or a
    later one (a score sent again after a crash between its POST and the commit). A failure keeps
    the entry with the reason and the next attempt time (30 s, 1 min, 2 min … up to 6 h, or later
    if the platform said Retry-After). "more": the limit was reached with nothing failing, so more
    may be due at once. When a platform stops answering, every score due to it (not only those of
    this round: a city owes 23,000) waits as long as the score that found it so; the worker's next
    turns would otherwise post to it again, a few scores each, until all had been tried.

    Entries are read as plain rows and changed only where their `next_attempt_at` is still the one
    read: a recomputation that queued a newer score for the same learner meanwhile (it sets that
    time afresh) keeps its entry, which a success of the older score would otherwise have deleted."""
    now = datetime.now(UTC)
    query = (select(ScoreOutbox.id, ScoreOutbox.workshop_id, ScoreOutbox.member_id, ScoreOutbox.line_item_key,
                    ScoreOutbox.payload, ScoreOutbox.attempts, ScoreOutbox.next_attempt_at)
             .where(ScoreOutbox.next_attempt_at <= now).order_by(ScoreOutbox.id).limit(limit))
    if workshop_id is not None:
        query = query.where(ScoreOutbox.workshop_id == workshop_id)
    entries = db.session.execute(query).all()
    answers: dict[int, Answer] = {}
    posts: dict[int, list[ScorePost]] = {}  # per platform id
    platform_of: dict[int, int] = {}  # entry id → platform id
    platforms: dict[int, Platform] = {}
    urls: dict[tuple[int, str], str] = {}
    for entry in entries:
        workshop = db.session.get(Workshop, entry.workshop_id)
        if workshop is None:
            continue
        where = (workshop.id, entry.line_item_key)
        try:
            if where not in urls:
                urls[where] = line_item_url(workshop, http, entry.line_item_key, entry.payload)
        except ServiceError as exc:
            answers[entry.id] = Answer(exc.status, str(exc))
            continue
        platform = workshop.course.platform
        platforms[platform.id] = platform
        platform_of[entry.id] = platform.id
        posts.setdefault(platform.id, []).append(ScorePost(entry.id, _scores_url(urls[where]), _wire(entry.payload)))
    for platform_id, waiting in posts.items():
        answers.update(_post_with_token(platforms[platform_id], waiting, http))
    resting: dict[int, datetime] = {}  # platform id → when the scores it was not sent are due
    sent = failed = held = 0
    delivered: dict[datetime, list[int]] = {}  # entries queued together share their time
    for entry in entries:
        answer = answers.get(entry.id)
        if answer is None:
            continue
        if not answer.tried:  # not sent: due when the platform has rested (below)
            held += 1
            continue
        if answer.done:
            if not answer.ok:
                log.info("ags_score_superseded workshop=%s member=%s: the platform holds this or a later score",
                         entry.workshop_id, entry.member_id)
            delivered.setdefault(entry.next_attempt_at, []).append(entry.id)
            sent += 1
            continue
        attempts = entry.attempts + 1
        retry_at = now + max(_backoff(attempts), timedelta(seconds=answer.wait or 0))
        if answer.platform_down and entry.id in platform_of:
            platform_id = platform_of[entry.id]
            resting[platform_id] = max(resting.get(platform_id, now), retry_at)
        unchanged = (ScoreOutbox.id == entry.id, ScoreOutbox.next_attempt_at == entry.next_attempt_at)
        db.session.execute(update(ScoreOutbox).where(*unchanged).values(
            attempts=attempts, last_error=answer.reason[:500], next_attempt_at=retry_at))
        failed += 1
        log.warning("ags_send_failed workshop=%s member=%s attempts=%s status=%s", entry.workshop_id,
                    entry.member_id, attempts, answer.status)
    for stamp, ids in delivered.items():
        db.session.execute(delete(ScoreOutbox).where(ScoreOutbox.id.in_(ids), ScoreOutbox.next_attempt_at == stamp))
    for platform_id, until in resting.items():
        its_workshops = select(Workshop.id).join(Course).where(Course.platform_id == platform_id)
        db.session.execute(update(ScoreOutbox).where(ScoreOutbox.workshop_id.in_(its_workshops),
                                                     ScoreOutbox.next_attempt_at <= now).values(next_attempt_at=until))
    db.session.commit()
    return {"sent": sent, "failed": failed, "held": held, "more": len(entries) == limit and failed == 0}


def _wire(payload: dict[str, Any]) -> dict[str, Any]:
    """JSON numbers from the exact decimal text ("82.85" → 82.85: Python prints the same digits)."""
    body = dict(payload)
    body["scoreGiven"] = float(Decimal(body["scoreGiven"]))
    body["scoreMaximum"] = float(Decimal(str(body["scoreMaximum"])))
    return body


def _post_with_token(platform: Platform, posts: list[ScorePost], http: Any) -> dict[int, Answer]:
    """One platform's scores with its cached token; those answered 401 (a token the platform no
    longer takes) once more with a new one."""
    config = current_app.config
    options = {"timeout": config["LTI_HTTP_TIMEOUT_SECONDS"], "concurrency": config["AGS_CONCURRENCY"], "http": http}
    try:
        answers = post_scores(posts, access_token(platform, [SCORE_SCOPE], http), **options)
    except ServiceError as exc:  # no token: none of them can go
        return {post.key: Answer(exc.status, str(exc)) for post in posts}
    refused = [post for post in posts if answers[post.key].status == 401]
    if refused:
        forget_token(platform, [SCORE_SCOPE])
        try:
            answers.update(post_scores(refused, access_token(platform, [SCORE_SCOPE], http, fresh=True), **options))
        except ServiceError as exc:
            answers.update({post.key: Answer(exc.status, str(exc)) for post in refused})
    return answers


def outbox_status(workshop_id: int) -> dict[str, Any]:
    """How many scores are owed to the gradebook, the latest failure, when the next is due if none
    is now ("next_at": the platform failed or asked us to wait), and whether no background worker
    is there to send them ("unattended"). Counted in the database:
    after a change that concerns everyone a city cohort owes one per learner, and reading those
    entries took about half of the grade table's time at 23,000 (make bench BENCH=pages)."""
    mine = ScoreOutbox.workshop_id == workshop_id
    pending, first_due = db.session.execute(
        select(func.count(), func.min(ScoreOutbox.next_attempt_at)).select_from(ScoreOutbox).where(mine)).one()
    last_error = db.session.scalar(select(ScoreOutbox.last_error).where(mine, ScoreOutbox.last_error.isnot(None))
                                   .order_by(ScoreOutbox.id.desc()).limit(1))
    later = first_due is not None and first_due > datetime.now(UTC)
    # Owed scores and no background worker: nothing sends them but the host's 立即回传.
    unattended = bool(pending) and not worker_running(db.engine)
    return {"pending": int(pending or 0), "last_error": last_error, "next_at": first_due if later else None,
            "unattended": unattended}
