"""A batch is validated a chunk at a time while the chunks before it are being inserted (store.py's
_Batch). What the sender sees must not change: the first invalid statement is named by its index
in the whole batch, duplicates are found across chunks, nothing of a refused batch is stored, a
conflict is found before anything is written, and an invalid statement outranks a conflict."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import Lrs, Statement
from lti_tool.statements.statement_insert import CHUNK
from lti_tool.statements.store import StatementConflict, StatementRejected, store_statements
from lti_tool.statements.workshop_context import named_workshop


def _statement(i: int, **changes: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "actor": {"mbox": f"mailto:t{i}@example.cn"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": f"https://h5p.example.cn/page/{i}"}, "timestamp": "2026-11-23T20:00:00.000Z", **changes}


def _count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Statement)) or 0)


def test_an_invalid_statement_in_a_later_chunk_is_named_and_leaves_nothing(app: Any) -> None:
    with app.app_context():
        batch = [_statement(i) for i in range(3 * CHUNK)]
        bad = 2 * CHUNK + 7
        batch[bad]["verb"] = {"id": "not an iri"}
        with pytest.raises(StatementRejected, match=rf"^\[{bad}\]\.verb\.id: must be an IRI$"):
            store_statements(batch)
        assert _count() == 0  # the two chunks before it were inserted, and rolled back
        good = [_statement(i) for i in range(CHUNK + 1)]
        assert len(store_statements(good).stored) == len(good)
        assert _count() == len(good)


def test_the_same_id_in_two_chunks_is_refused(app: Any) -> None:
    with app.app_context():
        batch = [_statement(i) for i in range(2 * CHUNK)]
        batch[CHUNK + 3]["id"] = batch[3]["id"].upper()  # ids are compared without case
        with pytest.raises(StatementRejected, match=rf"^\[{CHUNK + 3}\]\.id: the same statement id appears twice"):
            store_statements(batch)
        assert _count() == 0


def test_a_conflict_in_a_later_chunk_writes_nothing_and_keeps_the_session(app: Any) -> None:
    """The tool's own callers (statements.events) go on in the same session after a 409."""
    with app.app_context():
        earlier = _statement(0)
        store_statements([earlier])
        batch = [_statement(i) for i in range(1, 2 * CHUNK)]
        batch.insert(CHUNK + 2, dict(earlier, verb={"id": "http://adlnet.gov/expapi/verbs/completed"}))
        pending = Lrs(name="未提交", endpoint="http://127.0.0.1:9/xapi", username="u", password_encrypted="x")
        db.session.add(pending)
        with pytest.raises(StatementConflict, match=earlier["id"]):
            store_statements(batch)
        assert db.session.scalar(select(func.count()).select_from(Lrs)) == 1  # not rolled back
        assert _count() == 1
        db.session.rollback()


def test_an_invalid_statement_outranks_a_conflict(app: Any) -> None:
    with app.app_context():
        earlier = _statement(0)
        store_statements([earlier])
        batch = [dict(earlier, verb={"id": "http://adlnet.gov/expapi/verbs/completed"})]
        batch += [_statement(i) for i in range(1, 2 * CHUNK)]
        batch[CHUNK + 1]["timestamp"] = "yesterday"
        with pytest.raises(StatementRejected, match=rf"^\[{CHUNK + 1}\]\.timestamp:"):
            store_statements(batch)
        assert _count() == 1


def test_a_re_sent_batch_is_unchanged_and_its_new_statements_stored(app: Any) -> None:
    with app.app_context():
        first = [_statement(i) for i in range(CHUNK + 5)]
        store_statements(first)
        again = first[CHUNK:] + [_statement(i) for i in range(CHUNK + 5, 2 * CHUNK + 5)]
        result = store_statements(again)
        assert result.unchanged == [s["id"] for s in first[CHUNK:]]
        assert result.stored == [s["id"] for s in again[5:]]
        assert result.ids == [s["id"] for s in again]
        assert _count() == 2 * CHUNK + 5


@pytest.mark.parametrize("context", [
    [1], "x", {"contextActivities": [1]}, {"contextActivities": {"parent": "x"}},
    {"contextActivities": {"parent": [1, None, {"id": 7}]}}, {"contextActivities": {"grouping": {"id": ["a"]}}},
])
def test_the_workshop_lookup_takes_any_json_before_validation(app: Any, context: Any) -> None:
    """named_workshop runs on statements not yet validated: nothing it is given may raise."""
    assert named_workshop({"context": context}) is None
    assert named_workshop(context) is None
    with app.app_context(), pytest.raises(StatementRejected, match=r"^\[1\]\.context"):
        store_statements([_statement(0), _statement(1, context=context)])


def test_the_workshop_lookup_still_finds_a_named_workshop() -> None:
    statement = _statement(0, context={"contextActivities": {"grouping": [
        {"id": "https://h5p.example.cn/course/1"}, {"id": "https://yanxiu.example.cn/xapi/activities/workshop/12"}]}})
    assert named_workshop(statement) == 12
