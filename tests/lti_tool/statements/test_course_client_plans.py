"""How SQLite finds a course's client's statements (statements/query.py `_course_on_sqlite`): its
statistics hold no per-value counts, so with a large store's it walked the stored order for a course
holding few (1.3 s with 1,000,000 stored and a course holding 50) and sorted all of a course holding
many (0.9 s for a course holding 200,000). The plans are read with the statistics the worker's
ANALYZE wrote for such a store, loaded into the test's small one."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest

from lti_tool.extensions import db
from lti_tool.statements import query
from lti_tool.statements.clients import create_client
from tests.fixtures.workshops import course_with_workshop

from .test_read_scope import stmt
from .test_stored_order import T0, VERB, every_page, page_queries, store

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# sqlite_stat1 for xapi_statements after `refresh_statistics` (analysis_limit 20,000) with 1,000,000
# statements stored (bench data, a course holding 50 of them; /tmp script, 2026-12-07).
LARGE_STORE = {
    "ix_xapi_statements_object_stored_seq": "892980 50 50 1",
    "ix_xapi_statements_verb_stored_seq": "1256640 20001 20001 1",
    "ix_xapi_statements_stored_seq": "421776 11275 1",
    "ix_xapi_statements_workshop_timestamp": "1153824 10025 51",
    "ix_xapi_statements_registration": "1043072 20001",
    "ix_xapi_statements_actor_object": "1244880 241 218",
    "sqlite_autoindex_xapi_statements_1": "542880 1",
}
COURSE_INDEXES = ("ix_xapi_statements_client", "ix_xapi_statements_workshop_timestamp")


@pytest.fixture
def course(app: Any) -> dict[str, Any]:
    """A course's client and the ids of what it may read, in stored order: three statements about
    its workshop, each stored a second apart, among others about nothing of its."""
    with app.app_context():
        workshop = course_with_workshop("https://moodle.town.example.cn", "镇工作坊")
        db.session.commit()
        new = create_client("镇 H5P", course_id=workshop.course_id)
        workshop_id = workshop.id
    theirs = []
    for n in range(3):
        store(app, [stmt(f"其他{n}") for _ in range(4)], T0 + timedelta(seconds=2 * n))
        theirs += store(app, [stmt(f"学员{n}", workshop_id)], T0 + timedelta(seconds=2 * n + 1))
    client = app.test_client()
    headers = {"Authorization": "Basic " + base64.b64encode(f"{new.key}:{new.secret}".encode()).decode(),
               "X-Experience-API-Version": "1.0.3"}

    def get(**params: Any) -> Any:
        response = client.get("/xapi/statements", query_string=params, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    return {"get": get, "ids": theirs}


def plan_in_large_store(app: Any, sql: str, parameters: Any) -> str:
    """SQLite's EXPLAIN QUERY PLAN for `sql` as if the store held 1,000,000 statements."""
    with app.app_context(), db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")  # creates sqlite_stat1
        conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'xapi_statements'")
        for index, stat in LARGE_STORE.items():
            conn.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES ('xapi_statements', ?, ?)", (index, stat))
        conn.exec_driver_sql("ANALYZE sqlite_schema")  # loads them into this connection
        plan = " | ".join(row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters))
        conn.rollback()
        return plan


PAGES = [{}, {"since": T0.isoformat(), "ascending": "true"}, {"ascending": "true", "limit": "2"},
         {"verb": VERB, "since": T0.isoformat()}]
IDS = ["latest", "since", "more", "verb-since"]
OTHER_INDEXES = ("ix_xapi_statements_stored_seq", "ix_xapi_statements_verb_stored_seq")


@pytest.mark.parametrize("params", PAGES, ids=IDS)
def test_a_course_holding_few_is_found_through_its_indexes(app: Any, course: dict[str, Any],
                                                          params: dict[str, str]) -> None:
    with page_queries(app) as seen:
        found = every_page(course["get"], **params)
    assert found == (course["ids"] if params.get("ascending") else course["ids"][::-1])
    for sql, parameters in seen:
        plan = plan_in_large_store(app, sql, parameters)
        assert all(index in plan for index in COURSE_INDEXES), plan
        assert not any(index in plan for index in OTHER_INDEXES), plan


@pytest.mark.parametrize("params", PAGES, ids=IDS)
def test_a_course_holding_many_is_read_in_stored_order(app: Any, course: dict[str, Any], params: dict[str, str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(query, "SMALL_COURSE", 3)  # the course holds 3: as many as a course holding many
    with page_queries(app) as seen:
        found = every_page(course["get"], **params)
    assert found == (course["ids"] if params.get("ascending") else course["ids"][::-1])
    for sql, parameters in seen:
        plan = plan_in_large_store(app, sql, parameters)
        assert any(index in plan for index in OTHER_INDEXES) and "TEMP B-TREE" not in plan, plan
        assert not any(index in plan for index in COURSE_INDEXES), plan
