"""GET /xapi/statements in `stored` order (xAPI 1.0.3 §7.2.3), paged by (stored, seq), and the
indexes that make each page one index range however large the store (migration 0016)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Statement
from lti_tool.statements.clients import create_client
from lti_tool.statements.forwarder import Forwarder, _turn
from lti_tool.statements.store import store_statements
from tests.fixtures.sql import sql_sent

VERB = "http://adlnet.gov/expapi/verbs/experienced"
T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def stmt(actor: str = "42", verb: str = VERB, activity: str = "https://h5p.example.cn/page/1") -> dict[str, Any]:
    return {"id": str(uuid.uuid4()),
            "actor": {"objectType": "Agent", "account": {"homePage": "https://moodle.example.cn", "name": actor}},
            "verb": {"id": verb}, "object": {"objectType": "Activity", "id": activity},
            "timestamp": "2026-11-20T10:00:00.000Z"}


@pytest.fixture
def get(app: Any) -> Any:
    with app.app_context():
        new = create_client("H5P 内容")
    token = base64.b64encode(f"{new.key}:{new.secret}".encode()).decode()
    client = app.test_client()
    headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}

    def get(**params: Any) -> Any:
        response = client.get("/xapi/statements", query_string=params, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    return get


def store(app: Any, statements: list[dict[str, Any]], at: datetime) -> list[str]:
    with app.app_context():
        return store_statements(statements, now=at).ids


def every_page(get: Any, **params: Any) -> list[str]:
    """The ids of every page, following `more` links."""
    page, ids = get(**params), []
    while True:
        ids += [s["id"] for s in page["statements"]]
        if not page["more"]:
            return ids
        page = get(more=parse_qs(urlsplit(page["more"]).query)["more"][0])


def test_statements_come_in_stored_order_not_in_arrival_order(app: Any, get: Any) -> None:
    """A statement stored with an earlier time after another (two requests that overlapped: each
    is stamped when it arrives, and the later one finished first) comes first."""
    later = store(app, [stmt()], T0 + timedelta(seconds=5))
    earlier = store(app, [stmt()], T0)
    assert [s["id"] for s in get(ascending="true")["statements"]] == earlier + later
    assert [s["id"] for s in get()["statements"]] == later + earlier
    since = (T0 + timedelta(seconds=1)).isoformat()
    assert [s["id"] for s in get(since=since, ascending="true")["statements"]] == later
    assert [s["id"] for s in get(until=since)["statements"]] == earlier


def test_pages_go_through_a_batch_that_shares_one_stored_time(app: Any, get: Any) -> None:
    first = store(app, [stmt() for _ in range(5)], T0)
    second = store(app, [stmt() for _ in range(3)], T0 + timedelta(milliseconds=1))
    assert every_page(get, ascending="true", limit=2) == first + second
    assert every_page(get, limit=2) == list(reversed(first + second))
    assert every_page(get, verb=VERB, since=T0.isoformat(), ascending="true", limit=2) == second


def test_a_link_issued_before_stored_order_goes_on_from_its_statement(app: Any, get: Any) -> None:
    """Links carried the last statement's sequence number; a client paging through an upgrade
    goes on after that statement."""
    ids = store(app, [stmt() for _ in range(4)], T0)
    with app.app_context():
        seq = db.session.scalar(select(Statement.seq).where(Statement.id == ids[1]))
    old = base64.urlsafe_b64encode(json.dumps({"after": seq, "params": {"ascending": "true"}}).encode()).decode()
    assert [s["id"] for s in get(more=old)["statements"]] == ids[2:]


def page_queries(app: Any) -> Any:
    """The SQL of the page queries run meanwhile, with their parameters."""
    with app.app_context():
        engine = db.engine
    return sql_sent(engine, lambda sql: sql.lstrip().upper().startswith("SELECT") and "xapi_statements.body" in sql)


def plan(app: Any, sql: str, parameters: Any) -> tuple[str, list[str]]:
    """(the index the query's rows come from with its range condition, the steps it sorts in) —
    SQLite's EXPLAIN QUERY PLAN, or PostgreSQL's plan with sequential scans ruled out (with a
    handful of rows it would rather read them all)."""
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            details = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters)]
            return " | ".join(details), [d for d in details if "TEMP B-TREE" in d]
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_bitmapscan = off")
        tree = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql, parameters).scalar_one()
        nodes, stack = [], [tree[0]["Plan"]]
        while stack:
            node = stack.pop()
            nodes.append(node)
            stack.extend(node.get("Plans", []))
        scans = [f"{n['Index Name']} ({n.get('Index Cond', '')})" for n in nodes if "Index Name" in n]
        return " | ".join(scans), [n["Node Type"] for n in nodes if "Sort" in n["Node Type"]]


PAGES = [
    ({"since": "2026-11-20T12:00:00Z", "ascending": "true"}, "ix_xapi_statements_stored_seq"),
    ({"until": "2026-11-20T12:00:00Z"}, "ix_xapi_statements_stored_seq"),
    ({"verb": VERB, "since": "2026-11-20T12:00:00Z", "ascending": "true"}, "ix_xapi_statements_verb_stored_seq"),
    ({"activity": "https://h5p.example.cn/page/1", "since": "2026-11-20T12:00:00Z"},
     "ix_xapi_statements_object_stored_seq"),
    ({"ascending": "true", "limit": "2"}, "ix_xapi_statements_stored_seq"),  # and its `more` page below
]


@pytest.mark.parametrize(("params", "index"), PAGES, ids=["since", "until", "verb-since", "activity-since", "more"])
def test_a_page_is_one_range_of_one_index(app: Any, get: Any, params: dict[str, str], index: str) -> None:
    """With 1,000,000 statements, `since` a fortnight back read half of them in sequence order
    (220 ms on PostgreSQL, 380 on SQLite; `make bench BENCH=query`): each page must be a range of
    an index already in the order asked for, with nothing left to sort."""
    store(app, [stmt() for _ in range(3)], T0)
    store(app, [stmt() for _ in range(3)], T0 + timedelta(seconds=1))
    with page_queries(app) as seen:
        page = get(**params)
        if page["more"]:
            get(more=parse_qs(urlsplit(page["more"]).query)["more"][0])
    assert len(seen) == (2 if "limit" in params else 1)
    for n, (sql, parameters) in enumerate(seen):
        scans, sorts = plan(app, sql, parameters)
        assert index in scans, scans
        if n or "since" in params or "until" in params:  # a first page without since/until has no range
            assert "stored" in scans.split(index, 1)[1], scans
        assert not sorts, (scans, sorts)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL's autovacuum analyzes
def test_the_worker_gives_sqlite_statistics_to_choose_the_learners_index(app: Any, get: Any) -> None:
    """Without statistics SQLite took the verb's index for agent + verb (no sort needed) and walked
    every statement with that verb (290 ms with 1,000,000 stored); the worker's hourly ANALYZE
    lets it see that one learner has few statements."""
    for batch in range(3):
        store(app, [stmt(actor=str(n)) for n in range(batch * 1000, batch * 1000 + 1000)], T0)
    _turn(app, Forwarder(app.config["SECRET_KEY"]), purge=True)
    agent = {"objectType": "Agent", "account": {"homePage": "https://moodle.example.cn", "name": "7"}}
    with page_queries(app) as seen:
        assert len(get(agent=json.dumps(agent), verb=VERB)["statements"]) == 1
    scans, _ = plan(app, *seen[0])
    assert "ix_xapi_statements_actor_object" in scans, scans
