"""Which outbox entries the forwarder sends next; that a new LRS's history does not leave
PostgreSQL planning that choice for an empty outbox (967 ms per batch with 1,000,000 entries owed
and stale statistics, 1.4 ms analyzed); and that a statement stored while an LRS is added is owed
to it."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update

from lti_tool.extensions import db
from lti_tool.models import Lrs, OutboxEntry, Statement
from lti_tool.statements.forwarder import Forwarder, add_lrs
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


def test_a_statement_stored_while_an_lrs_is_added_is_owed_to_it(app: Any, database_url: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The intake queues a statement for the LRSs it sees; `add_lrs` queues the statements it sees.
    On PostgreSQL a statement whose transaction was still open while the LRS was added saw neither:
    it was never sent to the new LRS. Here the intake has stored and queued its statement and waits
    to commit while the LRS is added. (On SQLite the add waits for the intake's write lock.)"""
    import lti_tool.grades.stale as stale

    queued, release = threading.Event(), threading.Event()
    before_commit = stale.statements_stored

    def held(*args: Any, **kwargs: Any) -> Any:  # runs in the intake's transaction, before its commit
        queued.set()
        assert release.wait(30)
        return before_commit(*args, **kwargs)

    with app.app_context():
        existing = add_lrs(app.config["SECRET_KEY"], "http://127.0.0.1:9/xAPI/", "u", "p").id
    monkeypatch.setattr(stale, "statements_stored", held)
    late = statements(1)

    def intake() -> None:
        with app.app_context():
            store_statements(late)

    def add() -> None:
        with app.app_context():
            added.append(add_lrs(app.config["SECRET_KEY"], "http://127.0.0.1:9/other/", "u", "p").id)

    added: list[int] = []
    storing = threading.Thread(target=intake)
    storing.start()
    assert queued.wait(30)
    adding = threading.Thread(target=add)
    adding.start()
    if database_url.startswith("postgresql"):
        with app.app_context():
            _until(lambda: not adding.is_alive() or _waiting_for_a_lock())  # the fix makes it wait
    else:
        adding.join(0.5)  # SQLite's busy handler: nothing to observe, the add waits in it
    release.set()
    storing.join(30)
    adding.join(30)
    with app.app_context():
        seq = db.session.scalar(select(Statement.seq).where(Statement.id == late[0]["id"]))
        owed = db.session.scalars(select(OutboxEntry.lrs_id).where(OutboxEntry.statement_seq == seq)
                                  .order_by(OutboxEntry.lrs_id)).all()
        assert owed == [existing, added[0]]


def _waiting_for_a_lock() -> bool:
    db.session.rollback()
    return bool(db.session.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")))


def _until(condition: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "neither happened in time"
        time.sleep(0.05)
