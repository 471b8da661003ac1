"""The ingest bench's COPY reference on PostgreSQL stores the very rows the tool would write."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bench import datagen
from bench.ingest_bench import raw_copier, stored_rows


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_copy_stores_the_rows_the_tool_would_write(app: Any, database_url: str) -> None:
    with app.app_context():
        from lti_tool.extensions import db
        from lti_tool.models import Statement

        rows = stored_rows(datagen.statements(30, tag="copy", seed=4))
        copy, close = raw_copier(database_url)
        try:
            assert copy(rows, 10) > 0
        finally:
            close()
        stored = {s.id: s for s in db.session.scalars(select(Statement))}
        assert sorted(stored) == sorted(row["id"] for row in rows)
        for row in rows:
            found = stored[row["id"]]
            assert (found.body, found.actor_key, found.object_id, found.timestamp, found.workshop_id) == (
                row["body"], row["actor_key"], row["object_id"], row["timestamp"], row["workshop_id"])
