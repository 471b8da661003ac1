"""Store statements with xAPI semantics, in bulk.

- same id and same content → no-op; same id and other content → the whole batch is refused (409);
- the same id twice in one batch → refused (400);
- a voiding statement marks its target voided (a voiding statement itself cannot be voided);
- every stored statement gets an outbox row per active LRS in the same transaction, and video
  statements update the learner's watched ranges, so nothing is lost between the two.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, true, update
from sqlalchemy.exc import IntegrityError, OperationalError

from xapi import ValidationError, canonical_json, iso_timestamp, same_content, validate_batch

from ..extensions import db
from ..models import Lrs, OutboxEntry, Statement
from ..models.statements import ACTOR_KEY_LENGTH, OBJECT_ID_LENGTH, VERB_ID_LENGTH
from .actors import actor_key
from .bulk_sql import among, unprepared
from .progress import played_by_pair, update_video_progress
from .statement_insert import CHUNK, sending
from .workshop_context import workshop_ids

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
_ATTEMPTS = 3
_RETRY_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure


class StatementConflict(Exception):
    """Same id, different content (HTTP 409)."""

    def __init__(self, statement_id: str) -> None:
        super().__init__(f"statement {statement_id} already exists with different content")
        self.statement_id = statement_id


class StatementRejected(Exception):
    """Invalid input (HTTP 400); the message names the field and the rule."""


@dataclass
class StoreResult:
    ids: list[str]
    stored: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _prepare(raw: dict[str, Any], stamp: str, authority: dict[str, Any] | None) -> dict[str, Any]:
    """The statement as stored: `stamp` is the batch's arrival time (stored; timestamp if absent)."""
    statement = dict(raw)
    statement["id"] = statement["id"].lower() if "id" in statement else str(uuid.uuid4())
    statement.setdefault("timestamp", stamp)
    statement["stored"] = stamp
    statement.setdefault("version", "1.0.0")
    if authority is not None:
        statement["authority"] = authority
    return statement


def store_statements(
    statements: Sequence[dict[str, Any]],
    *,
    client_id: int | None = None,
    authority: dict[str, Any] | None = None,
    now: datetime | None = None,
    validate: bool = True,
) -> StoreResult:
    """Validate and store a batch atomically; raises StatementRejected or StatementConflict."""
    if validate:
        try:
            validate_batch(list(statements))
        except ValidationError as exc:
            raise StatementRejected(str(exc)) from None
    now = now or datetime.now(UTC)
    stamp = iso_timestamp(now)
    stored = _parse_time(stamp)  # the column holds what the body says, to the millisecond
    prepared = [_prepare(s, stamp, authority) for s in statements]
    ids = [s["id"] for s in prepared]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise StatementRejected(f"id: statement id {dup} appears twice in the batch")
    for attempt in range(_ATTEMPTS):
        try:
            return _store(prepared, ids, client_id, stored)
        except (IntegrityError, OperationalError) as exc:
            # A concurrent request stored one of these ids first (re-check against what it stored),
            # or PostgreSQL chose this transaction to break a lock cycle: the batch runs again whole.
            db.session.rollback()
            if attempt == _ATTEMPTS - 1 or not _retryable(exc):
                raise
    raise AssertionError("unreachable")


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in _RETRY_SQLSTATES


def _store(prepared: list[dict[str, Any]], ids: list[str], client_id: int | None, stored: datetime) -> StoreResult:
    session = db.session()
    existing: dict[str, str] = {}
    with unprepared(session, ids):
        for where in among(session, Statement.id, ids):
            existing.update(session.execute(select(Statement.id, Statement.body).where(where)).all())
    result = StoreResult(ids=ids)
    workshops = workshop_ids(prepared, client_id)
    new: list[tuple[dict[str, Any], int | None]] = []
    for statement, workshop_id in zip(prepared, workshops, strict=True):
        old = existing.get(statement["id"])
        if old is None:
            new.append((statement, workshop_id))
            continue
        if not same_content(json.loads(old), statement):
            raise StatementConflict(statement["id"])
        result.unchanged.append(statement["id"])
    if not new:
        return result
    rows: list[dict[str, Any]] = []
    with sending(session) as send:
        # Each chunk goes to the database as soon as it is built (statement_insert.py): PostgreSQL
        # inserts it while the next one is built and the viewing time is worked out.
        for start in range(0, len(new), CHUNK):
            chunk = [_row(statement, workshop_id, client_id, stored) for statement, workshop_id in
                     new[start : start + CHUNK]]
            send(chunk)
            rows.extend(chunk)
        new_statements = [statement for statement, _ in new]
        played = played_by_pair(new_statements)
    result.stored = [row["id"] for row in rows]
    voided = _void_targets(new_statements)
    _enqueue_for_lrs(result.stored)
    videos = update_video_progress(new_statements, played)
    from ..grades.stale import statements_stored

    statements_stored(db.session(), [(r["actor_key"], r["object_id"]) for r in rows] + voided, videos)
    db.session.commit()
    return result


def _row(statement: dict[str, Any], workshop_id: int | None, client_id: int | None,
         stored: datetime) -> dict[str, Any]:
    """The statement's row: the columns its queries use, and the whole statement as stored."""
    obj = statement.get("object") or {}
    context = statement.get("context") or {}
    object_id = obj.get("id") if obj.get("objectType", "Activity") == "Activity" else None
    return {
        "id": statement["id"],
        "stored": stored,
        "timestamp": _parse_time(statement["timestamp"]),
        "actor_key": actor_key(statement["actor"])[:ACTOR_KEY_LENGTH],
        "verb_id": statement["verb"]["id"][:VERB_ID_LENGTH],
        "object_id": object_id[:OBJECT_ID_LENGTH] if object_id else None,
        "registration": context.get("registration"),
        "voided": False,
        "client_id": client_id,
        "workshop_id": workshop_id,
        "body": canonical_json(statement),
    }


def _void_targets(statements: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """Mark the targets of voiding statements voided; returns their (actor key, object id)."""
    targets = [
        s["object"]["id"].lower()
        for s in statements
        if s["verb"]["id"] == VOIDED and (s.get("object") or {}).get("objectType") == "StatementRef"
    ]
    if not targets:
        return []
    where = (Statement.id.in_(targets), Statement.verb_id != VOIDED)
    found = [(actor, object_id) for actor, object_id in
             db.session.execute(select(Statement.actor_key, Statement.object_id).where(*where))]
    db.session.execute(update(Statement).where(*where).values(voided=True))
    return found


def _enqueue_for_lrs(ids: list[str]) -> None:
    """An outbox row per active LRS and stored statement, in one INSERT … SELECT per chunk: with no
    LRS configured it inserts nothing, without first asking which LRSs there are."""
    session = db.session()
    with unprepared(session, ids):
        for where in among(session, Statement.id, ids):
            session.execute(
                insert(OutboxEntry).from_select(
                    ["lrs_id", "statement_seq"],
                    select(Lrs.id, Statement.seq).select_from(Lrs).join(Statement, true())  # every LRS × statement
                    .where(Lrs.active.is_(True), where).order_by(Lrs.id, Statement.seq),
                )
            )
