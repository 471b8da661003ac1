"""The `IN (…)` lists of a batch (`lti_tool.statements.bulk_sql`): the right rows on both
databases, for one value and beyond one chunk."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, insert, select

from lti_tool.extensions import db
from lti_tool.models import VideoProgress
from lti_tool.models._types import utcnow
from lti_tool.statements import bulk_sql

T = VideoProgress.__table__
ROWS = bulk_sql.CHUNK * 2 + 17  # more than two chunks off PostgreSQL


def _fill() -> None:
    now = utcnow()
    db.session.execute(insert(T), [
        {"actor_key": f"actor-{i}", "video_id": f"video-{i % 7}", "ranges": "[]", "watched_seconds": 0,
         "completed": False, "updated_at": now}
        for i in range(ROWS)
    ])
    db.session.commit()


def test_among_selects_exactly_the_listed_values(app: Any) -> None:
    with app.app_context():
        _fill()
        wanted = [f"actor-{i}" for i in range(0, ROWS, 2)] + ["actor-missing", "actor-1'); DROP TABLE x;--"]
        found: list[str] = []
        for where in bulk_sql.among(T.c.actor_key, wanted):
            found += db.session.scalars(select(T.c.actor_key).where(where))
        assert sorted(found) == sorted(f"actor-{i}" for i in range(0, ROWS, 2))
        assert list(bulk_sql.among(T.c.actor_key, [])) == []
        (one,) = bulk_sql.among(T.c.actor_key, ["actor-3"])
        assert db.session.scalars(select(T.c.actor_key).where(one)).all() == ["actor-3"]


def test_among_pairs_matches_both_columns(app: Any) -> None:
    with app.app_context():
        _fill()
        right = [(f"actor-{i}", f"video-{i % 7}") for i in range(1, ROWS, 3)]
        # The actor of one row with the video of another: each column matches, the pair does not.
        wrong = [(f"actor-{i}", f"video-{(i + 1) % 7}") for i in range(0, ROWS, 3)]
        found: list[tuple[str, str]] = []
        for where in bulk_sql.among_pairs(T.c.actor_key, T.c.video_id, right + wrong):
            found += [tuple(r) for r in db.session.execute(select(T.c.actor_key, T.c.video_id).where(where))]
        assert sorted(found) == sorted(right)
        assert list(bulk_sql.among_pairs(T.c.actor_key, T.c.video_id, [])) == []
        for pair, expected in ((right[0], [right[0]]), (wrong[0], [])):
            (one,) = bulk_sql.among_pairs(T.c.actor_key, T.c.video_id, [pair])
            assert [tuple(r) for r in db.session.execute(select(T.c.actor_key, T.c.video_id).where(one))] == expected


def test_viewing_time_rows_of_a_large_batch_are_all_found(app: Any) -> None:
    """More (learner, video) pairs than one chunk: found in several queries, locked by id in one
    order for the whole batch (progress._existing)."""
    from lti_tool.statements.progress import _existing

    with app.app_context():
        _fill()
        keys = sorted({(f"actor-{i}", f"video-{i % 7}") for i in range(ROWS)} | {("actor-none", "video-0")})
        locked: list[list[Any]] = []  # the ids each locking query asked for, in the order sent

        def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
            if "ORDER BY video_progress.id" in statement:
                values = parameters.values() if isinstance(parameters, dict) else parameters
                locked.append([v for v in values if isinstance(v, int)])

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            found = _existing(keys)
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        ids = [i for query in locked for i in query]
        assert len(locked) > 1 and len(ids) == ROWS and ids == sorted(ids)  # one ascending order across queries
        assert sorted(found) == sorted(k for k in keys if k[0] != "actor-none")
        assert all((row.actor_key, row.video_id) == key for key, row in found.items())
        db.session.rollback()
