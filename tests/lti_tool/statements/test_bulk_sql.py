"""Long `IN (…)` lists of a batch (`lti_tool.statements.bulk_sql`): the right rows on both
databases, beyond one chunk; and on PostgreSQL the intake's lookups are planned for their actual
arrays, never with a generic plan kept from when the store was small."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import insert, select, text

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


# PostgreSQL only: SQLite has no plan cache to go wrong.
postgres_only = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@postgres_only
def test_custom_plans_last_for_the_transaction_only(app: Any) -> None:
    with app.app_context():
        default = db.session.scalar(text("SHOW plan_cache_mode"))
        bulk_sql.plan_for_parameters(db.session(), [1, 2])
        assert db.session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
        db.session.commit()
        assert db.session.scalar(text("SHOW plan_cache_mode")) == default  # the pooled connection is as before


def _statement() -> dict[str, Any]:
    return {"id": str(uuid.uuid4()),
            "actor": {"account": {"homePage": "https://moodle.example.cn", "name": "7"}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": "https://h5p.example.cn/page/1"}}


@postgres_only
def test_the_intake_never_runs_its_id_lookup_on_a_generic_plan(app: Any) -> None:
    """psycopg prepares a statement after five runs; PostgreSQL would then switch the id lookup to
    a generic plan (the bench saw a sequential scan, 40–90× slower per batch of 1,000)."""
    with app.app_context():
        for _ in range(15):
            store_statements([_statement(), _statement()])
        plans = db.session.execute(text(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE 'SELECT xapi_statements.id, xapi_statements.body%'")).all()
        assert plans, "the lookup was never prepared: this test no longer looks at the right statement"
        assert [(generic, custom > 0) for generic, custom in plans] == [(0, True)]
