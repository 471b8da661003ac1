"""The dashboard cache computes a key once at a time per process: requests that reach an expired
entry while it is being computed answer with the last value, and with none yet they wait for it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from lti_tool.reports.cache import cached


def _app(seconds: float) -> Flask:
    app = Flask(__name__)
    app.config["DASHBOARD_CACHE_SECONDS"] = seconds
    return app


class Slow:
    """A computation that counts its calls and holds until released."""

    def __init__(self, value: Any) -> None:
        self.value, self.calls = value, 0
        self.started, self.release = threading.Event(), threading.Event()

    def __call__(self) -> Any:
        self.calls += 1
        self.started.set()
        assert self.release.wait(10)
        return self.value


def _in_thread(app: Flask, call: Callable[[], Any], out: list[Any]) -> threading.Thread:
    def run() -> None:
        with app.app_context():
            try:
                out.append(call())
            except Exception as exc:  # handed to the test
                out.append(exc)
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_requests_without_a_value_wait_for_the_one_computation() -> None:
    app, slow, out = _app(120), Slow("数字"), []
    leader = _in_thread(app, lambda: cached("k", slow), out)
    assert slow.started.wait(10)
    followers = [_in_thread(app, lambda: cached("k", slow), out) for _ in range(3)]
    time.sleep(0.2)  # the followers reach the wait while the leader computes
    slow.release.set()
    for thread in (leader, *followers):
        thread.join(10)
    assert out == ["数字"] * 4 and slow.calls == 1


def test_an_expired_value_is_served_while_it_is_computed_again() -> None:
    app = _app(0.05)
    with app.app_context():
        assert cached("k", lambda: "old") == "old"
    time.sleep(0.1)  # expired
    slow, out = Slow("new"), []
    leader = _in_thread(app, lambda: cached("k", slow), out)
    assert slow.started.wait(10)
    with app.app_context():
        started = time.monotonic()
        assert cached("k", lambda: pytest.fail("a second computation")) == "old"
        assert time.monotonic() - started < 5  # answered at once, not after the leader
    slow.release.set()
    leader.join(10)
    assert out == ["new"]
    with app.app_context():
        assert cached("k", lambda: pytest.fail("computed while fresh")) == "new"


def test_a_failed_computation_leaves_the_waiting_requests_to_compute_their_own() -> None:
    app, out = _app(120), []
    started, release = threading.Event(), threading.Event()

    def failing() -> str:
        started.set()
        assert release.wait(10)
        raise RuntimeError("database went away")

    leader = _in_thread(app, lambda: cached("k", failing), out)
    assert started.wait(10)
    follower = _in_thread(app, lambda: cached("k", lambda: "recomputed"), out)
    time.sleep(0.2)
    release.set()
    leader.join(10)
    follower.join(10)
    assert [type(x).__name__ for x in out if isinstance(x, Exception)] == ["RuntimeError"]
    assert "recomputed" in out
    with app.app_context():
        assert cached("k", lambda: pytest.fail("computed while fresh")) == "recomputed"


def test_zero_seconds_computes_every_time() -> None:
    app, calls = _app(0), []
    with app.app_context():
        for i in range(3):
            assert cached("k", lambda i=i: calls.append(i) or i) == i
    assert calls == [0, 1, 2]
