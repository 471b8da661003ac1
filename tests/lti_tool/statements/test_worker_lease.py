"""One outbox worker at a time per database (statements/worker_lease.py): a second one stands by,
takes over when the first stops or its process is killed, and two started at once deliver every
statement once. Real locks on SQLite (flock) and PostgreSQL (advisory lock), a real worker process
and a real Ralph LRS."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from lti_tool.extensions import db
from lti_tool.models import Lrs
from lti_tool.statements.forwarder import Forwarder, backlog, run_loop
from lti_tool.statements.store import store_statements
from lti_tool.statements.worker_lease import WorkerLease
from tests.fixtures.ralph_lrs import RalphServer

from .test_forwarding import _ids, _lrs, simple


def _eventually(check: Any, seconds: float = 30) -> bool:
    """Whether `check()` came true within `seconds` (how long a standby may take, not a speed check)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def _taken_elsewhere(lease: WorkerLease) -> bool:
    """Whether someone else holds the lease now; if nobody did, this one gives it back at once."""
    if lease.held():
        lease.release()
        return False
    return True


def test_one_lease_at_a_time_and_the_standby_takes_over(app: Any) -> None:
    with app.app_context():
        first, second = WorkerLease(db.engine), WorkerLease(db.engine)
        try:
            assert first.held()
            assert not second.held() and not second.held()
            assert first.held()  # holding it again is still holding it
            first.release()
            assert second.held()
            assert not first.held()
        finally:
            first.release()
            second.release()


def test_a_killed_worker_process_hands_the_lease_on(app: Any, database_url: str, tmp_path: Path) -> None:
    """`yanxiu xapi forward` holds the lease; SIGKILLed, it cannot give it back itself: the database
    (PostgreSQL ends the session) or the kernel (the flock's file closes) does."""
    env = dict(os.environ, YANXIU_DATABASE_URL=database_url, YANXIU_SECRET_KEY=app.config["SECRET_KEY"],
               YANXIU_INSTANCE_PATH=str(tmp_path / "fw"))
    worker = subprocess.Popen([sys.executable, "-m", "lti_tool.cli", "xapi", "forward"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with app.app_context():
        standby = WorkerLease(db.engine)
        try:
            assert _eventually(lambda: _taken_elsewhere(standby)), "the worker never took the lease"
            assert worker.poll() is None, "the worker exited"
            assert not standby.held()
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            assert _eventually(standby.held)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
            standby.release()


@pytest.mark.ralph
def test_two_workers_at_once_deliver_every_statement_once(app: Any, ralph: RalphServer,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers (one per machine, say) against one outbox: without the lease both would drain
    it, racing for the same batches; with it only one ever does, and the LRS's delivered count is
    the number of statements."""
    lrs_id = _lrs(app, ralph, batch_size=10)
    sent = [simple(i) for i in range(200)]
    stops = [threading.Event(), threading.Event()]
    workers = [threading.Thread(target=run_loop, args=(app, stop, 0.05), name=f"worker-{i}")
               for i, stop in enumerate(stops)]
    draining: set[str] = set()
    drain = Forwarder.drain

    def recorded(self: Forwarder, *args: Any, **kwargs: Any) -> Any:
        draining.add(threading.current_thread().name)
        return drain(self, *args, **kwargs)

    monkeypatch.setattr(Forwarder, "drain", recorded)
    with app.app_context():
        store_statements(sent)
    for worker in workers:
        worker.start()
    try:
        with app.app_context():

            def pending() -> int:
                db.session.rollback()  # a fresh read each time
                return backlog(lrs_id)[0]

            assert _eventually(lambda: pending() == 0, 120)
            time.sleep(0.5)  # both workers have had several turns by now
            lrs = db.session.get(Lrs, lrs_id)
            assert lrs is not None and lrs.delivered_count == len(sent)
    finally:
        for stop in stops:
            stop.set()
        for worker in workers:
            worker.join(30)
    assert _ids(ralph.statements()) == _ids(sent)
    assert len(draining) == 1, draining


def test_a_manual_drain_leaves_a_running_worker_alone(app: Any, database_url: str, tmp_path: Path) -> None:
    """`yanxiu xapi forward --once` while a worker holds the lease sends nothing and says so (exit 2);
    with no worker it drains as before (exit 0: nothing is left)."""
    env = dict(os.environ, YANXIU_DATABASE_URL=database_url, YANXIU_SECRET_KEY=app.config["SECRET_KEY"],
               YANXIU_INSTANCE_PATH=str(tmp_path / "fw"))
    once = [sys.executable, "-m", "lti_tool.cli", "xapi", "forward", "--once"]
    with app.app_context():
        worker = WorkerLease(db.engine)
        try:
            assert worker.held()
            busy = subprocess.run(once, env=env, capture_output=True, text=True, timeout=120)
            assert busy.returncode == 2 and "another forwarder is running" in busy.stderr, busy.stderr
        finally:
            worker.release()
    free = subprocess.run(once, env=env, capture_output=True, text=True, timeout=120)
    assert free.returncode == 0, free.stdout + free.stderr


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_the_lease_leaves_no_transaction_open(app: Any) -> None:
    """The worker's lease connection lives as long as the worker: a transaction left open on it
    would hold back PostgreSQL's cleanup (VACUUM) of every table for that long."""
    from sqlalchemy import text

    with app.app_context():
        lease = WorkerLease(db.engine)
        try:
            assert lease.held() and lease.held()  # taken, then checked again
            pid = lease._conn.connection.driver_connection.info.backend_pid
            state = db.session.scalar(text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})
            assert state == "idle", state
        finally:
            lease.release()


def test_monitoring_sees_whether_a_worker_runs(app: Any, database_url: str, tmp_path: Path) -> None:
    """/healthz/worker: 503 while nobody holds the lease (no statement forwarded, no score sent),
    200 while a lease is held in this process or by `yanxiu xapi forward`, 503 once it is killed.
    The check takes nothing: the worker still gets the lease after it."""
    from lti_tool.statements.worker_lease import worker_running

    client = app.test_client()
    absent = client.get("/healthz/worker")
    assert absent.status_code == 503 and absent.get_json()["worker"] == "absent"
    assert "yanxiu xapi forward" in absent.get_json()["message"]
    with app.app_context():
        lease = WorkerLease(db.engine)
        try:
            assert lease.held()  # the probe above left nothing behind
            assert worker_running(db.engine) and worker_running(db.engine)
            assert client.get("/healthz/worker").get_json() == {"worker": "running"}
        finally:
            lease.release()
        assert not worker_running(db.engine)
    env = dict(os.environ, YANXIU_DATABASE_URL=database_url, YANXIU_SECRET_KEY=app.config["SECRET_KEY"],
               YANXIU_INSTANCE_PATH=str(tmp_path / "fw"))
    worker = subprocess.Popen([sys.executable, "-m", "lti_tool.cli", "xapi", "forward"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _eventually(lambda: client.get("/healthz/worker").status_code == 200), "the worker was not seen"
        assert worker.poll() is None  # still running: the probes did not disturb it
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        assert _eventually(lambda: client.get("/healthz/worker").status_code == 503)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
