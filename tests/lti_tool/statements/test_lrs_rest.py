"""An LRS that fails rests as a whole: after a failed batch the forwarder sends it nothing until
that batch's backoff has passed, or longer when the LRS said how long (Retry-After on a 429 or a
503). Before, each worker turn sent the next batch to an LRS that was down or rate-limiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from lti_tool.extensions import db
from lti_tool.models import Lrs
from lti_tool.statements.forwarder import BASE_DELAY, MAX_DELAY, Forwarder, backlog
from lti_tool.statements.store import store_statements
from tests.fixtures.ralph_lrs import RalphServer

from .test_forwarding import _ids, _lrs, simple

pytestmark = pytest.mark.ralph


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Session:
    """Posts to the real LRS and counts them; `refuse` answers the next ones itself, as an LRS
    under load does, without reaching Ralph."""

    def __init__(self) -> None:
        self.real = requests.Session()
        self.posts = 0
        self.refusals: list[tuple[int, dict[str, str]]] = []

    def refuse(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.refusals.append((status, headers or {}))

    def post(self, *args: Any, **kwargs: Any) -> requests.Response:
        self.posts += 1
        if self.refusals:
            status, headers = self.refusals.pop(0)
            answer = requests.Response()
            answer.status_code, answer._content = status, b'{"detail": "too many requests"}'
            answer.headers.update(headers)
            return answer
        return self.real.post(*args, **kwargs)


def test_an_lrs_that_is_down_is_not_sent_the_next_batch_each_turn(app: Any, ralph: RalphServer) -> None:
    lrs_id = _lrs(app, ralph, batch_size=10)
    sent = [simple(i) for i in range(35)]
    clock, session = Clock(), Session()
    # Jitter fixed at the middle of its band: the first backoff is BASE_DELAY (2 s) exactly.
    forwarder = Forwarder(app.config["SECRET_KEY"], session=session, timeout=2, clock=clock,  # type: ignore[arg-type]
                          rng=lambda: 0.5)
    ralph.stop()
    with app.app_context():
        store_statements(sent)
        assert forwarder.drain()[lrs_id].failed and session.posts == 1
        for _ in range(3):  # the worker's next turns, within that backoff
            clock.advance(BASE_DELAY / 4)
            assert forwarder.drain()[lrs_id].delivered == 0
        assert session.posts == 1, "a resting LRS was sent another batch"
        clock.advance(BASE_DELAY / 2)  # the rest is over: one more try, which fails and rests again
        assert forwarder.drain()[lrs_id].failed and session.posts == 2
        lrs = db.session.get(Lrs, lrs_id)
        assert lrs is not None and lrs.resting_until is not None and lrs.resting_until > clock.now
    ralph.start()
    clock.advance(MAX_DELAY * 1.5)  # past any first backoff, jitter included
    with app.app_context():
        assert forwarder.drain()[lrs_id].delivered == 35
        assert backlog(lrs_id) == (0, 0)
        assert db.session.get(Lrs, lrs_id).resting_until is None  # type: ignore[union-attr]
    assert _ids(ralph.statements()) == _ids(sent)


@pytest.mark.parametrize("form", ["seconds", "date"])
def test_an_lrs_that_asks_us_to_wait_is_sent_nothing_before_then(app: Any, ralph: RalphServer, form: str) -> None:
    lrs_id = _lrs(app, ralph, batch_size=10)
    sent = [simple(i) for i in range(25)]
    clock, session = Clock(), Session()
    clock.now = clock.now.replace(microsecond=0)  # an HTTP date has whole seconds
    wait = "300" if form == "seconds" else (clock.now + timedelta(seconds=300)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    session.refuse(429, {"Retry-After": wait})
    forwarder = Forwarder(app.config["SECRET_KEY"], session=session, clock=clock)  # type: ignore[arg-type]
    with app.app_context():
        store_statements(sent)
        assert forwarder.drain()[lrs_id].failed
        clock.advance(290)  # far beyond the first backoff (2 s with jitter), short of what was asked
        assert forwarder.drain()[lrs_id].delivered == 0 and session.posts == 1
        lrs = db.session.get(Lrs, lrs_id)
        assert lrs is not None and "429" in (lrs.last_error or "")
        clock.advance(11)
        assert forwarder.drain()[lrs_id].delivered == 25
    assert _ids(ralph.statements()) == _ids(sent)


def test_forwarding_by_hand_does_not_wait_for_the_rest(app: Any, ralph: RalphServer) -> None:
    """`yanxiu xapi forward --once` (ignore_backoff) is someone who fixed the LRS and wants it now."""
    lrs_id = _lrs(app, ralph, batch_size=10)
    session = Session()
    session.refuse(503, {"Retry-After": "3600"})
    with app.app_context():
        store_statements([simple(i) for i in range(12)])
        forwarder = Forwarder(app.config["SECRET_KEY"], session=session)  # type: ignore[arg-type]
        assert forwarder.drain()[lrs_id].failed
        assert forwarder.drain()[lrs_id].delivered == 0
        assert forwarder.drain(ignore_backoff=True)[lrs_id].delivered == 12
        assert db.session.get(Lrs, lrs_id).resting_until is None  # type: ignore[union-attr]
