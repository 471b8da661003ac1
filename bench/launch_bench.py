"""LTI launches (login + launch + the landing page) under a multi-worker server, signed by the
strict Moodle-shaped development platform, against a trivial request (GET /healthz: one
`SELECT 1`) on the same server, the same connections and the same concurrency: "a launch costs N×
a trivial request".

The tool runs under gunicorn (`yanxiu serve --workers N`) in its own process; the platform runs in
another (forked) process so its RSA signing does not share this client's interpreter. Per launch,
"tool" is the tool's share (login initiation + id_token post + landing page), "whole" adds the
platform's two steps (launch start, auth).

BENCH_LAUNCH_DB (default "sqlite,postgresql"), BENCH_LAUNCH_WORKERS (default "2,4"),
BENCH_LAUNCHES (launches per measurement, default 60, fewer when BENCH_LAUNCH_SECONDS — default
10 s per measurement — run out first), BENCH_LAUNCH_CLIENTS (default 4).

`run_pages` (benchmark "pages"): the main pages' server time and bytes in a workshop of 3,000
participants (BENCH_PAGES_MEMBERS) with 8 videos, 3 assignments and an offline session, for the host
(including the grading queue, the 情况通报 and its XLSX, the session page and the roll call) and for
a participant, against the same trivial request; BENCH_PAGES_DB (default sqlite), BENCH_PAGES_REPEAT,
BENCH_PAGES_PRESET (the grading scheme, default zhenjiang-80-20; dawukou-80-20 ranks people).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from .ingest_bench import ToolServer, database, free_port
from .memory import PeakSampler, workers_mib
from .timing import latency_ms

FIGURES: dict[str, Any] = {}
PAGE_FIGURES: dict[str, Any] = {}
PARTICIPANTS = ("wanglihua", "lijianguo", "zhangxiuying", "liuyang", "chenjing", "yangfan", "zhaomin",
                "huanglei", "zhouting", "wuzhiqiang", "xufang", "sunhao")


def _platform_config(platform_url: str, tool_url: str) -> Any:
    from lti_tool.devlms import PlatformConfig
    from tests.fixtures.lti import tool_endpoints

    return PlatformConfig(issuer=platform_url, tool=tool_endpoints(tool_url), profile="moodle",
                          client_id="yanxiu-moodle")


def _serve_platform(port: int, tool_url: str) -> None:
    """The platform's process: a threaded werkzeug server until terminated."""
    import logging

    from werkzeug.serving import make_server

    from lti_tool.devlms import create_platform_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log line per request
    app = create_platform_app(_platform_config(f"http://127.0.0.1:{port}", tool_url))
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


def _summary(times: list[float], wall: float) -> dict[str, float]:
    return {**latency_ms(times), "per_s": len(times) / wall, "n": len(times)}


def _launch_once(platform_url: str, user: str) -> tuple[float, float, float]:
    """(whole, tool, tool's login step) seconds of one launch by a new browser."""
    from lti_tool.devlms import LaunchDriver

    driver = LaunchDriver(platform_url, timeout=60)
    try:
        t0 = time.perf_counter()
        step = driver.begin(user)
        t1 = time.perf_counter()
        auth_request = driver.login(step)
        t2 = time.perf_counter()
        form = driver.auth(auth_request)
        t3 = time.perf_counter()
        resp = driver.post(form)
        t4 = time.perf_counter()
        if resp.status_code != 200:
            raise RuntimeError(f"launch as {user} → {resp.status_code}: {resp.text[:300]}")
        return t4 - t0, (t2 - t1) + (t4 - t3), t2 - t1
    finally:
        driver.session.close()


def _healthz_once(url: str) -> float:
    # A new connection per request, like a launch by a new browser: the reference pays the same
    # connection set-up the launch's tool steps pay.
    with requests.Session() as session:
        start = time.perf_counter()
        resp = session.get(url + "/healthz", timeout=60)
        spent = time.perf_counter() - start
    if resp.status_code != 200:
        raise RuntimeError(f"/healthz → {resp.status_code}")
    return spent


def _measure(clients: int, jobs: list[Any], budget: float) -> tuple[list[Any], float]:
    """Run `jobs` on `clients` threads; once `budget` seconds have passed (and at least 10 ran),
    the rest are skipped, so a loaded machine makes the run shorter, not endless."""
    start = time.perf_counter()
    deadline = time.monotonic() + budget
    counter = iter(range(len(jobs)))

    def one(job: Any) -> Any:
        if next(counter) >= 10 and time.monotonic() > deadline:
            return None
        return job()

    with ThreadPoolExecutor(clients) as pool:
        results = [r for r in pool.map(one, jobs) if r is not None]
    return results, time.perf_counter() - start


@contextmanager
def served(kind: str, workers: int, root: Path) -> Iterator[tuple[ToolServer, str]]:
    """(tool, platform URL): the tool under gunicorn on a fresh `kind` database, registered with
    the strict platform running in its own process; both stopped after."""
    from lti_tool.platforms import PlatformInput, upsert_platform

    with database(kind, root) as url:
        server = ToolServer(url, root, workers=workers, threads=4)
        server.migrate()
        platform_port = free_port()
        platform_url = f"http://127.0.0.1:{platform_port}"
        config = _platform_config(platform_url, server.url)
        with server.app():
            upsert_platform(PlatformInput(
                issuer=config.issuer, client_id=config.client_id, auth_login_url=config.auth_login_url,
                auth_token_url=config.auth_token_url, key_set_url=config.key_set_url,
                deployment_ids=[config.deployment_id], kind="moodle"))
        platform = multiprocessing.get_context("fork").Process(
            target=_serve_platform, args=(platform_port, server.url), daemon=True)
        platform.start()
        try:
            server.start()
            _wait(platform_url)
            yield server, platform_url
            if server.proc is None or server.proc.poll() is not None:
                raise RuntimeError(f"the tool died: {server.errors()}")
        finally:
            server.stop()
            platform.terminate()
            platform.join(10)


def _one_server(kind: str, workers: int, launches: int, clients: int, budget: float,
                root: Path) -> dict[str, Any]:
    with served(kind, workers, root) as (server, platform_url):
        # The host's first launch creates the workshop; every participant launches once so the
        # measured launches are returning users (the common case), and each worker has the
        # platform's key set cached.
        _launch_once(platform_url, "maxiaoyan")
        for user in PARTICIPANTS:
            _launch_once(platform_url, user)
        out: dict[str, Any] = {}
        for label, n_clients in (("1 client", 1), (f"{clients} clients", clients)):
            users = [PARTICIPANTS[i % len(PARTICIPANTS)] for i in range(launches)]
            ref, ref_wall = _measure(n_clients, [lambda: _healthz_once(server.url)] * (launches * 2), budget / 3)
            got, wall = _measure(n_clients, [lambda u=u: _launch_once(platform_url, u) for u in users], budget)
            out[label] = {"healthz": _summary(ref, ref_wall),
                          "launch_whole": _summary([w for w, _, _ in got], wall),
                          "launch_tool": _summary([t for _, t, _ in got], wall),
                          "tool_login_step": _summary([li for _, _, li in got], wall),
                          "tool_launch_and_landing": _summary([t - li for _, t, li in got], wall)}
    return out


def _wait(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise TimeoutError("the platform did not start")


def run() -> Iterator[str]:
    kinds = [k for k in os.environ.get("BENCH_LAUNCH_DB", "sqlite,postgresql").split(",") if k]
    worker_counts = [int(w) for w in os.environ.get("BENCH_LAUNCH_WORKERS", "2,4").split(",") if w]
    launches = int(os.environ.get("BENCH_LAUNCHES", 60))
    clients = int(os.environ.get("BENCH_LAUNCH_CLIENTS", 4))
    budget = float(os.environ.get("BENCH_LAUNCH_SECONDS", 10))
    yield ("LTI launch (login + launch + landing page; strict Moodle-shaped platform, RS256) vs GET /healthz "
           "on the same server; p50/p95 ms and per second")
    yield (f"  {'store':10} {'workers':>7} {'clients':>9} {'healthz p50/p95':>16} {'tool p50/p95':>14} "
           f"{'whole p50/p95':>14} {'launches/s':>10} {'tool p50 / healthz p50':>23}")
    for kind in kinds:
        for workers in worker_counts:
            with tempfile.TemporaryDirectory(prefix=f"yanxiu-launch-{kind}-") as tmp:
                result = _one_server(kind, workers, launches, clients, budget, Path(tmp))
            FIGURES[f"{kind}/{workers} workers"] = result
            for label, r in result.items():
                h, t, w = r["healthz"], r["launch_tool"], r["launch_whole"]
                yield (f"  {kind:10} {workers:>7} {label:>9} {h['p50_ms']:>7.1f}/{h['p95_ms']:<7.1f}  "
                       f"{t['p50_ms']:>6.1f}/{t['p95_ms']:<6.1f}  {w['p50_ms']:>6.1f}/{w['p95_ms']:<6.1f}  "
                       f"{w['per_s']:>10.1f} {t['p50_ms'] / h['p50_ms']:>22.1f}×")


# --- the main pages ---------------------------------------------------------------------------

PAGE_MEMBERS = 3_000


def _populate(server: ToolServer, members: int) -> tuple[int, int, int]:
    """The launched workshop grows to `members` participants in 40 classes with 8 videos, 3
    assignments and an offline session (attendance not yet taken), viewing time and graded
    submissions, in a phase under way (so the 情况通报 compares hours with the plan); returns
    (workshop id, first video id, the offline session's id)."""
    from datetime import date, timedelta
    from decimal import Decimal

    from sqlalchemy import select

    from lti_tool.extensions import db
    from lti_tool.models import (
        Activity,
        Phase,
        Submission,
        User,
        VideoProgress,
        Workshop,
        WorkshopClass,
        WorkshopMember,
    )
    from lti_tool.statements.actors import lti_actor_key

    with server.app():
        workshop = db.session.scalars(select(Workshop)).one()
        workshop.title = "2026 小学数学教师工作坊"
        workshop.grading_preset = os.environ.get("BENCH_PAGES_PRESET", "zhenjiang-80-20")
        today = date.today()
        phase = Phase(workshop_id=workshop.id, position=1, title="第一阶段：观看课例", planned_hours=Decimal(10),
                      starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=60))
        db.session.add(phase)
        db.session.flush()
        videos = [Activity(workshop_id=workshop.id, phase_id=phase.id, position=i, kind="video",
                           title=f"课例{i + 1}：分数的初步认识", body="**重点**：观察师生互动。", required=True,
                           video_url="https://media.example.cn/v.mp4", video_seconds=Decimal(2700)) for i in range(8)]
        tasks = [Activity(workshop_id=workshop.id, phase_id=phase.id, position=10 + i, kind="assignment",
                          title=f"作业{i + 1}：教学设计", body="提交一份教学设计。", required=i < 2,
                          max_score=Decimal(100), choices=[]) for i in range(3)]
        session = Activity(workshop_id=workshop.id, phase_id=phase.id, position=20, kind="offline",
                           title="集中研修：同课异构", body="地点：县教师发展中心。", required=False,
                           planned_hours=Decimal(4), session_date=today - timedelta(days=3))
        classes = [WorkshopClass(workshop_id=workshop.id, name=f"{i + 1:02d}班") for i in range(40)]
        db.session.add_all([*videos, *tasks, session, *classes])
        db.session.flush()
        issuer = workshop.course.platform.issuer
        users = [User(issuer=issuer, sub=f"bench-{i}", name=f"学员{i:05d}") for i in range(members)]
        db.session.add_all(users)
        db.session.flush()
        people = [WorkshopMember(workshop_id=workshop.id, user_id=u.id, role="participant", school=f"学校{i % 60}",
                                 town=f"乡镇{i % 12}", class_id=classes[i % 40].id) for i, u in enumerate(users)]
        db.session.add_all(people)
        db.session.flush()
        base = server.url + "/xapi/activities/video/"
        for i, (user, member) in enumerate(zip(users, people, strict=True)):
            for j, video in enumerate(videos):
                watched = Decimal((i * 37 + j * 11) % 2701)
                db.session.add(VideoProgress(actor_key=lti_actor_key(issuer, user.sub), video_id=f"{base}{video.id}",
                                             ranges=f'[["0","{watched}"]]', length_seconds=Decimal(2700),
                                             watched_seconds=watched, completed=watched >= 2430))
            for k, task in enumerate(tasks):
                db.session.add(Submission(activity_id=task.id, member_id=member.id, text="我的教学设计……",
                                          state="graded", score=Decimal((i + k * 17) % 101)))
        db.session.commit()
        return workshop.id, videos[0].id, session.id


def _page_times(session: requests.Session, url: str, repeat: int) -> tuple[list[float], bytes]:
    times, body = [], b""
    for _ in range(repeat):
        start = time.perf_counter()
        resp = session.get(url, timeout=120)
        times.append(time.perf_counter() - start)
        if resp.status_code != 200:
            raise RuntimeError(f"GET {url} → {resp.status_code}: {resp.text[:300]}")
        body = resp.content
    return times, body


PLAYER_EVENTS = 20
PLAYER = f"participant: player sends {PLAYER_EVENTS} events"


def _player_times(session: requests.Session, activity_url: str, repeat: int) -> tuple[list[float], bytes]:
    """POST video-events as the player's queue flushes them: a session's played/paused pairs with
    the played segments so far (video_intake.py), new keys every time."""
    import re
    import uuid

    page = session.get(activity_url, timeout=120)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text) or re.search(r'data-csrf="([^"]+)"',
                                                                                      page.text)
    if not found:
        raise RuntimeError(f"no CSRF token on {activity_url}")
    times = []
    for _ in range(repeat):
        session_id = str(uuid.uuid4())
        events: list[dict[str, Any]] = []
        for k in range(PLAYER_EVENTS // 2):
            events.append({"key": str(uuid.uuid4()), "verb": "played", "session_id": session_id, "time": k * 200})
            events.append({"key": str(uuid.uuid4()), "verb": "paused", "session_id": session_id,
                           "time": k * 200 + 150, "progress": round((k + 1) * 150 / 2700, 4),
                           "segments": [[j * 200, j * 200 + 150] for j in range(k + 1)]})
        start = time.perf_counter()
        resp = session.post(activity_url + "/video-events", json=events, headers={"X-CSRF-Token": found.group(1)},
                            timeout=120)
        times.append(time.perf_counter() - start)
        if resp.status_code != 200:
            raise RuntimeError(f"video-events → {resp.status_code}: {resp.text[:300]}")
    return times, resp.content


def run_pages() -> list[str]:
    import gzip

    from lti_tool.devlms import LaunchDriver

    kind = os.environ.get("BENCH_PAGES_DB", "sqlite")
    members = int(os.environ.get("BENCH_PAGES_MEMBERS", PAGE_MEMBERS))
    repeat = int(os.environ.get("BENCH_PAGES_REPEAT", 15))
    with tempfile.TemporaryDirectory(prefix="yanxiu-pages-") as tmp, served(kind, 2, Path(tmp)) as served_pair:
        server, platform_url = served_pair
        host, learner = LaunchDriver(platform_url, timeout=120), LaunchDriver(platform_url, timeout=120)
        host.launch("maxiaoyan")
        learner.launch("wanglihua")
        assert server.proc is not None
        memory_idle = workers_mib(server.proc.pid)  # launched, before the workshop grows
        workshop_id, video_id, session_id = _populate(server, members)
        base = f"{server.url}/w/{workshop_id}"
        start = time.perf_counter()
        _page_times(host.session, base + "/grades", 1)
        first_grades = time.perf_counter() - start
        pages = [("GET /healthz (reference)", host.session, server.url + "/healthz"),
                 ("host: workshop home", host.session, base + "/"),
                 ("host: video activity page", host.session, f"{base}/a/{video_id}"),
                 (f"host: grade table ({members:,}, page 1)", host.session, base + "/grades"),
                 ("host: grading queue", host.session, base + "/queue"),
                 ("host: 情况通报 (progress report)", host.session, base + "/report"),
                 ("host: 情况通报 XLSX", host.session, base + "/report.xlsx"),
                 ("host: offline session page", host.session, f"{base}/o/{session_id}"),
                 ("host: roll call (page 1 of all)", host.session, f"{base}/o/{session_id}/attendance"),
                 ("participant: workshop home", learner.session, base + "/"),
                 ("participant: video activity page", learner.session, f"{base}/a/{video_id}"),
                 ("participant: my grade", learner.session, base + "/my-grade"),
                 ("participant: studio (研修工作室)", learner.session, base + "/studio"),
                 (f"overview ({members:,}, 研修主页)", learner.session, base + "/overview"),
                 ("showcase (优秀作业)", learner.session, base + "/excellent")]
        figures: dict[str, Any] = {"members": members, "first_grade_view_s": first_grades}
        with PeakSampler(server.proc.pid) as sampler:
            for label, session, page_url in pages:
                times, body = _page_times(session, page_url, repeat)
                figures[label] = {**latency_ms(times), "bytes": len(body), "gzip_bytes": len(gzip.compress(body))}
            player, answer = _player_times(learner.session, f"{base}/a/{video_id}", repeat)
        figures[PLAYER] = {**latency_ms(player), "bytes": len(answer), "gzip_bytes": len(gzip.compress(answer)),
                           "events_per_s": PLAYER_EVENTS / statistics.median(player)}
        pages.append((PLAYER, learner.session, ""))
        after = workers_mib(server.proc.pid)["mib"]
        figures["worker_memory_mib"] = {"launched": memory_idle["mib"], "after_pages": after,
                                        "peak": sampler.peak_mib, "workers": memory_idle["workers"]}
    PAGE_FIGURES.update(figures)
    ref = figures["GET /healthz (reference)"]["p50_ms"]
    out = [f"main pages, workshop of {members:,} participants ({kind}, gunicorn 2 workers; one client; "
           f"p50/p95 ms of {repeat} views; reference = GET /healthz)",
           f"  {'page':36} {'p50/p95 ms':>15} {'× healthz':>10} {'bytes':>9} {'gzipped':>8}"]
    for label, _, _ in pages:
        f = figures[label]
        out.append(f"  {label:36} {f['p50_ms']:>7.1f}/{f['p95_ms']:<7.1f} {f['p50_ms'] / ref:>9.1f}× "
                   f"{f['bytes']:>9,} {f['gzip_bytes']:>8,}")
    out.append(f"  the player's intake stores {figures[PLAYER]['events_per_s']:,.0f} events/s "
               f"({PLAYER_EVENTS} per request; compare POST /xapi/statements in the ingest table)")
    out.append(f"  first grade-table view after the data changed (recompute of {members:,}): {first_grades:.2f} s")
    mem = figures["worker_memory_mib"]
    out.append(f"  memory of a gunicorn worker (the larger of {mem['workers']}; RssAnon): {mem['launched']:.0f} MiB "
               f"launched, {mem['after_pages']:.0f} MiB after these pages, "
               f"at most {mem['peak']:.0f} MiB while serving them")
    return out

