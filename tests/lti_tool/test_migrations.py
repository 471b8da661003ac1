"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL, and the
newest one can be undone and redone (an upgrade that goes wrong must have a way back)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from lti_tool.extensions import db


def _differences() -> list[Any]:
    with db.engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), db.metadata))


def test_migrated_schema_matches_the_models(app: Any) -> None:
    """`database_url` starts from the migrated template: nothing autogenerate would add or drop."""
    with app.app_context():
        assert _differences() == []


def test_latest_migration_goes_down_and_up_again(app: Any) -> None:
    with app.app_context():
        downgrade(revision="-1")
        assert _differences() != []  # the models are one revision ahead of the database now
        upgrade()
        assert _differences() == []
        db.session.remove()
