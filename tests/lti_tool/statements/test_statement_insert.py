"""A batch's statement rows go out chunk by chunk (PostgreSQL: streamed into one COPY that ends
with the batch; statement_insert.py). Whatever goes wrong on the way is raised as
SQLAlchemy's exception, so the intake's retry and its all-or-nothing batch hold on both databases."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from lti_tool.extensions import db
from lti_tool.models import Statement
from lti_tool.statements import store
from lti_tool.statements.statement_insert import CHUNK
from lti_tool.statements.store import store_statements


def _statement(i: int, **changes: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "actor": {"mbox": f"mailto:t{i}@example.cn"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": f"https://h5p.example.cn/page/{i}"}, "timestamp": "2026-11-23T20:00:00.000Z", **changes}


def _count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Statement)) or 0)


def test_an_id_another_batch_stored_meanwhile_is_found_on_the_retry(app: Any, monkeypatch: Any) -> None:
    """The lookup misses a statement a concurrent batch stored (made certain here): its INSERT in a
    later chunk fails, the failure arrives as IntegrityError, and the batch runs again and finds it."""
    with app.app_context():
        earlier = _statement(0)
        store_statements([earlier])
        batch = [_statement(i) for i in range(1, CHUNK + 10)]
        batch.insert(CHUNK + 5, earlier)  # in the second chunk
        real_among, lookups = store.among, []

        def blind_first_lookup(session: Any, column: Any, values: Any) -> Any:
            lookups.append(len(values))
            if len(lookups) == 1:
                return iter([Statement.id == "no such statement"])
            return real_among(session, column, values)

        seen: list[type[Exception]] = []
        real_retryable = store._retryable

        def retryable(exc: Exception) -> bool:
            seen.append(type(exc))
            return real_retryable(exc)

        monkeypatch.setattr(store, "among", blind_first_lookup)
        monkeypatch.setattr(store, "_retryable", retryable)
        result = store_statements(batch)
        assert seen == [IntegrityError]
        assert result.unchanged == [earlier["id"]] and len(result.stored) == len(batch) - 1
        assert _count() == len(batch)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_chunk_the_database_refuses_leaves_nothing_of_the_batch(app: Any, monkeypatch: Any) -> None:
    """A row PostgreSQL refuses in the third chunk (a registration column longer than its 36
    characters, forced past validation here): SQLAlchemy's DataError, nothing of the batch stored,
    and the session is usable for the next batch."""
    with app.app_context():
        batch = [_statement(i) for i in range(3 * CHUNK)]
        real_row = store._row

        def spoiled(statement: dict[str, Any], *args: Any) -> dict[str, Any]:
            row = real_row(statement, *args)
            if statement["id"] == batch[2 * CHUNK + 1]["id"]:
                row["registration"] = "x" * 40
            return row

        monkeypatch.setattr(store, "_row", spoiled)
        with pytest.raises(DBAPIError) as raised:
            store_statements(batch)
        assert type(raised.value).__name__ == "DataError"
        db.session.rollback()
        assert _count() == 0
        monkeypatch.setattr(store, "_row", real_row)
        assert len(store_statements(batch).stored) == len(batch)
        assert _count() == len(batch)
