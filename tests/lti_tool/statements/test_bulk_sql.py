"""The `IN (…)` lists of a batch (`lti_tool.statements.bulk_sql`): the right rows on both
databases, for one value and beyond one chunk; on PostgreSQL the array lookups are never prepared
(so never run on a generic plan), while the intake's other repeated queries still are."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, insert, select, text

from lti_tool.extensions import db
from lti_tool.models import VideoProgress
from lti_tool.models._types import utcnow
from lti_tool.statements import bulk_sql
from lti_tool.statements.store import store_statements

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
        for where in bulk_sql.among(db.session(), T.c.actor_key, wanted):
            found += db.session.scalars(select(T.c.actor_key).where(where))
        assert sorted(found) == sorted(f"actor-{i}" for i in range(0, ROWS, 2))
        assert list(bulk_sql.among(db.session(), T.c.actor_key, [])) == []
        (one,) = bulk_sql.among(db.session(), T.c.actor_key, ["actor-3"])
        assert db.session.scalars(select(T.c.actor_key).where(one)).all() == ["actor-3"]


def test_among_pairs_matches_both_columns(app: Any) -> None:
    with app.app_context():
        _fill()
        right = [(f"actor-{i}", f"video-{i % 7}") for i in range(1, ROWS, 3)]
        # The actor of one row with the video of another: each column matches, the pair does not.
        wrong = [(f"actor-{i}", f"video-{(i + 1) % 7}") for i in range(0, ROWS, 3)]
        found: list[tuple[str, str]] = []
        for where in bulk_sql.among_pairs(db.session(), T.c.actor_key, T.c.video_id, right + wrong):
            found += [tuple(r) for r in db.session.execute(select(T.c.actor_key, T.c.video_id).where(where))]
        assert sorted(found) == sorted(right)
        assert list(bulk_sql.among_pairs(db.session(), T.c.actor_key, T.c.video_id, [])) == []
        for pair, expected in ((right[0], [right[0]]), (wrong[0], [])):
            (one,) = bulk_sql.among_pairs(db.session(), T.c.actor_key, T.c.video_id, [pair])
            assert [tuple(r) for r in db.session.execute(select(T.c.actor_key, T.c.video_id).where(one))] == expected


def test_viewing_time_rows_of_a_large_batch_are_all_found(app: Any) -> None:
    """More (learner, video) pairs than one chunk: found in several queries off PostgreSQL, locked
    by id in one order for the whole batch (progress._existing)."""
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
        if db.engine.dialect.name == "postgresql":
            assert len(locked) == 1  # one array query: its rows are locked as ORDER BY id hands them over
        else:
            ids = [i for query in locked for i in query]
            assert len(locked) > 1 and len(ids) == ROWS and ids == sorted(ids)  # one ascending order across queries
        assert sorted(found) == sorted(k for k in keys if k[0] != "actor-none")
        assert all((row.actor_key, row.video_id) == key for key, row in found.items())
        db.session.rollback()


# PostgreSQL only: SQLite has no plan cache to go wrong.
postgres_only = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


def _statement() -> dict[str, Any]:
    return {"id": str(uuid.uuid4()),
            "actor": {"account": {"homePage": "https://moodle.example.cn", "name": "7"}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": "https://h5p.example.cn/page/1"}}


def _played(video: str) -> dict[str, Any]:
    """A video statement: its viewing-time row is new, so each batch INSERTs one."""
    return {**_statement(), "verb": {"id": "https://w3id.org/xapi/video/verbs/paused"}, "object": {"id": video},
            "result": {"extensions": {"https://w3id.org/xapi/video/extensions/played-segments": "0[.]30"}}}


@postgres_only
def test_the_intakes_array_lookups_are_never_prepared_and_its_other_queries_still_are(app: Any) -> None:
    """psycopg prepares a query after five runs; PostgreSQL could then keep a generic plan for the
    id lookup made while the table was small (the bench saw a sequential scan, 40–90× slower)."""
    with app.app_context():
        driver = db.session.connection().connection.driver_connection
        threshold = driver.prepare_threshold
        for i in range(12):
            store_statements([_statement(), _played(f"https://h5p.example.cn/video/{i}")])
        prepared = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
        assert any(s.startswith("INSERT INTO video_progress") for s in prepared), prepared
        assert not [s for s in prepared if "ANY" in s], prepared
        assert db.session.connection().connection.driver_connection is driver  # the same session looked
        assert driver.prepare_threshold == threshold


@postgres_only
def test_unprepared_gives_the_connection_back_as_it_was_even_after_an_error(app: Any) -> None:
    with app.app_context():
        driver = db.session.connection().connection.driver_connection
        threshold = driver.prepare_threshold
        with pytest.raises(RuntimeError), bulk_sql.unprepared(db.session(), ["a", "b"]):
            assert driver.prepare_threshold is None
            raise RuntimeError("boom")
        assert driver.prepare_threshold == threshold
        with bulk_sql.unprepared(db.session(), ["a"]):  # one value: a plain `=`, prepared as usual
            assert driver.prepare_threshold == threshold


# Text PostgreSQL can hold (no NUL, no lone surrogate), with the characters array syntax gives a
# meaning to.
_TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"])
                | st.sampled_from('{}",\\ \tNUL'), max_size=12)


@postgres_only
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.none() | _TEXT, max_size=8))
def test_array_text_reads_back_as_the_same_list(app: Any, values: list[str | None]) -> None:
    """The array parameter the lookups use (bulk_sql._array, written as array text): PostgreSQL must
    read back exactly the values, whatever they hold (quotes, backslashes, braces, the word NULL)."""
    with app.app_context():
        assert db.session.scalar(select(bulk_sql._array(T.c.actor_key, values))) == values


@postgres_only
def test_among_finds_values_with_array_syntax_in_them(app: Any) -> None:
    with app.app_context():
        odd = ['a,b', 'NULL', 'x"y', 'back\\slash', '{brace}', ' spaced ', '学员']
        now = utcnow()
        db.session.execute(insert(T), [{"actor_key": key, "video_id": "v", "ranges": "[]", "watched_seconds": 0,
                                        "completed": False, "updated_at": now} for key in odd])
        (where,) = bulk_sql.among(db.session(), T.c.actor_key, [*odd, "a", "b"])
        assert sorted(db.session.scalars(select(T.c.actor_key).where(where))) == sorted(odd)
        (pairs,) = bulk_sql.among_pairs(db.session(), T.c.actor_key, T.c.video_id, [(k, "v") for k in odd[:3]])
        assert sorted(db.session.scalars(select(T.c.actor_key).where(pairs))) == sorted(odd[:3])
