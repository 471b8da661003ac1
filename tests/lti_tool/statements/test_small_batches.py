"""A small batch on PostgreSQL is stored by one INSERT … ON CONFLICT DO NOTHING that also queues its
outbox rows (store.py's _store_small, statement_insert.insert_new), a larger one by the id lookup and
the COPY. Either way must store the same rows and answer the same: re-sends unchanged, a conflict
stores nothing of its batch and leaves the caller's session as it was."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, event, func, select

from lti_tool.extensions import db
from lti_tool.models import Lrs, OutboxEntry, Statement, VideoProgress
from lti_tool.statements import store
from lti_tool.statements.store import SMALL_BATCH, StatementConflict, store_statements

pg_only = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _statement(i: int, **changes: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "actor": {"mbox": f"mailto:t{i}@example.cn"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": f"https://h5p.example.cn/page/{i}"}, "timestamp": "2026-11-23T20:00:00.000Z", **changes}


def _played(i: int, start: int, end: int) -> dict[str, Any]:
    return _statement(i % 3, verb={"id": "https://w3id.org/xapi/video/verbs/paused"},
                      object={"id": f"https://h5p.example.cn/video/{i % 2}"},
                      result={"extensions": {"https://w3id.org/xapi/video/extensions/played-segments":
                                             f"{start}[.]{end}"}},
                      context={"extensions": {"https://w3id.org/xapi/video/extensions/length": 600}})


def _lrs(*active: bool) -> None:
    db.session.add_all(Lrs(name=f"lrs{i}", endpoint=f"https://lrs{i}.example.cn/xAPI/", username="u",
                           password_encrypted="x", active=on) for i, on in enumerate(active))
    db.session.commit()


def _stored() -> tuple[list[Any], list[Any], list[Any]]:
    """Everything the intake writes, without the sequence numbers (they differ between two runs)."""
    rows = sorted(tuple(getattr(s, c.name) for c in Statement.__table__.columns if c.name != "seq")
                  for s in db.session.scalars(select(Statement)))
    owed = sorted(db.session.execute(select(OutboxEntry.lrs_id, Statement.id)
                                     .join(Statement, Statement.seq == OutboxEntry.statement_seq)).all())
    progress = sorted(db.session.execute(select(VideoProgress.actor_key, VideoProgress.video_id, VideoProgress.ranges,
                                                VideoProgress.length_seconds, VideoProgress.watched_seconds,
                                                VideoProgress.completed)).all())
    return rows, owed, progress


def _small_inserts() -> list[str]:
    """The statements the engine runs, to tell which way a batch went."""
    seen: list[str] = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda _c, _cur, sql, *_a: seen.append(sql) if sql.startswith("WITH ins AS") else None)
    return seen


@pg_only
def test_both_ways_store_the_same_rows(app: Any, monkeypatch: Any) -> None:
    """The same statements (new viewing time, an addition to it, a re-send, a voiding) stored as a
    small batch and, after emptying the tables, through the COPY: the same rows everywhere."""
    with app.app_context():
        _lrs(True, False, True)
        earlier = [_played(0, 0, 100), _statement(7)]
        batch = [_played(i, 50 * i, 50 * i + 80) for i in range(SMALL_BATCH - 3)]
        batch += [earlier[0], _statement(8, verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                                         object={"objectType": "StatementRef", "id": earlier[1]["id"]})]
        results = []
        smalls = _small_inserts()
        for small_batch in (SMALL_BATCH, 0):
            monkeypatch.setattr(store, "SMALL_BATCH", small_batch)
            for table in (OutboxEntry, VideoProgress, Statement):
                db.session.execute(delete(table))
            db.session.commit()
            store_statements(earlier, now=NOW)
            result = store_statements(batch, now=NOW)
            assert (result.unchanged, len(result.stored)) == ([earlier[0]["id"]], len(batch) - 1)
            results.append(_stored())
        assert len(smalls) == 2  # the first run's two batches went the small way, the second's not
        rows, owed, progress = results[0]
        assert results[1] == results[0]
        assert len(rows) == len(batch) + 1 and len(owed) == 2 * len(rows) and len(progress) == 6
        assert [r[-4] for r in rows if r[0] == earlier[1]["id"]] == [True]  # voided


@pytest.mark.parametrize("size", [1, SMALL_BATCH])
def test_a_conflict_stores_nothing_of_its_batch_and_keeps_the_session(app: Any, size: int) -> None:
    """The tool's own callers (statements.events, attendance) go on in the same session after a
    409; on PostgreSQL the small batch's new rows were already inserted, and are taken back."""
    with app.app_context():
        _lrs(True)
        earlier = _statement(0)
        store_statements([earlier])
        batch = [_statement(i) for i in range(1, size)]
        batch.insert(size // 2, dict(earlier, verb={"id": "http://adlnet.gov/expapi/verbs/completed"}))
        pending = Lrs(name="未提交", endpoint="http://127.0.0.1:9/xapi", username="u", password_encrypted="x")
        db.session.add(pending)
        with pytest.raises(StatementConflict, match=earlier["id"]):
            store_statements(batch)
        assert db.session.scalar(select(func.count()).select_from(Lrs)) == 2  # not rolled back
        assert db.session.scalars(select(Statement.id)).all() == [earlier["id"]]
        assert db.session.scalar(select(func.count()).select_from(OutboxEntry)) == 1
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Lrs)) == 2


def test_the_same_batch_from_several_clients_at_once_is_stored_once(app: Any) -> None:
    """A sender retrying while its first request is still running: the later inserts wait for the
    first and find its rows the same (PostgreSQL), or retry and find them (SQLite, or the COPY)."""
    with app.app_context():
        _lrs(True)
    batch = [_played(i, 10 * i, 10 * i + 30) for i in range(5)]
    start, answers, threads = threading.Barrier(4), [], []

    def send() -> None:
        with app.app_context():
            start.wait()
            answers.append(sorted(store_statements([dict(s) for s in batch]).unchanged))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        rows, owed, progress = _stored()
    assert sorted(answers) == [[]] + [sorted(s["id"] for s in batch)] * 3
    assert len(rows) == len(batch) and len(owed) == len(batch)
    assert [p[4] for p in progress] == [30] * 5  # five (learner, video) pairs, each 30 s once, not 4 × 30


def test_the_same_new_statements_in_opposite_orders_at_once_are_all_stored_once(app: Any) -> None:
    """Two senders with the same new statements in opposite orders: on PostgreSQL each insert may
    wait for the other's, a lock cycle PostgreSQL breaks by failing one (40P01); that batch runs
    again and finds the other's rows the same. Both answer, and every statement is stored once."""
    with app.app_context():
        _lrs(True)
    for _ in range(3):
        batch = [_statement(i) for i in range(10)]
        start, answers = threading.Barrier(2), []

        def send(statements: list[dict[str, Any]], start: threading.Barrier = start,
                 answers: list[list[str]] = answers) -> None:
            with app.app_context():
                start.wait()
                answers.append(store_statements([dict(s) for s in statements]).ids)

        threads = [threading.Thread(target=send, args=(order,)) for order in (batch, batch[::-1])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(map(sorted, answers)) == [sorted(s["id"] for s in batch)] * 2
    with app.app_context():
        rows, owed, _ = _stored()
    assert len(rows) == 30 and len(owed) == 30
