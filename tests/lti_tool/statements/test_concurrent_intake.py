"""Batches about the same learners and videos arriving at once (an evening peak: several players
and an H5P course reporting together) are all stored, and viewing time adds up exactly as if they
had come one after the other. Real threads, real connections, SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from lti_tool.extensions import db
from lti_tool.models import VideoProgress
from lti_tool.statements.clients import create_client
from lti_tool.statements.store import _retryable
from tests.fixtures.sql import sql_sent
from xapi import WatchedRanges

THREADS = 6
ROUNDS = 3
LEARNERS = 8
VIDEO = "https://h5p.example.cn/video/{}"


def _paused(learner: int, video: str, start: int, end: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"account": {"homePage": "https://moodle.example.cn", "name": f"u{learner}"}},
        "verb": {"id": "https://w3id.org/xapi/video/verbs/paused"},
        "object": {"id": video},
        "timestamp": "2026-11-23T20:00:00.000+08:00",
        "result": {"extensions": {"https://w3id.org/xapi/video/extensions/time": end,
                                  "https://w3id.org/xapi/video/extensions/played-segments": f"{start}[.]{end}"}},
        "context": {"extensions": {"https://w3id.org/xapi/video/extensions/length": 900}},
    }


def test_concurrent_batches_about_the_same_videos_add_up(app: Any) -> None:
    with app.app_context():
        new = create_client("H5P")
    headers = {"Authorization": "Basic " + base64.b64encode(f"{new.key}:{new.secret}".encode()).decode(),
               "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    sent: list[dict[str, Any]] = []
    statuses: list[tuple[int, str]] = []
    for round_ in range(ROUNDS):
        # Every thread's batch names the same new (learner, video) pairs, each with its own
        # stretch of the video: the rows do not exist yet, so the threads race to create them.
        video = VIDEO.format(round_)
        batches = [[_paused(learner, video, 100 * t, 100 * t + 60 + learner) for learner in range(LEARNERS)]
                   for t in range(THREADS)]
        sent += [s for batch in batches for s in batch]
        start = threading.Barrier(THREADS)

        def post(batch: list[dict[str, Any]], start: threading.Barrier = start) -> None:
            client = app.test_client()
            start.wait()
            resp = client.post("/xapi/statements", data=json.dumps(batch), headers=headers)
            statuses.append((resp.status_code, resp.get_data(as_text=True)[:200]))

        threads = [threading.Thread(target=post, args=(batch,)) for batch in batches]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [code for code, _ in statuses] == [200] * (THREADS * ROUNDS), statuses

    expected: dict[tuple[str, str], Decimal] = {}
    for round_ in range(ROUNDS):
        for learner in range(LEARNERS):
            ranges = WatchedRanges.empty()
            for t in range(THREADS):
                ranges.add([(Decimal(100 * t), Decimal(100 * t + 60 + learner))])
            key = (f"account:https://moodle.example.cn|u{learner}", VIDEO.format(round_))
            expected[key] = ranges.total(cap=Decimal(900))
    with app.app_context():
        stored = {(r.actor_key, r.video_id): r.watched_seconds for r in db.session.scalars(select(VideoProgress))}
    assert stored == expected
    assert len(sent) == THREADS * ROUNDS * LEARNERS


class _DriverError(Exception):
    def __init__(self, sqlstate: str | None) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("sqlstate", "retried"), [("40P01", True), ("40001", True), (None, False), ("53300", False)])
def test_only_lock_cycles_and_serialization_failures_are_retried(sqlstate: str | None, retried: bool) -> None:
    """PostgreSQL breaks a lock cycle by failing one transaction (40P01): its batch runs again.
    Other operational errors (SQLite's "database is locked" has no sqlstate; 53300 = too many
    connections) are not hidden by a retry."""
    exc = OperationalError("INSERT …", {}, _DriverError(sqlstate))
    assert _retryable(exc) is retried
    assert _retryable(IntegrityError("INSERT …", {}, _DriverError("23505")))


def test_a_row_another_batch_created_meanwhile_gets_this_batchs_segments_added(app: Any, monkeypatch: Any) -> None:
    """Between this batch's read and its insert, another one created the row for one of its pairs
    (the race the threads above run into, made certain here): that row is not overwritten but
    extended, the pair this batch created alone is written once, and both count as changed."""
    from lti_tool.statements import progress

    taken = ("account:https://moodle.example.cn|u1", VIDEO.format("race"))
    with app.app_context():
        progress.update_video_progress([_paused(1, taken[1], 0, 100)])  # "the other batch"
        db.session.commit()
        reads = []
        real_existing = progress._existing

        def blind_first_read(keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
            reads.append(keys)
            return {} if len(reads) == 1 else real_existing(keys)  # the first read missed the row

        monkeypatch.setattr(progress, "_existing", blind_first_read)
        with sql_sent(db.engine) as sent:
            changed = progress.update_video_progress(
                [_paused(1, taken[1], 50, 200), _paused(2, taken[1], 10, 20)])
        writes = [sql.split()[0] for sql, _ in sent]
        db.session.commit()
        rows = {(r.actor_key, r.video_id): r for r in db.session.scalars(select(VideoProgress))}
    mine = ("account:https://moodle.example.cn|u2", taken[1])
    assert len(reads) == 2 and sorted(reads[1]) == sorted([taken, mine])  # read back after the skipped insert
    assert rows[taken].watched_seconds == Decimal(200)  # 0–100 kept, 50–200 added
    assert rows[mine].watched_seconds == Decimal(10)
    assert sorted(changed) == sorted([taken, mine])
    assert writes.count("UPDATE") == 1  # only the other batch's row; the one inserted here is not written again
