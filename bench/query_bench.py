"""GET /xapi/statements as the store grows: the pages an LRS client or an analytics job asks for
(the latest; by learner, verb, activity or registration; since/until in either order; and each
one's next `more` page) with 10,000 statements stored and with BENCH_QUERY_TO (default 1,000,000),
served for real (gunicorn, one client), on SQLite and PostgreSQL (BENCH_QUERY_DB). Reference: the
unique-key lookup GET ?statementId=… on the same server and store; end/start = 1.0 means flat.
Also a client a course's host made, which reads only its course's statements (statements/query
.readable): 50 of them, stored before all the others, so the store's order helps it least.

The store is filled as in the growth benchmark (generated statements, then copies under fresh ids
in SQL; bench/growth_bench.py), its stored times spread over a month in arrival order (a month of a
city programme), and analyzed as a deployment is (PostgreSQL: ANALYZE, which autovacuum runs;
SQLite: the worker's hourly `refresh_statistics`). Each figure is the median of BENCH_QUERY_REPEAT
(default 15) requests.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

from . import datagen
from .growth_bench import POOL, _analyze, _fill
from .ingest_bench import ToolServer, count_statements, database, stored_rows, tool_session

FIGURES: dict[str, Any] = {}
START = datetime(2026, 11, 1, tzinfo=UTC)
MONTH = timedelta(days=30)
FIRST = 10_000


def _spread(url: str, count: int) -> None:
    """Stored (and timestamp) over a month, in sequence order; SQLite's text as SQLAlchemy writes it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    seconds = int(MONTH.total_seconds())
    if url.startswith("sqlite"):
        moment = ("strftime('%Y-%m-%d %H:%M:%S', '2026-11-01', '+' || (seq * :s / :n) || ' seconds')"
                  " || '.000000'")
    else:
        moment = "timestamptz '2026-11-01 00:00Z' + (seq * :s / :n) * interval '1 second'"
    try:
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE xapi_statements SET stored = {moment}, timestamp = {moment}"),  # noqa: S608
                         {"s": seconds, "n": count})
    finally:
        engine.dispose()


def _statistics(server: ToolServer) -> None:
    if server.db_url.startswith("sqlite"):
        from lti_tool.extensions import db
        from lti_tool.sqlite_setup import refresh_statistics

        with server.app():
            refresh_statistics(db.session())
    else:
        _analyze(server.db_url)


def _sample(url: str) -> dict[str, Any]:
    """A statement from the middle of the store: whose learner, verb, activity and registration the
    filters ask for."""
    from sqlalchemy import create_engine, select

    from lti_tool.models import Statement

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            middle = (count_statements(url) // 2) or 1
            row = conn.execute(select(Statement.id, Statement.verb_id, Statement.object_id, Statement.registration,
                                      Statement.body).order_by(Statement.seq).offset(middle - 1).limit(1)).one()
    finally:
        engine.dispose()
    return {"id": row.id, "verb": row.verb_id, "activity": row.object_id, "registration": row.registration,
            "agent": json.dumps(json.loads(row.body)["actor"], ensure_ascii=False)}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def cases(sample: dict[str, Any]) -> dict[str, dict[str, str]]:
    end = START + MONTH
    found = {
        "the latest": {},
        "by learner": {"agent": sample["agent"]},
        "by verb": {"verb": sample["verb"]},
        "by activity": {"activity": sample["activity"]},
        "by registration": {"registration": sample["registration"]} if sample["registration"] else None,
        "since a day ago, ascending": {"since": _iso(end - timedelta(days=1)), "ascending": "true"},
        "since a fortnight ago, ascending": {"since": _iso(end - timedelta(days=15)), "ascending": "true"},
        "until a fortnight ago": {"until": _iso(end - timedelta(days=15))},
        "one hour, ascending": {"since": _iso(end - timedelta(days=15)),
                                "until": _iso(end - timedelta(days=15, hours=-1)), "ascending": "true"},
        "verb since a week ago, ascending": {"verb": sample["verb"], "since": _iso(end - timedelta(days=7)),
                                             "ascending": "true"},
        "activity since a day ago": {"activity": sample["activity"], "since": _iso(end - timedelta(days=1))},
        "learner and verb": {"agent": sample["agent"], "verb": sample["verb"]},
    }
    return {name: params for name, params in found.items() if params is not None}


def _course_client(server: ToolServer) -> tuple[requests.Session, int]:
    """A course with a workshop, its host's xAPI client, and 50 statements about the workshop;
    returns the client's session and how many statements it may read."""
    import base64

    from lti_tool.extensions import db
    from lti_tool.statements.clients import create_client
    from lti_tool.statements.store import store_statements
    from tests.fixtures.workshops import course_with_workshop

    with server.app():
        workshop = course_with_workshop("https://moodle.town.example.cn", "镇工作坊")
        db.session.commit()
        grouping = {"contextActivities": {"grouping": [{"id": f"{server.url}/xapi/activities/workshop/{workshop.id}"}]}}
        statements = [{**s, "context": {**s.get("context", {}), **grouping}}
                      for s in datagen.statements(50, tag="course", learners=50)]
        store_statements(statements)
        new = create_client("镇 H5P", course_id=workshop.course_id)
    session = requests.Session()
    token = base64.b64encode(f"{new.key}:{new.secret}".encode()).decode()
    session.headers.update({"X-Experience-API-Version": "1.0.3", "Authorization": f"Basic {token}"})
    return session, len(statements)


def _median_ms(get: Callable[[], requests.Response], repeat: int) -> tuple[float, requests.Response]:
    times, resp = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        resp = get()
        times.append(time.perf_counter() - start)
        if resp.status_code != 200:
            raise RuntimeError(f"GET → {resp.status_code}: {resp.text[:300]}")
    assert resp is not None
    return 1000 * statistics.median(times), resp


def _measure(session: requests.Session, course: requests.Session, base: str, sample: dict[str, Any],
             repeat: int) -> dict[str, Any]:
    url = base + "/xapi/statements"
    reference, _ = _median_ms(lambda: session.get(url, params={"statementId": sample["id"]}, timeout=60), repeat)
    pages: dict[str, Any] = {}
    for name, params in cases(sample).items():
        first, resp = _median_ms(lambda p=params: session.get(url + "?" + urlencode(p), timeout=60), repeat)  # type: ignore[misc]
        body = resp.json()
        more = None
        if body["more"]:
            more, _ = _median_ms(lambda m=body["more"]: session.get(base + m, timeout=60), repeat)  # type: ignore[misc]
        pages[name] = {"first_ms": first, "more_ms": more, "rows": len(body["statements"])}
    scoped = {"a course's client: the latest": {},
              "a course's client: since a fortnight ago": cases(sample)["since a fortnight ago, ascending"]}
    for name, params in scoped.items():
        first, resp = _median_ms(lambda p=params: course.get(url + "?" + urlencode(p), timeout=60), repeat)  # type: ignore[misc]
        pages[name] = {"first_ms": first, "more_ms": None, "rows": len(resp.json()["statements"])}
    return {"reference_ms": reference, "pages": pages}


def _one_store(kind: str, target: int, repeat: int, root: Path) -> dict[str, Any]:
    pool = stored_rows(datagen.statements(min(POOL, target), tag="query-pool", learners=23_000))
    points = []
    with database(kind, root) as url:
        server = ToolServer(url, root)
        server.migrate()
        session = tool_session(server)
        course, _ = _course_client(server)
        try:
            server.start()
            for size in sorted({min(FIRST, target), target}):
                have = count_statements(url)
                _fill(url, pool, have, size - have)
                _spread(url, size)
                _statistics(server)
                sample = _sample(url)
                figures = _measure(session, course, server.url, sample, repeat)
                points.append({"stored": count_statements(url), **figures})
        finally:
            session.close()
            course.close()
            server.stop()
    return {"points": points}


def run() -> Iterator[str]:
    target = int(os.environ.get("BENCH_QUERY_TO", 1_000_000))
    repeat = int(os.environ.get("BENCH_QUERY_REPEAT", 15))
    kinds = [k for k in os.environ.get("BENCH_QUERY_DB", "sqlite,postgresql").split(",") if k]
    yield (f"GET /xapi/statements (gunicorn, one client; pages of 100 and their `more` page; median of {repeat}) "
           f"with {FIRST:,} and {target:,} statements stored over a month; reference = GET ?statementId=")
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix=f"yanxiu-query-{kind}-") as tmp:
            result = _one_store(kind, target, repeat, Path(tmp))
        FIGURES[kind] = result
        start, end = result["points"][0], result["points"][-1]
        yield (f"  {kind:10} reference {start['reference_ms']:.1f} ms at {start['stored']:,}, "
               f"{end['reference_ms']:.1f} ms at {end['stored']:,}")
        yield f"  {'page':42} {'ms at start':>12} {'ms at end':>10} {'end/start':>10} {'× ref':>6} {'more page':>10}"
        for name, late in end["pages"].items():
            early = start["pages"][name]
            more = f"{late['more_ms']:.1f}" if late["more_ms"] is not None else "—"
            yield (f"  {name:42} {early['first_ms']:>12.1f} {late['first_ms']:>10.1f} "
                   f"{late['first_ms'] / early['first_ms']:>9.2f}× {late['first_ms'] / end['reference_ms']:>5.1f}× "
                   f"{more:>10}")
