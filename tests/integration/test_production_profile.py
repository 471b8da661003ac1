"""The production profile run for real (issue 7 §2): `yanxiu db upgrade`, then `yanxiu serve
--workers 3` (gunicorn) on PostgreSQL and Redis, and `yanxiu xapi forward` as its own process
delivering to a real Ralph LRS, all on loopback, every one a subprocess started by the commands an
operator types (docs/deploy.md). Plus the Redis storage and key-set cache in-process, and clear
startup errors for bad configuration.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from lti_tool.devlms import FormPost, LaunchDriver, LaunchError, PlatformConfig, create_platform_app
from lti_tool.lti.errors import LtiError
from lti_tool.lti.storage_redis import RedisPlatformKeys, safe_redis_url
from tests.fixtures.lti import lti_harness, tool_endpoints
from tests.fixtures.postgres import PostgresServer
from tests.fixtures.ralph_lrs import RalphServer
from tests.fixtures.redis_server import RedisServer
from tests.fixtures.registration import register
from tests.fixtures.servers import LateBoundApp, ServerThread, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.ralph, pytest.mark.timeout(180)]

REDIS_PASSWORD = "redis-pw-not-in-logs"
PARTICIPANTS = ["wanglihua", "lijianguo", "zhangxiuying", "liuyang", "chenjing", "yangfan",
                "zhaomin", "huanglei", "zhouting", "wuzhiqiang", "xufang", "sunhao"]
V = {"X-Experience-API-Version": "1.0.3"}


def yanxiu(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the `yanxiu` command exactly as an operator would (a fresh process)."""
    return subprocess.run([sys.executable, "-m", "lti_tool.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def wait_until(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} not reached within {timeout} s")


@dataclass
class Profile:
    tool_url: str
    platform_url: str
    db_url: str
    redis: RedisServer
    ralph: RalphServer
    client_key: str
    client_secret: str
    serve_log: Path
    forward_log: Path
    engine: sa.Engine
    platform: Any  # the development platform's state: what it received

    def driver(self) -> LaunchDriver:
        return LaunchDriver(self.platform_url)

    def access_lines(self) -> list[tuple[str, str]]:
        """(worker pid, request line) of each request gunicorn logged, in order."""
        return re.findall(r'<(\d+)> "([^"]*)"', self.serve_log.read_text())


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "lti_tool.cli", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen[bytes], sig: int) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            # The test is over: a couple of seconds for a clean exit, then the whole process group.
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _start(ralph: RalphServer) -> BaseException | None:
    try:
        ralph.start()
    except BaseException as exc:
        return exc
    return None


@pytest.fixture(scope="module")
def profile(pg_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Profile]:
    root = tmp_path_factory.mktemp("production")
    name = "prod_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    db_url = pg_server.url(name)
    redis_server = RedisServer(password=REDIS_PASSWORD).start()
    # Ralph takes seconds to start: let it come up while the tool is migrated and started.
    ralph = RalphServer()
    ralph_started: list[BaseException | None] = []
    ralph_thread = threading.Thread(target=lambda: ralph_started.append(_start(ralph)), daemon=True)
    ralph_thread.start()
    port = free_port()
    tool_url = f"http://127.0.0.1:{port}"
    platform_late = LateBoundApp()
    platform_server = ServerThread(platform_late).start()
    config = PlatformConfig(issuer=platform_server.url, tool=tool_endpoints(tool_url), profile="moodle",
                            client_id="yanxiu-moodle")
    platform_app = create_platform_app(config)
    platform_late.target = platform_app
    state = platform_app.extensions["devlms"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("YANXIU_")}
    env.update({
        "YANXIU_ENV": "production",
        "YANXIU_DATABASE_URL": db_url,
        "YANXIU_REDIS_URL": redis_server.url,
        "YANXIU_INSTANCE_PATH": str(root / "instance"),
        "YANXIU_BASE_URL": tool_url,
        # Every roster counts as a city's here: a host's launch only asks, the forwarder process syncs.
        "YANXIU_ROSTER_INLINE_MEMBERS": "0",
    })
    engine = sa.create_engine(db_url)
    procs: list[tuple[subprocess.Popen[bytes], int]] = []
    try:
        done = yanxiu("db", "upgrade", env=env)
        assert done.returncode == 0, done.stderr[-2000:]
        assert REDIS_PASSWORD not in done.stdout + done.stderr
        key, secret = register(env, config, state, ralph, client_name="H5P <script>alert(1)</script>")
        serve_log, forward_log = root / "serve.log", root / "forward.log"
        server = _spawn(["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "3", "--threads", "4"],
                        env, serve_log)
        procs.append((server, signal.SIGQUIT))  # gunicorn: quick stop; the test needs no graceful drain
        forwarder = _spawn(["xapi", "forward"], env, forward_log)
        procs.append((forwarder, signal.SIGINT))  # what the systemd unit sends (KillSignal=SIGINT)

        def healthy() -> bool:
            assert server.poll() is None, serve_log.read_text()[-3000:]
            try:
                return requests.get(tool_url + "/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_until(healthy, 60, "yanxiu serve healthy")
        # Every worker is up (3 booted), so requests can land on any of them.
        wait_until(lambda: serve_log.read_text().count("Booting worker") >= 3, 30, "three workers booted")
        ralph_thread.join(60)
        assert ralph_started == [None], ralph_started
        yield Profile(tool_url, platform_server.url, db_url, redis_server, ralph, key, secret, serve_log,
                      forward_log, engine, state)
    finally:
        for proc, sig in procs:
            _stop(proc, sig)
        engine.dispose()
        platform_server.stop()
        ralph.close()
        redis_server.stop()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _close_each_request(driver: LaunchDriver) -> LaunchDriver:
    # A new TCP connection per request: keep-alive would pin a browser to one worker.
    driver.session.headers["Connection"] = "close"
    return driver


def test_launch_state_lives_in_redis_and_replays_fail_on_every_worker(profile: Profile) -> None:
    """The login writes the nonce to Redis (not the database), the launch consumes the nonce and
    stores launch data with an expiry, the platform key set is shared in Redis, and the same
    id_token replayed 6 times is refused each time, whichever of the 3 workers receives it."""
    redis_client = profile.redis.client()
    driver = _close_each_request(profile.driver())
    auth_request = driver.login(driver.begin("wanglihua"))
    nonce_keys = redis_client.keys("yanxiu:lti:lti1p3-nonce-*")
    assert len(nonce_keys) == 1 and 0 < redis_client.ttl(nonce_keys[0]) <= 86400
    # pylti1p3 binds the state to the browser by a cookie; the nonce is the server-side half.
    assert any(name.startswith("lti1p3-state-") for name in driver.session.cookies.keys())
    form = driver.auth(auth_request)
    first = driver.post(form, follow=False)
    assert first.status_code in (200, 302), first.text[:500]
    assert redis_client.exists(nonce_keys[0]) == 0, "the nonce is consumed by the launch"
    launch_keys = redis_client.keys("yanxiu:lti:lti1p3-launch-*")
    assert launch_keys and all(0 < redis_client.ttl(k) <= 86400 for k in launch_keys)
    # The platform's key set, fetched by the worker that verified the token, is shared with the others.
    jwks_keys = redis_client.keys("yanxiu:jwks:*")
    assert len(jwks_keys) == 1 and 0 < redis_client.ttl(jwks_keys[0]) <= 3600
    with profile.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM lti_state")).scalar() == 0
    for _ in range(6):
        replay = driver.post(FormPost(form.action, form.fields), follow=False)
        assert replay.status_code == 400 and "replayed_nonce" in replay.text


def test_launches_cross_workers_sequentially_and_concurrently(profile: Profile) -> None:
    """Launch flows whose login and launch were served by different gunicorn workers (pids in the
    access log) succeed; 12 participants launching at once from 4 threads all get in."""
    # gunicorn writes a line after the response: let the previous test's last lines arrive first.
    before = -1
    while before != len(profile.access_lines()):
        before = len(profile.access_lines())
        time.sleep(0.5)
    crossed = 0
    for user in PARTICIPANTS[:10]:
        driver = _close_each_request(profile.driver())
        resp = driver.launch(user, follow=False)
        assert resp.status_code in (200, 302), resp.text[:300]
    wait_until(lambda: sum(1 for _, r in profile.access_lines()[before:] if r.startswith("POST /lti/launch")) >= 10,
               10, "access log written")
    lines = profile.access_lines()[before:]
    login_pid = None
    for pid, request_line in lines:
        if " /lti/login" in request_line:  # Moodle posts the login initiation
            login_pid = pid
        elif request_line.startswith("POST /lti/launch"):
            assert login_pid is not None
            crossed += pid != login_pid
            login_pid = None
    assert crossed >= 1, f"no flow crossed workers: {lines}"
    assert len({pid for pid, _ in lines}) >= 2

    results: list[int] = []
    errors: list[BaseException] = []

    def launch_some(users: list[str]) -> None:
        try:
            for user in users:
                results.append(profile.driver().launch(user, follow=False).status_code)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=launch_some, args=(PARTICIPANTS[i::4],)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors, errors
    assert len(results) == 12 and all(code in (200, 302) for code in results), results


def _statement(i: int, run: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{run}/{i}")),
        "actor": {"objectType": "Agent", "name": "<img src=x onerror=alert(1)>",
                  "account": {"homePage": "https://moodle.example.cn", "name": str(i % 17)}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"objectType": "Activity", "id": f"https://h5p.example.cn/page/{i % 5}"},
        "timestamp": "2026-11-22T10:00:00.000Z",
    }


def test_concurrent_ingest_is_stored_once_and_forwarded_to_ralph(profile: Profile) -> None:
    """Six clients post 600 statements concurrently through /xapi/statements with the per-client
    credentials, each batch also sent a second time by another thread; every statement is stored
    exactly once, and the forwarder process delivers every stored statement (launch statements
    included) to Ralph exactly once, leaving the outbox empty. Wrong credentials get 401."""
    run = uuid.uuid4().hex
    batches = [[_statement(b * 20 + i, run) for i in range(20)] for b in range(30)]
    auth = "Basic " + base64.b64encode(f"{profile.client_key}:{profile.client_secret}".encode()).decode()
    headers = {**V, "Authorization": auth, "Content-Type": "application/json"}
    statuses: list[int] = []
    errors: list[BaseException] = []

    def post_batches(worker: int) -> None:
        session = requests.Session()
        try:
            for b in range(worker, 30, 6):
                for batch in (batches[b], batches[(b + 1) % 30]):  # the neighbour's batch: a concurrent re-send
                    resp = session.post(profile.tool_url + "/xapi/statements", data=json.dumps(batch),
                                        headers=headers, timeout=30)
                    statuses.append(resp.status_code)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=post_batches, args=(w,)) for w in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(90)
    assert not errors, errors
    assert statuses and all(s == 200 for s in statuses), statuses
    ids = {s["id"] for batch in batches for s in batch}
    assert len(ids) == 600
    wrong = requests.post(profile.tool_url + "/xapi/statements", data="[]", timeout=10,
                          headers={**V, "Authorization": "Basic " + base64.b64encode(b"yx_x:nope").decode()})
    assert wrong.status_code == 401

    with profile.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT id FROM xapi_statements")).scalars().all()
    assert len(stored) == len(set(stored)), "a statement id stored twice"
    assert ids <= set(stored)
    all_ids = set(stored)

    def delivered() -> bool:
        with profile.engine.connect() as conn:
            left = conn.execute(sa.text("SELECT count(*) FROM xapi_outbox")).scalar()
        return left == 0

    wait_until(delivered, 60, "outbox drained by the forwarder process")
    lines = profile.ralph.raw_lines()
    in_ralph = [line["id"] for line in lines]
    assert all_ids <= set(in_ralph), f"missing in Ralph: {len(all_ids - set(in_ralph))}"
    assert len(in_ralph) == len(set(in_ralph)), "Ralph received a statement twice"
    assert "lrs_rejected" not in profile.forward_log.read_text()


def test_a_hosts_launch_has_the_forwarder_process_sync_the_roster(profile: Profile) -> None:
    """A host's launch into a workshop whose roster is too large to sync inside a request only asks
    for it; `yanxiu xapi forward`, a process of its own, then syncs the roster from the platform's
    NRPS (its token, its paging) and the members are there."""
    from lti_tool.devlms.demo_data import DEMO_COURSE

    home = _close_each_request(profile.driver()).launch("maxiaoyan")
    assert home.status_code == 200

    def synced() -> bool:
        with profile.engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM workshops WHERE roster_synced_at IS NOT NULL"
                                        " OR roster_sync_error IS NOT NULL")).scalar() == 1

    wait_until(synced, 60, "the roster synced by the forwarder process")
    with profile.engine.connect() as conn:
        error = conn.execute(sa.text("SELECT roster_sync_error FROM workshops")).scalar()
        members = conn.execute(sa.text("SELECT count(*) FROM workshop_members WHERE active")).scalar()
    assert error is None
    assert members == len(DEMO_COURSE.users)
    assert "roster sync workshop=" in profile.forward_log.read_text()
    assert "roster sync workshop=" not in profile.serve_log.read_text()  # not inside the launch


def _roster_synced(profile: Profile) -> bool:
    with profile.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM workshops WHERE roster_synced_at IS NOT NULL")).scalar() == 1


def test_grades_reach_the_gradebook_from_the_forwarder_process(profile: Profile) -> None:
    """The host chooses a grading scheme and opens the grade table, which computes every
    participant's grade and queues their scores; `yanxiu xapi forward`, not the web workers, posts
    them to the platform's gradebook (AGS, with its own token), and the queue empties."""
    from lti_tool.devlms.demo_data import DEMO_COURSE

    from ..lti_tool.workshops.test_pages import csrf

    host = _close_each_request(profile.driver())
    base = host.launch("maxiaoyan").url.rstrip("/")
    wait_until(lambda: _roster_synced(profile), 60, "the roster synced by the forwarder process")
    token = csrf(host.session.get(base + "/setup").text)
    saved = host.session.post(base + "/setup", data={
        "csrf_token": token, "title": "小学数学工作坊", "subject": "数学", "term": "2026", "required_hours": "25",
        "minutes_per_hour": "45", "hours_rounding": "proportional", "grading_preset": "zhenjiang-80-20"})
    assert saved.status_code == 200 and "已保存" in saved.text
    assert host.session.get(base + "/grades").status_code == 200  # computed: one score owed per participant
    participants = {profile.platform.subject(u) for u in DEMO_COURSE.users if u.role == "participant"}

    def received() -> bool:
        with profile.engine.connect() as conn:
            owed = conn.execute(sa.text("SELECT count(*) FROM ags_outbox")).scalar()
        return owed == 0 and participants <= {s["userId"] for s in profile.platform.scores}

    wait_until(received, 60, "every participant's score posted by the forwarder process")
    scores = [s for s in profile.platform.scores if s["userId"] in participants]
    assert all(s["gradingProgress"] == "FullyGraded" and s["scoreMaximum"] == 100 for s in scores)
    posted = [line for _, line in profile.access_lines() if "/writeback" in line]
    assert posted == [], "the web workers only queue; nobody pressed 立即回传"


def test_monitoring_sees_the_forwarder_process(profile: Profile) -> None:
    """GET /healthz/worker through gunicorn (3 workers, none running the worker thread) sees the
    separate `yanxiu xapi forward` process by its advisory lock."""
    def seen() -> bool:
        answer = requests.get(profile.tool_url + "/healthz/worker", timeout=5)
        return answer.status_code == 200 and answer.json() == {"worker": "running"}

    wait_until(seen, 60, "the forwarder seen by /healthz/worker")


def test_logs_never_show_the_redis_password(profile: Profile) -> None:
    """Neither the server's nor the forwarder's log contains the Redis password."""
    assert REDIS_PASSWORD not in profile.serve_log.read_text()
    assert REDIS_PASSWORD not in profile.forward_log.read_text()
    assert "Traceback" not in profile.serve_log.read_text()


# --- bad configuration: one clear line naming the variable, never a traceback -------------------


def _bad_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YANXIU_")}
    env.update({"YANXIU_INSTANCE_PATH": str(tmp_path / "instance"),
                "YANXIU_DATABASE_URL": f"sqlite:///{tmp_path / 'y.sqlite3'}"})
    env.update(values)
    return env


def test_unreachable_redis_stops_serve_with_a_clear_error(tmp_path: Path) -> None:
    """`yanxiu serve` with a Redis nobody listens on exits at once (no worker boots) with one
    error naming YANXIU_REDIS_URL, the password masked."""
    env = _bad_env(tmp_path, YANXIU_REDIS_URL=f"redis://:sekret-pw@127.0.0.1:{free_port()}/0")
    done = yanxiu("serve", "--port", str(free_port()), "--workers", "2", env=env, timeout=60)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "YANXIU_REDIS_URL" in output and ":***@127.0.0.1" in output
    assert "sekret-pw" not in output and "Traceback" not in output and "Booting worker" not in output


def _cli(env: dict[str, str], *args: str) -> Any:
    """The `yanxiu` command in-process (click's runner sets the environment for the call)."""
    from click.testing import CliRunner

    from lti_tool.cli import main

    unset = {k: None for k in os.environ if k.startswith("YANXIU_")}
    return CliRunner().invoke(main, list(args), env={**unset, **env})


@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1:6379/0", "must start with redis://"),
    ("redis://127.0.0.1:notaport/0", "not a valid URL"),
    ("redis:///0", "has no host"),
])
def test_malformed_redis_url_is_a_configuration_error(tmp_path: Path, url: str, message: str) -> None:
    """A malformed YANXIU_REDIS_URL fails any command with one line naming it, exit status 1."""
    result = _cli(_bad_env(tmp_path, YANXIU_REDIS_URL=url), "keys", "list")
    assert result.exit_code == 1, result.output
    assert "YANXIU_REDIS_URL" in result.output and message in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, ValueError)


@pytest.mark.parametrize("name, value, message", [
    ("YANXIU_UPLOAD_MAX_BYTES", "20MB", "must be an integer"),
    ("YANXIU_UPLOAD_MAX_BYTES", "0", "must be at least 1"),
    ("YANXIU_LTI_HTTP_TIMEOUT_SECONDS", "five", "must be a number"),
    ("YANXIU_DASHBOARD_CACHE_SECONDS", "-5", "must be at least 0"),
    ("YANXIU_ROSTER_PAGE_SIZE", "0", "must be at least 1"),
    ("YANXIU_GRADES_INLINE_LEARNERS", "5k", "must be an integer"),
])
def test_a_bad_number_is_a_configuration_error(tmp_path: Path, name: str, value: str, message: str) -> None:
    """Numeric variables are checked at start: one line naming the variable and the value."""
    result = _cli(_bad_env(tmp_path, **{name: value}), "keys", "list")
    assert result.exit_code == 1, result.output
    assert name in result.output and message in result.output and repr(value) in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, ValueError)


def test_unreachable_database_stops_serve_with_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database nobody listens on: `serve` stops before gunicorn with one error naming
    YANXIU_DATABASE_URL, the password masked."""
    import lti_tool.server

    monkeypatch.setattr(lti_tool.server, "run_gunicorn", lambda **kw: pytest.fail("gunicorn started"))
    env = _bad_env(tmp_path, YANXIU_DATABASE_URL=f"postgresql+psycopg://yx:db-pw-hidden@127.0.0.1:{free_port()}/x")
    result = _cli(env, "serve", "--port", str(free_port()))
    assert result.exit_code == 1 and "YANXIU_DATABASE_URL" in result.output and "***" in result.output
    assert "db-pw-hidden" not in result.output and "Traceback" not in result.output


def test_forwarder_with_unreachable_database_stops_with_a_clear_error(tmp_path: Path) -> None:
    """`yanxiu xapi forward` checks the database before its loop: one line naming
    YANXIU_DATABASE_URL, password masked, instead of a logged traceback every 2 s."""
    env = _bad_env(tmp_path, YANXIU_DATABASE_URL=f"postgresql+psycopg://yx:fw-pw-hidden@127.0.0.1:{free_port()}/x")
    result = _cli(env, "xapi", "forward", "--once")
    assert result.exit_code == 1, result.output
    assert "YANXIU_DATABASE_URL" in result.output and "fw-pw-hidden" not in result.output


def test_safe_redis_url_masks_only_the_password() -> None:
    """Masking keeps user, host, port and database, drops the password."""
    assert safe_redis_url("redis://app:pw@10.0.0.5:6380/2") == "redis://app:***@10.0.0.5:6380/2"
    assert safe_redis_url("rediss://:pw@cache/0") == "rediss://:***@cache/0"
    assert safe_redis_url("redis://cache:6379/0") == "redis://cache:6379/0"


# --- the Redis storage in-process, on both databases ---------------------------------------------


def test_redis_storage_in_process_on_both_databases(database_url: str, tmp_path: Path,
                                                    redis_server: RedisServer,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """With YANXIU_REDIS_URL set, a launch on either database keeps nothing in `lti_state`; a launch
    started on one app instance (worker) finishes on another; a replay is refused."""
    from lti_tool.extensions import db
    from lti_tool.models import LtiStateEntry
    from tests.conftest import make_app

    monkeypatch.setenv("YANXIU_REDIS_URL", redis_server.url)
    monkeypatch.setenv("YANXIU_REDIS_PREFIX", f"t{uuid.uuid4().hex[:6]}:")
    with lti_harness(database_url, tmp_path / "i") as h:
        other = make_app(database_url, tmp_path / "i", BASE_URL=h.tool_url)
        second = ServerThread(other).start()
        try:
            driver = h.driver()
            form = driver.authorize(driver.begin("lijianguo"))
            moved = FormPost(form.action.replace(h.tool_url, second.url), form.fields)
            assert driver.post(moved, follow=False).status_code == 302
            replay = driver.post(form, follow=False)
            assert replay.status_code == 400 and "replayed_nonce" in replay.text
            with h.tool_app.app_context():
                assert db.session.query(LtiStateEntry).count() == 0
        finally:
            second.stop()
            with other.app_context():
                db.session.remove()
                db.engine.dispose()


def test_redis_going_away_gives_a_503_page_not_a_traceback(database_url: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """When Redis is unreachable at request time, the login answers 503 with a bilingual message
    and the password never appears in the page."""
    monkeypatch.setenv("YANXIU_REDIS_URL", f"redis://:pw-not-shown@127.0.0.1:{free_port()}/0")
    with lti_harness(database_url, tmp_path / "i") as h:
        driver = h.driver()
        step = driver.begin("wanglihua")
        resp = driver.session.get(step.action, params=step.fields, allow_redirects=False, timeout=15)
        assert resp.status_code == 503
        assert "Redis" in resp.text and "pw-not-shown" not in resp.text and "Traceback" not in resp.text


# --- the shared key-set cache --------------------------------------------------------------------


class _CountingSession:
    """Stands in for requests.Session: serves a key set and counts fetches."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.keys = keys
        self.calls = 0

    def get(self, url: str, timeout: float) -> Any:
        self.calls += 1
        resp = requests.Response()
        resp.status_code = 200
        resp._content = json.dumps({"keys": self.keys}).encode()
        return resp


def _worker_keys(redis_server: RedisServer, prefix: str, platform: _CountingSession) -> RedisPlatformKeys:
    keys = RedisPlatformKeys(redis_server.client(), prefix, "redis://…", timeout=5)
    keys._session = platform  # type: ignore[assignment]
    return keys


def test_platform_key_sets_are_shared_between_workers(redis_server: RedisServer) -> None:
    """Worker A fetches the platform's key set once; worker B finds it in Redis without fetching.
    After the platform rotates, A re-fetches for the new kid and B adopts the new set from Redis;
    a forged kid still costs B its own (rate-limited) fetch and is refused."""
    prefix = f"k{uuid.uuid4().hex[:6]}:"
    url = "https://moodle.example.cn/mod/lti/certs.php"
    platform = _CountingSession([{"kid": "k1", "kty": "RSA"}])
    a, b = _worker_keys(redis_server, prefix, platform), _worker_keys(redis_server, prefix, platform)
    assert a.find(url, "k1")["kid"] == "k1" and platform.calls == 1
    assert b.find(url, "k1")["kid"] == "k1" and platform.calls == 1
    platform.keys = [{"kid": "k1", "kty": "RSA"}, {"kid": "k2", "kty": "RSA"}]
    assert a.find(url, "k2")["kid"] == "k2" and platform.calls == 2
    assert b.find(url, "k2")["kid"] == "k2" and platform.calls == 2
    with pytest.raises(LtiError):
        b.find(url, "forged")
    assert platform.calls == 3
    with pytest.raises(LtiError):
        b.find(url, "forged")
    assert platform.calls == 3, "a kid just seen missing is not re-fetched at once"


def test_key_set_cache_survives_redis_outage(tmp_path: Path) -> None:
    """With Redis unreachable the key-set cache falls back to fetching (a cache is only a cache)."""
    import redis as redis_lib

    client = redis_lib.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    platform = _CountingSession([{"kid": "k1", "kty": "RSA"}])
    keys = RedisPlatformKeys(client, "x:", "redis://…", timeout=5)
    keys._session = platform  # type: ignore[assignment]
    assert keys.find("https://p.example.cn/jwks", "k1")["kid"] == "k1" and platform.calls == 1


def test_the_overview_figures_are_kept_in_redis_for_every_worker(profile: Profile) -> None:
    """Through gunicorn's three workers, a participant's 研修主页 is cached in Redis (JSON with its
    time), not in each worker: every request, whichever worker takes it, shows the same figures."""
    learner = _close_each_request(profile.driver())
    base = learner.launch("wanglihua").url.rstrip("/")
    pages = [learner.session.get(base + "/overview", timeout=30) for _ in range(6)]
    assert all(page.status_code == 200 for page in pages)
    members = {re.search(r'id="members"[^>]*>([^<]*)<', page.text).group(1) for page in pages}  # type: ignore[union-attr]
    assert len(members) == 1
    keys = profile.redis.client().keys("yanxiu:cache:*")
    assert any(key.endswith(":at") for key in keys) and any(not key.endswith(":at") for key in keys)


def test_a_redis_restart_stops_launches_only_while_it_is_down(profile: Profile) -> None:
    """Redis restarted under the deployment (kept last in this module: it empties Redis). Someone
    already launched goes on working — the session is a signed cookie and the 研修主页 falls back
    to computing its figures — while a new launch gets the bilingual 503; once Redis is back,
    launches work again without restarting anything."""
    learner = _close_each_request(profile.driver())
    base = learner.launch("wanglihua").url.rstrip("/")
    newcomer = _close_each_request(profile.driver())
    profile.redis.pause()
    try:
        for page in ("/", "/overview", "/my-grade"):
            assert learner.session.get(base + page, timeout=30).status_code == 200, page
        step = newcomer.begin("lijianguo")
        refused = newcomer.session.get(step.action, params=step.fields, allow_redirects=False, timeout=30)
        assert refused.status_code == 503 and "Redis" in refused.text and REDIS_PASSWORD not in refused.text
    finally:
        profile.redis.start()

    def launches() -> bool:
        try:
            return _close_each_request(profile.driver()).launch("lijianguo").status_code == 200
        except LaunchError:  # refused while the workers reconnect: try again
            return False

    wait_until(launches, 30, "launches working again")
    assert "Traceback" not in profile.serve_log.read_text()
