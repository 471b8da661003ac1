"""Which outbox entries the forwarder sends next; that a new LRS's history does not leave
PostgreSQL planning that choice for an empty outbox (967 ms per batch with 1,000,000 entries owed
and stale statistics, 1.4 ms analyzed); and that a statement stored while an LRS is added is owed
to it."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from lti_tool.extensions import db
from lti_tool.models import Lrs, OutboxEntry, Statement
from lti_tool.statements.forwarder import Forwarder, add_lrs, remove_lrs
from lti_tool.statements.store import store_statements

NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


def statements(n: int) -> list[dict[str, Any]]:
    return [{"id": str(uuid.uuid4()),
             "actor": {"objectType": "Agent", "account": {"homePage": "https://moodle.example.cn", "name": str(i)}},
             "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
             "object": {"objectType": "Activity", "id": f"https://yanxiu.example.cn/xapi/activities/page/{i}"}}
            for i in range(n)]


def test_the_next_batch_is_the_oldest_due_entries_with_their_bodies(app: Any) -> None:
    with app.app_context():
        store_statements(statements(12))
        lrs = add_lrs(app.config["SECRET_KEY"], "http://127.0.0.1:9/xAPI/", "u", "p", batch_size=5)
        seqs = db.session.scalars(select(Statement.seq).order_by(Statement.seq)).all()
        bodies = dict(db.session.execute(select(Statement.seq, Statement.body)).all())
        backing_off, rejected, due_later = seqs[0], seqs[2], seqs[3]
        db.session.execute(update(OutboxEntry).where(OutboxEntry.statement_seq == backing_off)
                           .values(next_attempt_at=NOW + timedelta(minutes=5)))
        db.session.execute(update(OutboxEntry).where(OutboxEntry.statement_seq == due_later)
                           .values(next_attempt_at=NOW - timedelta(seconds=1)))  # its back-off is over
        db.session.execute(update(OutboxEntry).where(OutboxEntry.statement_seq == rejected).values(conflict=True))
        db.session.commit()
        due = Forwarder(app.config["SECRET_KEY"], clock=lambda: NOW)._due(db.session.get(Lrs, lrs.id), 5)
        expected = [s for s in seqs if s not in (backing_off, rejected)][:5]
        assert [seq for seq, _ in due] == expected
        assert [body for _, body in due] == [bodies[s] for s in expected]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_new_lrs_history_is_known_to_the_planner(app: Any) -> None:
    def outbox_rows_planned() -> float:
        return float(db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'xapi_outbox'")))

    with app.app_context():
        store_statements(statements(300))
        assert outbox_rows_planned() <= 0  # never analyzed (-1), or analyzed while empty
        add_lrs(app.config["SECRET_KEY"], "http://127.0.0.1:9/xAPI/", "u", "p")
        assert outbox_rows_planned() == 300


def while_a_statement_is_being_stored(app: Any, database_url: str, monkeypatch: pytest.MonkeyPatch,
                                      change: Callable[[], Any]) -> tuple[str, Any]:
    """Run `change` (in its own app context and thread) while the intake has stored and queued a
    statement and waits to commit; returns the statement's id and what `change` returned."""
    import lti_tool.grades.stale as stale

    queued, release = threading.Event(), threading.Event()
    before_commit = stale.statements_stored

    def held(*args: Any, **kwargs: Any) -> Any:  # runs in the intake's transaction, before its commit
        queued.set()
        assert release.wait(30)
        return before_commit(*args, **kwargs)

    monkeypatch.setattr(stale, "statements_stored", held)
    late = statements(1)
    done: list[Any] = []

    def intake() -> None:
        with app.app_context():
            store_statements(late)

    def run_change() -> None:
        with app.app_context():
            done.append(change())

    storing = threading.Thread(target=intake)
    storing.start()
    assert queued.wait(30)
    changing = threading.Thread(target=run_change)
    changing.start()
    if database_url.startswith("postgresql"):
        with app.app_context():
            _until(lambda: not changing.is_alive() or _waiting_for_a_lock())  # the lock makes it wait
    else:
        changing.join(0.5)  # SQLite's busy handler: nothing to observe, the change waits in it
    release.set()
    storing.join(30)
    changing.join(30)
    assert done, "the change failed"
    return late[0]["id"], done[0]


def owed_to(statement_id: str) -> list[int]:
    seq = db.session.scalar(select(Statement.seq).where(Statement.id == statement_id))
    return list(db.session.scalars(select(OutboxEntry.lrs_id).where(OutboxEntry.statement_seq == seq)
                                   .order_by(OutboxEntry.lrs_id)))


def test_a_statement_stored_while_an_lrs_is_added_is_owed_to_it(app: Any, database_url: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The intake queues a statement for the LRSs it sees; `add_lrs` queues the statements it sees.
    On PostgreSQL a statement whose transaction was still open while the LRS was added saw neither:
    it was never sent to the new LRS. (On SQLite the add waits for the intake's write lock.)"""
    with app.app_context():
        existing = add_lrs(app.config["SECRET_KEY"], "http://127.0.0.1:9/xAPI/", "u", "p").id
    late, added = while_a_statement_is_being_stored(app, database_url, monkeypatch, lambda: add_lrs(
        app.config["SECRET_KEY"], "http://127.0.0.1:9/other/", "u", "p").id)
    with app.app_context():
        assert owed_to(late) == [existing, added]


def test_a_statement_stored_while_an_lrs_is_removed_is_not_left_owed_to_it(
        app: Any, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same the other way: the intake had queued the statement for an LRS being removed, and
    the removal deleted only the entries committed before it, leaving one for an LRS nobody serves."""
    with app.app_context():
        kept = add_lrs(app.config["SECRET_KEY"], "http://127.0.0.1:9/xAPI/", "u", "p").id
        going = add_lrs(app.config["SECRET_KEY"], "http://127.0.0.1:9/other/", "u", "p").id
    late, (removed, pending) = while_a_statement_is_being_stored(app, database_url, monkeypatch,
                                                                lambda: _removed(remove_lrs(going)))
    with app.app_context():
        assert owed_to(late) == [kept]
        assert removed == going and pending == 1  # the statement it waited for was counted, and dropped
        assert db.session.scalar(select(func.count()).select_from(OutboxEntry)
                                 .where(OutboxEntry.lrs_id == going)) == 0


def _removed(result: tuple[Lrs, int]) -> tuple[int, int]:
    return result[0].id, result[1]


def _waiting_for_a_lock() -> bool:
    db.session.rollback()
    return bool(db.session.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")))


def _until(condition: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "neither happened in time"
        time.sleep(0.05)
