"""The outbox worker shares its time: a long backlog (a newly added LRS is owed the whole history)
is sent a turn's worth at a time, each LRS a batch in turn, and between turns the gradebook scores
and stale grades get theirs; while statements are still due the next turn starts at once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import Lrs, OutboxEntry
from lti_tool.statements import forwarder as forwarder_module
from lti_tool.statements.forwarder import Forwarder, _turn, add_lrs, backlog, run_loop
from lti_tool.statements.store import store_statements
from tests.fixtures.ralph_lrs import PASSWORD, USER, RalphServer

from .test_forwarding import _ids, simple

pytestmark = pytest.mark.ralph


def _two_lrss(app: Any, ralph: RalphServer, batch_size: int) -> tuple[int, int]:
    """Two LRS registrations (the same Ralph behind both: each has its own outbox entries)."""
    with app.app_context():
        return tuple(add_lrs(app.config["SECRET_KEY"], ralph.endpoint, USER, PASSWORD, name=name,
                             batch_size=batch_size).id for name in ("county", "province"))  # type: ignore[return-value]


def test_a_drain_out_of_time_has_taken_a_batch_of_each_lrs_and_says_what_is_left(app: Any, ralph: RalphServer) -> None:
    first, second = _two_lrss(app, ralph, batch_size=10)
    with app.app_context():
        store_statements([simple(i) for i in range(35)])
        step = Forwarder(app.config["SECRET_KEY"]).drain(budget_seconds=0)  # one round, then out of time
        assert [(step[i].delivered, step[i].more, step[i].failed) for i in (first, second)] == [(10, True, False)] * 2
        assert backlog(first) == backlog(second) == (25, 0)
        rest = Forwarder(app.config["SECRET_KEY"]).drain()  # no budget: everything
        assert [(rest[i].delivered, rest[i].more) for i in (first, second)] == [(25, False)] * 2
        assert backlog(first) == backlog(second) == (0, 0)
    assert len(ralph.statements()) == 35


def test_a_long_backlog_leaves_the_workers_other_jobs_their_turn(app: Any, ralph: RalphServer,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from lti_tool.grades import service

    ran: list[str] = []
    monkeypatch.setattr(service, "refresh_stale", lambda: ran.append("refresh_stale"))
    monkeypatch.setattr(forwarder_module, "FORWARD_TURN_SECONDS", 0)
    with app.app_context():
        lrs_id = add_lrs(app.config["SECRET_KEY"], ralph.endpoint, USER, PASSWORD, batch_size=10).id
        store_statements([simple(i) for i in range(30)])
    assert _turn(app, Forwarder(app.config["SECRET_KEY"]), purge=False) == "more"
    assert ran == ["refresh_stale"]
    with app.app_context():
        assert backlog(lrs_id) == (20, 0)  # the rest waits for the next turns


def test_the_worker_goes_on_at_once_while_statements_are_due(app: Any, ralph: RalphServer,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forwarder_module, "FORWARD_TURN_SECONDS", 0)
    sent = [simple(i) for i in range(40)]
    with app.app_context():
        lrs_id = add_lrs(app.config["SECRET_KEY"], ralph.endpoint, USER, PASSWORD, batch_size=10).id
        store_statements(sent)

    class Pauses(threading.Event):
        """The loop's stop event, recording each pause with what was still owed then."""

        def __init__(self) -> None:
            super().__init__()
            self.seen: list[tuple[float | None, int]] = []

        def wait(self, timeout: float | None = None) -> bool:
            with app.app_context():
                owed = db.session.scalar(select(func.count()).select_from(OutboxEntry)) or 0
            self.seen.append((timeout, owed))
            if (owed == 0 and timeout) or len(self.seen) > 20:  # idle again after the backlog
                self.set()
            return self.is_set()

    pauses = Pauses()
    run_loop(app, pauses, idle_seconds=5.0)
    # Out of time with the last batch sent, the worker cannot know nothing is left: one more turn
    # at once finds nothing, and then it pauses as usual.
    assert pauses.seen == [(0, 30), (0, 20), (0, 10), (0, 0), (5.0, 0)]
    with app.app_context():
        assert db.session.get(Lrs, lrs_id).delivered_count == len(sent)
    assert _ids(ralph.statements()) == _ids(sent)
