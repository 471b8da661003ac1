"""What an xAPI client may read back from GET /xapi/statements: a client a course's host made reads
what it stored and what concerns its course's workshops, never another course's teachers; one the
operator made (`yanxiu xapi client add`) reads everything."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from lti_tool.extensions import db
from lti_tool.statements.clients import create_client
from lti_tool.statements.store import store_statements
from tests.fixtures.workshops import course_with_workshop


def _workshop(n: int) -> tuple[int, int]:
    """(course id, workshop id) of a new course on its own platform."""
    workshop = course_with_workshop(f"https://moodle{n}.example.cn", f"工作坊{n}")
    db.session.commit()
    return workshop.course_id, workshop.id


def stmt(learner: str, workshop_id: int | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "https://moodle.example.cn", "name": learner}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"objectType": "Activity", "id": "https://h5p.example.cn/page/1"},
    }
    if workshop_id is not None:
        statement["context"] = {"contextActivities": {"grouping": [
            {"id": f"https://yanxiu.example.cn/xapi/activities/workshop/{workshop_id}"}]}}
    return statement


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    """Two courses with a workshop each, a client made by each course's host, one by the operator,
    and statements: each client's, and the tool's own about each workshop."""
    client = app.test_client()
    with app.app_context():
        course1, workshop1 = _workshop(1)
        course2, workshop2 = _workshop(2)
        made = {"one": create_client("课程1 H5P", course_id=course1),
                "two": create_client("课程2 H5P", course_id=course2), "operator": create_client("省平台分析")}
        tool1 = store_statements([stmt("王老师", workshop1)]).ids
        tool2 = store_statements([stmt("李老师", workshop2)]).ids
    headers = {name: {"Authorization": "Basic " + base64.b64encode(f"{new.key}:{new.secret}".encode()).decode(),
                      "X-Experience-API-Version": "1.0.3"} for name, new in made.items()}

    def post(who: str, statements: list[dict[str, Any]]) -> list[str]:
        response = client.post("/xapi/statements", data=json.dumps(statements), headers=headers[who],
                               content_type="application/json")
        assert response.status_code == 200, response.get_data(as_text=True)
        return list(response.get_json())

    own1 = post("one", [stmt("张老师", workshop1), stmt("赵老师")])
    own2 = post("two", [stmt("刘老师", workshop2)])

    def get(who: str, **params: Any) -> Any:
        return client.get("/xapi/statements", query_string=params, headers=headers[who])

    return {"get": get, "one": set(own1 + tool1), "two": set(own2 + tool2),
            "all": set(own1 + own2 + tool1 + tool2), "tool2": tool2[0]}


def ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {s["id"] for s in response.get_json()["statements"]}


def test_a_course_client_reads_its_course_only(world: dict[str, Any]) -> None:
    get = world["get"]
    assert ids(get("one")) == world["one"]
    assert ids(get("two")) == world["two"]
    lee = {"objectType": "Agent", "account": {"homePage": "https://moodle.example.cn", "name": "李老师"}}
    assert ids(get("one", agent=json.dumps(lee))) == set()
    assert ids(get("two", agent=json.dumps(lee))) == {world["tool2"]}


def test_another_courses_statement_by_id_is_not_found(world: dict[str, Any]) -> None:
    get = world["get"]
    response = get("one", statementId=world["tool2"])
    assert response.status_code == 404 and world["tool2"] in response.get_json()["message"]
    assert get("two", statementId=world["tool2"]).status_code == 200


def test_the_operators_client_reads_everything(world: dict[str, Any]) -> None:
    get = world["get"]
    assert ids(get("operator")) == world["all"]
    assert get("operator", statementId=world["tool2"]).status_code == 200
