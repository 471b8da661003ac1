"""PostgreSQL restarted under a running deployment (a minor-version update, a failover): while it
is down the web workers answer 503 with Retry-After and the forwarder waits; once it is back both
carry on by themselves, and nothing sent while it was down is half-stored. A cluster of the test's
own (restarting the suite's shared one would pull it from under the other tests)."""

from __future__ import annotations

import base64
import json
import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.fixtures.postgres import PostgresServer
from tests.fixtures.servers import free_port

from .test_production_profile import V, _spawn, _statement, _stop, wait_until, yanxiu

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]


@pytest.fixture
def cluster() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


def _get(url: str) -> requests.Response | None:
    try:
        return requests.get(url, timeout=5)
    except requests.RequestException:
        return None


def test_a_restarted_database_is_a_503_then_business_as_usual(cluster: PostgresServer, tmp_path: Path) -> None:
    db_url = cluster.url()
    port = free_port()
    tool = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("YANXIU_")}
    env.update({"YANXIU_ENV": "production", "YANXIU_DATABASE_URL": db_url, "YANXIU_BASE_URL": tool,
                "YANXIU_INSTANCE_PATH": str(tmp_path / "instance")})
    assert yanxiu("db", "upgrade", env=env).returncode == 0
    made = yanxiu("xapi", "client", "add", "--name", "H5P", env=env)
    assert made.returncode == 0, made.stderr
    key, secret = (line.split(": ", 1)[1] for line in made.stdout.splitlines()[:2])
    basic = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
    auth = {**V, "Content-Type": "application/json", "Authorization": basic}
    server = _spawn(["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"], env,
                    tmp_path / "serve.log")
    worker = _spawn(["xapi", "forward"], env, tmp_path / "forward.log")
    run = uuid.uuid4().hex
    try:
        wait_until(lambda: (r := _get(tool + "/healthz")) is not None and r.status_code == 200, 60, "serve healthy")
        wait_until(lambda: (r := _get(tool + "/healthz/worker")) is not None and r.status_code == 200, 60,
                   "the forwarder holding its lease")
        before = requests.post(tool + "/xapi/statements", data=json.dumps([_statement(0, run)]), headers=auth,
                               timeout=10)
        assert before.status_code == 200, before.text

        cluster.pause()
        down = _get(tool + "/healthz")
        assert down is not None and down.status_code == 503 and down.headers["Retry-After"] == "30"
        refused = requests.post(tool + "/xapi/statements", data=json.dumps([_statement(1, run)]), headers=auth,
                                timeout=10)
        assert refused.status_code == 503 and "数据库暂时不可用" in refused.json()["message"]
        assert server.poll() is None and worker.poll() is None  # both ride it out

        cluster.resume()
        wait_until(lambda: (r := _get(tool + "/healthz")) is not None and r.status_code == 200, 60,
                   "serve healthy again")
        again = requests.post(tool + "/xapi/statements", data=json.dumps([_statement(1, run)]), headers=auth,
                              timeout=10)
        assert again.status_code == 200, again.text  # the client's retry
        wait_until(lambda: (r := _get(tool + "/healthz/worker")) is not None and r.status_code == 200, 60,
                   "the forwarder holding its lease again")
    finally:
        _stop(server, signal.SIGQUIT)
        _stop(worker, signal.SIGINT)
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT count(*) FROM xapi_statements")).scalar()
    finally:
        engine.dispose()
    assert stored == 2  # the refused one was not half-stored: its retry is the only copy
    serve_log = (tmp_path / "serve.log").read_text()
    assert "database_unavailable" in serve_log and "Traceback" not in serve_log
    forward_log = (tmp_path / "forward.log").read_text()
    assert "Traceback" not in forward_log
    # The worker says why it waits: no database, not a second worker holding the lease.
    assert "outbox_worker_lease_lost" in forward_log and "the database is unreachable" in forward_log
    assert "another worker holds the lease" not in forward_log
