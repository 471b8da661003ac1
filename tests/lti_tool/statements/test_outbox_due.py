"""Which outbox entries the forwarder sends next, and that a new LRS's history does not leave
PostgreSQL planning that choice for an empty outbox (the forward bench: 967 ms per batch with
1,000,000 entries owed and stale statistics, 1.4 ms analyzed)."""

from __future__ import annotations

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
