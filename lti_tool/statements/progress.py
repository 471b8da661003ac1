"""Viewing time, updated incrementally as statements arrive (no rescan of history).

For each (learner, video) the union of played ranges is kept; a new statement adds its segments
and the watched total moves by exactly what was newly covered (xapi.segments does the arithmetic).

Written with Core statements, not ORM objects: a batch of 1,000 statements touches hundreds of
rows, and the ORM's unit of work cost more than the arithmetic. The ORM's grade hook does not see
these writes, so the caller marks the learners whose rows changed (grades.stale.statements_stored).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, select, update
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from xapi import WatchedRanges, played_segments, video_length
from xapi.segments import Segment

from ..extensions import db
from ..models import VideoProgress
from ..models._types import utcnow
from ..models.statements import OBJECT_ID_LENGTH
from .actors import actor_key
from .bulk_sql import among, among_pairs, unprepared

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
_TABLE = VideoProgress.__table__


Played = dict[tuple[str, str], list[tuple[dict[str, Any], list[Segment]]]]


def played_by_pair(statements: list[dict[str, Any]]) -> Played:
    """The statements' played segments (and completions) by (actor key, video IRI): no SQL, so the
    intake can work it out while the database is still inserting the statements (store.py)."""
    grouped: Played = defaultdict(list)
    for statement in statements:
        obj = statement.get("object") or {}
        if obj.get("objectType", "Activity") != "Activity" or not obj.get("id"):
            continue
        segments = played_segments(statement)
        if segments or statement["verb"]["id"] == COMPLETED:
            pair = (actor_key(statement["actor"]), obj["id"][:OBJECT_ID_LENGTH])
            grouped[pair].append((statement, segments))
    return grouped


def update_video_progress(statements: list[dict[str, Any]], grouped: Played | None = None) -> list[tuple[str, str]]:
    """Add the statements' played segments (`grouped`: played_by_pair(statements), if already
    known); returns the (actor key, video IRI) pairs whose watched ranges, length or completion
    changed."""
    if grouped is None:
        grouped = played_by_pair(statements)
    if not grouped:
        return []
    existing = _existing(sorted(grouped))
    now = utcnow()
    new = {key: _merged(None, items, now) for key, items in sorted(grouped.items()) if key not in existing}
    changed = dict.fromkeys(new)  # every new pair's viewing time changed (an ordered set)
    if not _insert_new(new):
        # A concurrent batch stored rows for some of these pairs first (rare), and which ones is not
        # known: read them all back and add to each. A row this batch inserted holds exactly what
        # its statements add, so it gets no second write below.
        existing.update(_existing(sorted(new)))
    updates: list[dict[str, Any]] = []
    for key, row in existing.items():
        values = _merged(row, grouped[key], now)
        if (values["ranges"], values["length_seconds"], values["completed"]) != (
                row.ranges, row.length_seconds, bool(row.completed)):
            updates.append({"row_id": row.id, **values})
            changed[key] = None
        # else nothing new (a re-sent or already covered segment): no write, no re-grading
    if updates:
        db.session.execute(update(_TABLE).where(_TABLE.c.id == bindparam("row_id")), updates)
    return list(changed)


def _merged(row: Any, statements: list[tuple[dict[str, Any], list[Segment]]], now: datetime) -> dict[str, Any]:
    """The row's new values: its stored ranges (none for a new row) plus the statements' segments."""
    ranges = WatchedRanges.from_json(row.ranges if row is not None else "[]")
    length = row.length_seconds if row is not None else None
    completed = bool(row.completed) if row is not None else False
    for statement, segments in statements:
        length = video_length(statement) or length
        ranges.add(segments)
        completed = completed or statement["verb"]["id"] == COMPLETED
    return {"ranges": ranges.to_json(), "length_seconds": length, "watched_seconds": ranges.total(cap=length),
            "completed": completed, "updated_at": now}


def _insert_new(rows: dict[tuple[str, str], dict[str, Any]]) -> bool:
    """Insert rows for pairs that had none; False when some pair was skipped because another
    request inserted it meanwhile (ON CONFLICT DO NOTHING, which waits for that request's commit on
    PostgreSQL) rather than failing the whole batch. Sorted, so two batches inserting the same new
    pairs take them in one order. No RETURNING: with it SQLAlchemy sends multi-row INSERTs instead
    of the driver's executemany, 0.4–0.6× as fast for these rows; the row count tells enough."""
    if not rows:
        return True
    dialect = db.session.get_bind().dialect.name
    inserts: dict[str, Callable[[Any], PgInsert | SqliteInsert]] = {"postgresql": pg_insert, "sqlite": sqlite_insert}
    insert_ = inserts[dialect]
    query = insert_(_TABLE).on_conflict_do_nothing(index_elements=["actor_key", "video_id"])
    params = [{"actor_key": key[0], "video_id": key[1], **values} for key, values in rows.items()]
    # preserve_rowcount: the cursor of an INSERT without rows is closed at once, and psycopg's
    # count (the sum over the executemany) would be gone by the time it is read.
    done = db.session.execute(query, params, execution_options={"preserve_rowcount": True})
    return cast("CursorResult[Any]", done).rowcount == len(params)


def _existing(keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """The stored rows for these pairs, locked until the commit (PostgreSQL FOR UPDATE; SQLite
    writes one at a time anyway): a concurrent batch about the same learner and video then adds to
    these ranges instead of overwriting them. Locked in id order (PostgreSQL locks the rows as the
    sort hands them over), so two batches never wait on each other in a cycle."""
    columns = (_TABLE.c.id, _TABLE.c.actor_key, _TABLE.c.video_id, _TABLE.c.ranges, _TABLE.c.length_seconds,
               _TABLE.c.completed)
    session = db.session()
    found: dict[tuple[str, str], Any] = {}
    with unprepared(session, keys):
        wheres = list(among_pairs(session, _TABLE.c.actor_key, _TABLE.c.video_id, keys))
        if len(wheres) > 1:
            # Each query would lock in id order, but not all of them together: find the ids first,
            # then lock them in consecutive id chunks, one order for the whole batch.
            ids = sorted(i for where in wheres for i in session.scalars(select(_TABLE.c.id).where(where)))
            wheres = list(among(session, _TABLE.c.id, ids))
        for where in wheres:
            query = select(*columns).where(where).order_by(_TABLE.c.id).with_for_update()
            found.update({(row.actor_key, row.video_id): row for row in session.execute(query)})
    return found
