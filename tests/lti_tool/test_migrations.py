"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL, and the
newest one can be undone and redone (an upgrade that goes wrong must have a way back)."""

from __future__ import annotations

import uuid
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, func, insert, select, text

from lti_tool.extensions import db
from lti_tool.models import Course, GradeDirty, Lrs, OutboxEntry, Platform, ResourceLink, Statement, Workshop
from lti_tool.statements.store import store_statements


def _differences() -> list[Any]:
    with db.engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), db.metadata))


def test_migrated_schema_matches_the_models(app: Any) -> None:
    """`database_url` starts from the migrated template: nothing autogenerate would add or drop."""
    with app.app_context():
        assert _differences() == []


def test_latest_migrations_go_down_and_up_again(app: Any) -> None:
    """Down past 0012, the newest revision autogenerate can see (0013 only rebuilds a SQLite table
    with AUTOINCREMENT, which it does not compare: see the next test), and up again."""
    with app.app_context():
        downgrade(revision="0011")
        assert _differences() != []  # the models are revisions ahead of the database now
        upgrade()
        assert _differences() == []
        db.session.remove()


def _dirty(workshop_id: int) -> int:
    """A new grade_dirty row's id."""
    return int(db.session.execute(insert(GradeDirty).values(workshop_id=workshop_id).returning(GradeDirty.id))
               .scalar_one())


def test_a_dirty_rows_id_is_never_handed_out_again_and_0013_keeps_the_rows(app: Any) -> None:
    """A recomputation deletes the grade_dirty rows it read by id (grades/service.py), so a deleted
    row's id must never come back: on SQLite that takes AUTOINCREMENT (0013); PostgreSQL's sequence
    never hands one out twice. Rows waiting for a recomputation survive 0013 both ways."""
    with app.app_context():
        platform = Platform(issuer="https://moodle.example.cn", client_id="c", name="平台",
                            auth_login_url="https://moodle.example.cn/a", auth_token_url="https://moodle.example.cn/t",
                            key_set_url="https://moodle.example.cn/k")
        db.session.add(platform)
        db.session.flush()
        course = Course(platform_id=platform.id, deployment_id="1", context_id="ctx", title="课程")
        db.session.add(course)
        db.session.flush()
        link = ResourceLink(course_id=course.id, resource_link_id="rl", title="链接", custom={})
        db.session.add(link)
        db.session.flush()
        workshop = Workshop(course_id=course.id, resource_link_id=link.id, title="工作坊")
        db.session.add(workshop)
        db.session.flush()
        workshop_id = workshop.id
        first = _dirty(workshop_id)
        db.session.execute(delete(GradeDirty))  # a recomputation consumed everything
        assert _dirty(workshop_id) > first
        waiting = _dirty(workshop_id)
        db.session.commit()
        db.session.remove()
        downgrade(revision="0012")
        assert db.session.scalars(select(GradeDirty.id)).all() == [first + 1, waiting]
        db.session.remove()
        upgrade()
        assert db.session.scalars(select(GradeDirty.id)).all() == [first + 1, waiting]
        db.session.execute(delete(GradeDirty))
        assert _dirty(workshop_id) > waiting
        db.session.remove()


def test_a_table_rebuilt_by_a_migration_keeps_the_rows_that_point_at_it(app: Any) -> None:
    """On SQLite, 0010 rebuilds the statements table (batch mode) in both directions. With foreign
    keys enforced, dropping the old table would have deleted every outbox row (ON DELETE CASCADE):
    migrations/env.py turns enforcement off for the migration and on again after."""
    with app.app_context():
        db.session.execute(insert(Lrs), {"name": "Ralph", "endpoint": "http://127.0.0.1:1/xAPI/",
                                         "username": "u", "password_encrypted": "x", "active": True})
        store_statements([{"id": str(uuid.uuid4()), "actor": {"mbox": "mailto:t@example.cn"},
                           "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                           "object": {"id": "https://h5p.example.cn/page/1"}}])
        counts = (select(func.count()).select_from(Statement), select(func.count()).select_from(OutboxEntry))
        assert [db.session.scalar(q) for q in counts] == [1, 1]
        db.session.remove()
        downgrade(revision="0009")
        upgrade()
        assert [db.session.scalar(q) for q in counts] == [1, 1]
        if db.engine.dialect.name == "sqlite":
            assert db.session.scalar(text("PRAGMA foreign_keys")) == 1  # on again for whoever comes next
        db.session.remove()


def test_the_outbox_keeps_its_entries_through_0012_both_ways(app: Any) -> None:
    """0012 re-keys the outbox by (LRS, statement) and drops its id and foreign keys; every entry,
    its attempts, backoff and conflict mark survive the upgrade and the way back."""
    with app.app_context():
        db.session.execute(insert(Lrs), [{"name": name, "endpoint": f"http://127.0.0.1:1/{name}/", "username": "u",
                                          "password_encrypted": "x", "active": True} for name in ("a", "b")])
        store_statements([{"id": str(uuid.uuid4()), "actor": {"mbox": f"mailto:t{i}@example.cn"},
                           "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                           "object": {"id": f"https://h5p.example.cn/page/{i}"}} for i in range(3)])
        first = db.session.scalar(select(func.min(OutboxEntry.statement_seq)))
        db.session.execute(text("UPDATE xapi_outbox SET attempts = 2, next_attempt_at = :at, conflict = :c "
                                "WHERE statement_seq = :seq AND lrs_id = (SELECT min(id) FROM xapi_lrs)"),
                           {"at": "2026-11-23 10:00:00+00:00", "c": True, "seq": first})
        db.session.commit()
        entries = text("SELECT lrs_id, statement_seq, attempts, next_attempt_at IS NOT NULL, conflict FROM xapi_outbox "
                       "ORDER BY lrs_id, statement_seq")
        before = [tuple(row) for row in db.session.execute(entries)]
        assert len(before) == 6 and sum(1 for row in before if row[2] == 2 and row[3] and row[4]) == 1
        db.session.remove()
        downgrade(revision="0011")
        numbered = [tuple(row) for row in db.session.execute(text(
            "SELECT id, lrs_id, statement_seq FROM xapi_outbox ORDER BY id"))]
        assert [row[1:] for row in numbered] == [row[:2] for row in before]  # ids follow the stored order
        assert len({row[0] for row in numbered}) == 6
        assert [tuple(row) for row in db.session.execute(entries)] == before
        db.session.remove()
        upgrade()
        assert [tuple(row) for row in db.session.execute(entries)] == before
        assert _differences() == []
        db.session.remove()
