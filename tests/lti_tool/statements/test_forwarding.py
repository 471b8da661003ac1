"""Forwarding to a real Ralph LRS on 127.0.0.1 (issue xAPI §7 and its outage tests): statements of
every kind arrive once and validate; an LRS outage loses nothing; a forwarder killed mid-batch and
restarted delivers everything exactly once; a 409 is recorded and not retried forever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Lrs
from lti_tool.statements.forwarder import Forwarder, add_lrs, backlog
from lti_tool.statements.store import store_statements
from tests.fixtures.ralph_lrs import PASSWORD, USER, RalphServer
from tests.xapi.test_builders import event
from xapi import BUILDERS, build_statement

pytestmark = pytest.mark.ralph


def every_kind(n: int = 1) -> list[dict[str, Any]]:
    return [build_statement(kind, event(kind, key=f"{kind}:{i}")) for i in range(n) for kind in sorted(BUILDERS)]


def simple(i: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "https://moodle.example.cn", "name": str(i)}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"objectType": "Activity", "id": f"https://yanxiu.example.cn/xapi/activities/page/{i}"},
        "timestamp": "2026-11-22T10:00:00.000Z",
    }


def _lrs(app: Any, ralph: RalphServer, batch_size: int = 50) -> int:
    with app.app_context():
        return add_lrs(app.config["SECRET_KEY"], ralph.endpoint, USER, PASSWORD, batch_size=batch_size).id


def _ids(statements: list[dict[str, Any]]) -> list[str]:
    return sorted(s["id"] for s in statements)


def test_every_kind_arrives_once_and_validates(app: Any, ralph: RalphServer) -> None:
    lrs_id = _lrs(app, ralph)
    sent = every_kind(2)
    with app.app_context():
        store_statements(sent)
        result = Forwarder(app.config["SECRET_KEY"]).drain()
        assert result[lrs_id].delivered == len(sent)
        assert backlog(lrs_id) == (0, 0)
    held = ralph.statements()
    assert _ids(held) == _ids(sent)
    for statement in held:
        BaseXapiStatement(**statement)


def test_outage_loses_nothing_and_duplicates_nothing(app: Any, ralph: RalphServer) -> None:
    """Stop Ralph, generate statements, restart it: they all arrive exactly once."""
    lrs_id = _lrs(app, ralph, batch_size=20)
    first = [simple(i) for i in range(30)]
    with app.app_context():
        store_statements(first)
        Forwarder(app.config["SECRET_KEY"]).drain()
    ralph.stop()
    second = [simple(i) for i in range(30, 95)]
    with app.app_context():
        store_statements(second)  # learners are never blocked by the LRS being down
        forwarder = Forwarder(app.config["SECRET_KEY"], timeout=2)
        result = forwarder.drain()
        assert result[lrs_id].failed and result[lrs_id].delivered == 0
        assert backlog(lrs_id) == (65, 0)
        lrs = db.session.get(Lrs, lrs_id)
        assert lrs is not None and lrs.last_error
    ralph.start()
    with app.app_context():
        forwarder.drain(ignore_backoff=True)
        assert backlog(lrs_id) == (0, 0)
    assert _ids(ralph.statements()) == _ids(first + second)


class _LoseResponses:
    """An HTTP session whose POST reaches the LRS but whose answer is lost (a crash after send)."""

    def __init__(self) -> None:
        import requests

        self._real = requests.Session()

    def post(self, *args: Any, **kwargs: Any) -> Any:
        import requests

        self._real.post(*args, **kwargs)
        raise requests.ConnectionError("connection reset after the request was sent")


def test_answer_lost_after_send_is_resent_and_stored_once(app: Any, ralph: RalphServer) -> None:
    lrs_id = _lrs(app, ralph, batch_size=25)
    sent = [simple(i) for i in range(60)]
    with app.app_context():
        store_statements(sent)
        Forwarder(app.config["SECRET_KEY"], session=_LoseResponses()).deliver_batch(db.session.get(Lrs, lrs_id))
        assert backlog(lrs_id)[0] == 60  # nothing confirmed, so nothing dropped from the outbox
        Forwarder(app.config["SECRET_KEY"]).drain(ignore_backoff=True)
        assert backlog(lrs_id) == (0, 0)
    held = ralph.statements()
    assert _ids(held) == _ids(sent)  # the first 25 reached Ralph twice, are stored once


def test_forwarder_process_killed_mid_run_then_restarted(
    app: Any, ralph: RalphServer, database_url: str, tmp_path: Path
) -> None:
    """A real `yanxiu xapi forward` worker is SIGKILLed while delivering; `--once` then finishes
    the job and exits 0; Ralph holds every statement exactly once."""
    lrs_id = _lrs(app, ralph, batch_size=10)
    sent = [simple(i) for i in range(400)]
    with app.app_context():
        store_statements(sent)
    env = dict(os.environ, YANXIU_DATABASE_URL=database_url, YANXIU_SECRET_KEY=app.config["SECRET_KEY"],
               YANXIU_INSTANCE_PATH=str(tmp_path / "fw"))
    yanxiu = [sys.executable, "-m", "lti_tool.cli"]
    worker = subprocess.Popen([*yanxiu, "xapi", "forward"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with app.app_context():
                pending = backlog(lrs_id)[0]
            if pending < 400:
                break
            time.sleep(0.05)
        assert pending < 400, "the worker delivered nothing"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    once = subprocess.run([*yanxiu, "xapi", "forward", "--once"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert once.returncode == 0, once.stdout + once.stderr
    assert _ids(ralph.statements()) == _ids(sent)


def test_conflict_is_recorded_not_retried(app: Any, ralph: RalphServer) -> None:
    """Same id, other content already in the LRS: 409 kept on the status, the rest delivered."""
    import requests

    clash = simple(1)
    other = dict(clash, object={"objectType": "Activity", "id": "https://elsewhere.example/x"})
    requests.post(ralph.endpoint + "statements", json=[other], auth=(USER, PASSWORD),
                  headers={"X-Experience-API-Version": "1.0.3"}, timeout=10).raise_for_status()
    lrs_id = _lrs(app, ralph)
    with app.app_context():
        store_statements([simple(0), clash, simple(2)])
        result = Forwarder(app.config["SECRET_KEY"]).drain()
        assert result[lrs_id].delivered == 2 and result[lrs_id].conflicts == 1
        assert backlog(lrs_id) == (0, 1)
        again = Forwarder(app.config["SECRET_KEY"]).drain(ignore_backoff=True)
        assert again[lrs_id].delivered == 0  # not retried
        lrs = db.session.scalars(select(Lrs)).one()
        assert "409" in (lrs.last_error or "")


def test_two_lrss_keep_their_own_entries(app: Any, ralph: RalphServer) -> None:
    """One LRS delivered, another down: the outbox is keyed by (LRS, statement), so what one LRS
    received, backed off or refused never touches the other's entries for the same statements."""
    import requests

    from lti_tool.models import OutboxEntry
    from tests.fixtures.servers import free_port

    up = _lrs(app, ralph)
    with app.app_context():
        down = add_lrs(app.config["SECRET_KEY"], f"http://127.0.0.1:{free_port()}/xAPI/", USER, PASSWORD).id
        clash = simple(1)
        requests.post(ralph.endpoint + "statements", json=[dict(clash, object={"id": "https://elsewhere.example/x"})],
                      auth=(USER, PASSWORD), headers={"X-Experience-API-Version": "1.0.3"}, timeout=10)
        store_statements([simple(0), clash, simple(2)])
        result = Forwarder(app.config["SECRET_KEY"], timeout=2).drain()
        assert (result[up].delivered, result[up].conflicts, result[up].failed) == (2, 1, False)
        assert result[down].failed and result[down].delivered == 0
        assert backlog(up) == (0, 1) and backlog(down) == (3, 0)
        waiting = db.session.scalars(select(OutboxEntry).where(OutboxEntry.lrs_id == down)).all()
        assert [(e.attempts, e.next_attempt_at is not None, e.conflict) for e in waiting] == [(1, True, False)] * 3
