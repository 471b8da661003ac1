"""With Redis (the production profile), the dashboard cache is one for every worker and machine: a
value computed by one worker is read by the others, an expired one is computed again by one of
them while the rest answer with the last value, and a Redis that fails only means each worker
computes for itself. A real redis-server on loopback; each Flask app stands for a worker."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from lti_tool.reports.cache import cached
from lti_tool.reports.shared_cache import Codec
from tests.fixtures.redis_server import RedisServer
from tests.fixtures.servers import free_port

AS_IS: Codec[Any] = Codec(encode=lambda v: v, decode=lambda v: v)


def _worker(url: str, prefix: str, seconds: float = 120) -> Flask:
    app = Flask(__name__)
    app.config.update(DASHBOARD_CACHE_SECONDS=seconds, REDIS_URL=url, REDIS_PREFIX=prefix,
                      LTI_HTTP_TIMEOUT_SECONDS=5)
    return app


@pytest.fixture
def workers(redis_server: RedisServer) -> tuple[Flask, Flask]:
    prefix = f"t{uuid.uuid4().hex[:8]}:"
    return _worker(redis_server.url, prefix), _worker(redis_server.url, prefix)


def _call(app: Flask, compute: Callable[[], Any], key: Any = ("overview", 1)) -> Any:
    with app.app_context():
        return cached(key, compute, AS_IS)


def _never() -> Any:
    pytest.fail("computed although another worker's value was there")


def test_a_value_computed_by_one_worker_is_read_by_the_others(workers: tuple[Flask, Flask],
                                                                redis_server: RedisServer) -> None:
    first, second = workers
    value = {"学校": ["城关小学", 3], "rate": "41.7"}
    assert _call(first, lambda: value) == value
    assert _call(second, _never) == value
    stored = [k for k in redis_server.client().keys(first.config["REDIS_PREFIX"] + "cache:*") if not k.endswith(":at")]
    assert len(stored) == 1
    head, _, body = redis_server.client().get(stored[0]).partition("\n")
    assert float(head) > 0 and json.loads(body) == value, "kept as JSON, never as pickle"
    assert _call(second, lambda: "other", ("overview", 2)) == "other"  # another key, its own value


def test_an_expired_value_is_computed_by_one_worker_while_the_others_answer_with_it(redis_server: RedisServer) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}:"
    first, second = _worker(redis_server.url, prefix, 0.05), _worker(redis_server.url, prefix, 0.05)
    assert _call(first, lambda: "old") == "old"
    time.sleep(0.1)  # expired for both
    started, release, out = threading.Event(), threading.Event(), []

    def slow() -> str:
        started.set()
        assert release.wait(10)
        return "new"

    leader = threading.Thread(target=lambda: out.append(_call(first, slow)))
    leader.start()
    assert started.wait(10)
    assert _call(second, _never) == "old"  # the other worker does not compute it a second time
    release.set()
    leader.join(10)
    assert out == ["new"]
    assert _call(second, _never) in ("new", "old")  # "old" only if 0.05 s passed again meanwhile


def test_without_any_value_the_other_workers_wait_for_the_one_computation(workers: tuple[Flask, Flask]) -> None:
    first, second = workers
    started, release, calls, out = threading.Event(), threading.Event(), [], []

    def slow() -> str:
        calls.append(1)
        started.set()
        assert release.wait(10)
        return "数字"

    leader = threading.Thread(target=lambda: out.append(_call(first, slow)))
    leader.start()
    assert started.wait(10)
    followers = [threading.Thread(target=lambda: out.append(_call(second, slow))) for _ in range(3)]
    for thread in followers:
        thread.start()
    time.sleep(0.2)  # the followers are polling for the value
    release.set()
    for thread in (leader, *followers):
        thread.join(10)
    assert out == ["数字"] * 4 and len(calls) == 1


def test_a_failed_computation_gives_the_lock_back(workers: tuple[Flask, Flask]) -> None:
    first, second = workers

    def failing() -> str:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        _call(first, failing)
    assert _call(second, lambda: "recomputed") == "recomputed"


def test_when_redis_is_away_each_worker_computes_for_itself(caplog: pytest.LogCaptureFixture,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from lti_tool.reports import shared_cache

    monkeypatch.setattr(shared_cache, "_last_warning", float("-inf"))  # not muted by an earlier test's warning
    app = _worker(f"redis://:pw-not-logged@127.0.0.1:{free_port()}/0", "t:")
    calls: list[int] = []
    assert _call(app, lambda: calls.append(1) or "局部") == "局部"
    assert _call(app, lambda: calls.append(1) or "again") == "局部"  # the worker's own cache
    assert calls == [1]
    assert "dashboard_cache_redis_unavailable" in caplog.text and "pw-not-logged" not in caplog.text


def test_the_overview_is_computed_once_for_two_tool_instances(database_url: str, tmp_path: Any,
                                                             redis_server: RedisServer,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Two tool instances (two workers, or two web machines) with the same Redis: a member's 研修主页
    from the second is the figures the first computed, not a second computation, on either database."""
    from lti_tool.extensions import db
    from lti_tool.reports import overview_views
    from tests.conftest import make_app
    from tests.fixtures.lti import lti_harness
    from tests.fixtures.servers import ServerThread

    from ..workshops.test_studio import studio_world
    from .test_overview import number

    monkeypatch.setenv("YANXIU_REDIS_URL", redis_server.url)
    monkeypatch.setenv("YANXIU_REDIS_PREFIX", f"t{uuid.uuid4().hex[:8]}:")
    computed: list[int] = []
    build = overview_views.build_overview
    monkeypatch.setattr(overview_views, "build_overview", lambda *a, **k: computed.append(1) or build(*a, **k))
    with lti_harness(database_url, tmp_path / "i") as lti:
        w = studio_world(lti)
        other = make_app(database_url, tmp_path / "i", BASE_URL=lti.tool_url)
        second = ServerThread(other).start()
        try:
            zhou = w["people"]["zhouting"].session
            first_page = zhou.get(w["base"] + "/overview")
            assert first_page.status_code == 200 and computed == [1]
            again = zhou.get(w["base"].replace(lti.tool_url, second.url) + "/overview")
            assert again.status_code == 200 and computed == [1], "the second instance computed it again"
            for figure in ("members", "started"):
                assert number(again.text, figure) == number(first_page.text, figure)
        finally:
            second.stop()
            with other.app_context():
                db.session.remove()
                db.engine.dispose()


def test_the_county_view_is_computed_once_for_two_tool_instances(database_url: str, tmp_path: Any,
                                                                 redis_server: RedisServer,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The county (program) view the same way: a program manager's page from the second instance is
    the first one's computation, read back from its JSON, with the same workshops, tutors and hosts."""
    from lti_tool.extensions import db
    from lti_tool.reports import program_views
    from tests.conftest import make_app
    from tests.fixtures.lti import lti_harness
    from tests.fixtures.servers import ServerThread

    from ..workshops.test_studio import studio_world

    monkeypatch.setenv("YANXIU_REDIS_URL", redis_server.url)
    monkeypatch.setenv("YANXIU_REDIS_PREFIX", f"t{uuid.uuid4().hex[:8]}:")
    computed: list[int] = []
    build = program_views.build_program
    monkeypatch.setattr(program_views, "build_program", lambda *a, **k: computed.append(1) or build(*a, **k))
    with lti_harness(database_url, tmp_path / "i") as lti:
        studio_world(lti)
        other = make_app(database_url, tmp_path / "i", BASE_URL=lti.tool_url)
        second = ServerThread(other).start()
        try:
            admin = lti.driver()
            admin.launch("linhai")
            first_page = admin.session.get(lti.tool_url + "/program/")
            assert first_page.status_code == 200 and computed == [1]
            again = admin.session.get(second.url + "/program/")
            assert again.status_code == 200 and computed == [1], "the second instance computed it again"
            body = again.text.split("<main", 1)[-1]
            assert body == first_page.text.split("<main", 1)[-1]
            assert "胡文斌" in body and "马晓燕" in body
        finally:
            second.stop()
            with other.app_context():
                db.session.remove()
                db.engine.dispose()
