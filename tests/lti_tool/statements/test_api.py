"""`/xapi/statements` and `/xapi/about` (issue xAPI §5, §6 and "what bad input gets")."""

from __future__ import annotations

import base64
import json
import uuid
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import Statement, VideoProgress
from lti_tool.statements.clients import create_client

V = "1.0.3"
ACTOR = {"objectType": "Agent", "account": {"homePage": "https://moodle.example.cn", "name": "42"}}
VIDEO = "https://h5p.example.cn/video/1"


def stmt(**over: Any) -> dict[str, Any]:
    base = {
        "id": str(uuid.uuid4()),
        "actor": ACTOR,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"objectType": "Activity", "id": "https://h5p.example.cn/page/1"},
        "timestamp": "2026-11-22T10:00:00.000Z",
    }
    base.update(over)
    return base


def paused(sid: str, segments: str, length: float = 600) -> dict[str, Any]:
    return stmt(
        id=sid,
        verb={"id": "https://w3id.org/xapi/video/verbs/paused", "display": {"en-US": "paused"}},
        object={"objectType": "Activity", "id": VIDEO},
        result={"extensions": {
            "https://w3id.org/xapi/video/extensions/time": 10,
            "https://w3id.org/xapi/video/extensions/progress": 0.1,
            "https://w3id.org/xapi/video/extensions/played-segments": segments,
        }},
        context={"extensions": {"https://w3id.org/xapi/video/extensions/length": length,
                                "https://w3id.org/xapi/video/extensions/session-id": "s1"}},
    )


@pytest.fixture
def api(app: Any) -> Any:
    with app.app_context():
        new = create_client("H5P 内容")
    token = base64.b64encode(f"{new.key}:{new.secret}".encode()).decode()
    client = app.test_client()

    class Api:
        headers: ClassVar[dict[str, str]] = {"Authorization": f"Basic {token}", "X-Experience-API-Version": V}

        def post(self, body: Any, raw: str | None = None, headers: dict[str, str] | None = None) -> Any:
            data = raw if raw is not None else json.dumps(body)
            return client.post("/xapi/statements", data=data, headers={**self.headers, **(headers or {})},
                               content_type="application/json")

        def put(self, body: Any, sid: str) -> Any:
            return client.put(f"/xapi/statements?statementId={sid}", data=json.dumps(body), headers=self.headers,
                              content_type="application/json")

        def get(self, **params: Any) -> Any:
            return client.get("/xapi/statements", query_string=params, headers=self.headers)

    return Api()


def count(app: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Statement)) or 0)


def test_about_needs_no_credentials(client: Any) -> None:
    body = client.get("/xapi/about").get_json()
    assert "1.0.3" in body["version"]


def test_wrong_credentials_401(app: Any, api: Any) -> None:
    r = app.test_client().post("/xapi/statements", json=stmt(), headers={
        "Authorization": "Basic " + base64.b64encode(b"yx_nope:wrong").decode(), "X-Experience-API-Version": V})
    assert r.status_code == 401 and "credentials" in r.get_json()["message"]
    assert count(app) == 0


@pytest.mark.parametrize("version", ["", "0.95", "1.1.0"])
def test_missing_or_old_version_header_400(app: Any, api: Any, version: str) -> None:
    r = api.post(stmt(), headers={"X-Experience-API-Version": version})
    assert r.status_code == 400 and "X-Experience-API-Version" in r.get_json()["message"]


def test_post_single_and_batch_then_get(app: Any, api: Any) -> None:
    one = stmt()
    r = api.post(one)
    assert r.status_code == 200 and r.get_json() == [one["id"]]
    assert r.headers["X-Experience-API-Version"] == "1.0.3"
    batch = [stmt(), stmt()]
    assert api.post(batch).get_json() == [s["id"] for s in batch]
    got = api.get(statementId=one["id"]).get_json()
    assert got["id"] == one["id"] and got["stored"] and got["authority"]["account"]["name"].startswith("yx_")
    assert count(app) == 3


def test_statement_without_id_gets_one(app: Any, api: Any) -> None:
    body = stmt()
    del body["id"]
    ids = api.post(body).get_json()
    assert uuid.UUID(ids[0])


def test_same_id_same_content_is_noop_and_different_content_409(app: Any, api: Any) -> None:
    """xAPI: an identical re-send is a no-op; same id with other content is a conflict, and the
    whole batch it came in is refused (nothing of it stored)."""
    s = stmt()
    assert api.post(s).status_code == 200
    assert api.post(s).status_code == 200
    assert count(app) == 1
    changed = dict(s, verb={"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}})
    r = api.post([stmt(), changed])
    assert r.status_code == 409 and s["id"] in r.get_json()["message"]
    assert count(app) == 1
    assert api.put(changed, s["id"]).status_code == 409


def test_duplicate_ids_in_one_batch_400(app: Any, api: Any) -> None:
    s = stmt()
    r = api.post([s, s])
    assert r.status_code == 400 and "twice" in r.get_json()["message"]
    assert count(app) == 0


def test_invalid_statement_rejects_whole_batch_naming_the_field(app: Any, api: Any) -> None:
    bad = stmt(verb={"id": "not an iri", "display": {"en-US": "x"}})
    r = api.post([stmt(), bad])
    assert r.status_code == 400
    assert "[1].verb.id" in r.get_json()["message"]
    assert count(app) == 0


def test_nul_in_an_account_name_is_a_400_on_both_databases(app: Any, api: Any) -> None:
    """PostgreSQL's text cannot hold U+0000 and the actor's key is a column: this was a 500 there
    (and stored on SQLite); now both refuse it by name. Elsewhere (an extension's value) it is
    kept, escaped inside the stored JSON."""
    nul = stmt(actor={"account": {"homePage": "https://moodle.example.cn", "name": "4\u00002"}})
    r = api.post([stmt(), nul])
    assert r.status_code == 400
    assert r.get_json()["message"] == "[1].actor.account.name: must not contain the NUL character (U+0000)"
    assert count(app) == 0
    note = "https://yanxiu.example.cn/x/note"
    kept = stmt(result={"extensions": {note: "a\u0000b"}})
    assert api.post([kept]).status_code == 200
    assert api.get(statementId=kept["id"]).get_json()["result"]["extensions"][note] == "a\u0000b"


@pytest.mark.parametrize("where", ["account name", "extension value", "video viewer"])
def test_a_lone_surrogate_is_a_400_on_both_databases(app: Any, api: Any, where: str) -> None:
    """`\\ud800` escapes half a character: JSON reads it, UTF-8 cannot hold it, and it was a 500 on
    both databases (the stored text, the actor's key, the viewing-time lookup)."""
    name = {"account": {"homePage": "https://moodle.example.cn", "name": "SUR"}}
    bad = {"account name": stmt(actor=name),
           "extension value": stmt(result={"extensions": {"https://yanxiu.example.cn/x/note": "SUR"}}),
           "video viewer": {**paused(str(uuid.uuid4()), "0[.]5"), "actor": name}}[where]
    r = api.post(None, raw=json.dumps([stmt(), bad]).replace("SUR", "4\\ud8002"))
    assert r.status_code == 400
    assert r.get_json()["message"] == "body is not valid JSON: a lone surrogate ('\\ud800') is no Unicode character"
    assert count(app) == 0


def test_not_json_400(app: Any, api: Any) -> None:
    r = api.post(None, raw="{nope")
    assert r.status_code == 400 and "JSON" in r.get_json()["message"]


def test_oversized_body_413(app: Any, api: Any) -> None:
    app.config["XAPI_MAX_BODY_BYTES"] = 2000
    r = api.post([stmt() for _ in range(20)])
    assert r.status_code == 413
    assert count(app) == 0


def test_put_with_statement_id(app: Any, api: Any) -> None:
    sid = str(uuid.uuid4())
    body = stmt()
    del body["id"]
    assert api.put(body, sid).status_code == 204
    assert api.get(statementId=sid).get_json()["id"] == sid
    assert api.put(stmt(), "not-a-uuid").status_code == 400


def test_voiding(app: Any, api: Any) -> None:
    """A voided statement is returned only by voidedStatementId and leaves queries."""
    target = stmt()
    api.post(target)
    voiding = stmt(verb={"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
                   object={"objectType": "StatementRef", "id": target["id"]})
    assert api.post(voiding).status_code == 200
    assert api.get(statementId=target["id"]).status_code == 404
    assert api.get(voidedStatementId=target["id"]).get_json()["id"] == target["id"]
    listed = [s["id"] for s in api.get().get_json()["statements"]]
    assert target["id"] not in listed and voiding["id"] in listed


def test_query_filters_and_more_paging(app: Any, api: Any) -> None:
    reg = str(uuid.uuid4())
    other_actor = {"objectType": "Agent", "mbox": "mailto:t@example.cn"}
    mine = [stmt(context={"registration": reg}) for _ in range(5)]
    api.post(mine)
    api.post([stmt(actor=other_actor), stmt(object={"objectType": "Activity", "id": "https://x.example/2"})])
    assert len(api.get(agent=json.dumps(other_actor)).get_json()["statements"]) == 1
    assert len(api.get(activity="https://x.example/2").get_json()["statements"]) == 1
    assert len(api.get(registration=reg).get_json()["statements"]) == 5
    assert len(api.get(verb="http://adlnet.gov/expapi/verbs/experienced").get_json()["statements"]) == 7
    seen: list[str] = []
    page = api.get(registration=reg, limit=2).get_json()
    while True:
        seen += [s["id"] for s in page["statements"]]
        if not page["more"]:
            break
        from urllib.parse import parse_qs, urlsplit

        assert page["more"].startswith("/xapi/statements?")
        page = api.get(more=parse_qs(urlsplit(page["more"]).query)["more"][0]).get_json()
    assert sorted(seen) == sorted(s["id"] for s in mine) and len(seen) == 5
    assert api.get(since="2000-01-01T00:00:00Z").status_code == 200
    assert api.get(until="2999-01-01T00:00:00Z").get_json()["statements"]
    assert api.get(since="yesterday").status_code == 400
    assert api.get(bogus="1").status_code == 400


def _cursor(content: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(content).encode()).decode()


# Each of these was a 500 on one database or both: NUL, which PostgreSQL's text cannot hold; a
# forged `more` cursor (anyone can write one); an agent that is no Agent; a time zone that moves
# the first or last representable moment out of range; a lone surrogate a cursor's JSON can carry.
BAD_QUERIES = [
    ({"registration": "\x00"}, "registration: must not contain the NUL character (U+0000)"),
    ({"verb": "http://x.example/\x00"}, "verb: must not contain the NUL character"),
    ({"activity": "https://x.example/\x00"}, "activity: must not contain the NUL character"),
    ({"statementId": "\x00"}, "statementId: must not contain the NUL character"),
    ({"voidedStatementId": "x" * 5000}, "voidedStatementId: must be a UUID"),
    ({"agent": json.dumps({"openid": "https://x.example/\x00"})}, "agent.openid: must be an IRI"),
    ({"agent": json.dumps({"account": {"homePage": "https://x.example", "name": "\x00"}})},
     "agent.account.name: must not contain the NUL character"),
    ({"agent": '{"mbox": "mailto:\\ud800@x.example"}'},
     "agent: must be a JSON Agent or Group object (a lone surrogate"),
    ({"agent": json.dumps({"account": "42"})}, "agent.account: must be an object with homePage and name"),
    ({"agent": json.dumps({"mbox": 5})}, "agent.mbox: must be a mailto: IRI"),
    ({"agent": "[]"}, "agent: must be an Agent object"),
    ({"since": "0001-01-01T00:00:00+01:00"}, "since: outside the years 1 to 9999 in UTC"),
    ({"until": "9999-12-31T23:59:59-01:00"}, "until: outside the years 1 to 9999 in UTC"),
    ({"more": _cursor({"after": 10**30, "params": {}})}, "more: not a cursor this server issued"),
    ({"more": _cursor({"after": -1, "params": {}})}, "more: not a cursor this server issued"),
    ({"more": _cursor({"after": "1", "params": {}})}, "more: not a cursor this server issued"),
    ({"more": _cursor({"after": 1, "params": []})}, "more: not a cursor this server issued"),
    ({"more": _cursor([1])}, "more: not a cursor this server issued"),
    ({"more": "not base64!"}, "more: not a cursor this server issued"),
    ({"more": _cursor({"after": 1, "params": {"agent": 5}})}, "issued (agent: must be text)"),
    ({"more": _cursor({"after": 1, "params": {"limit": [1]}})}, "issued (limit: must be text)"),
    ({"more": _cursor({"after": 1, "params": {"registration": "\x00"}})}, "issued (registration: must not contain"),
    ({"more": _cursor({"after": 1, "params": {"verb": "\ud800"}})}, "issued (verb: a lone surrogate ('\\ud800')"),
    ({"more": _cursor({"after": 1, "params": {"more": "x"}})}, "more: not a cursor this server issued"),
    ({"more": _cursor({"after": 1, "params": {"bogus": "1"}})}, "issued (unknown query parameter(s): bogus)"),
    ({"more": _cursor({"after": 1, "params": {}}), "bogus": "1"}, "unknown query parameter(s): bogus"),
    ({"more": _cursor({"after": 999_999, "params": {}})}, "more: not a cursor this server issued"),  # no such seq
    ({"more": _cursor({"after": ["2026-11-20T12:00:00+00:00"], "params": {}})}, "more: not a cursor"),
    ({"more": _cursor({"after": ["2026-11-20T12:00:00+00:00", -1], "params": {}})}, "more: not a cursor"),
    ({"more": _cursor({"after": ["2026-11-20T12:00:00+00:00", "1"], "params": {}})}, "more: not a cursor"),
    ({"more": _cursor({"after": ["2026-11-20T12:00:00", 1], "params": {}})}, "more: not a cursor"),  # no zone
    ({"more": _cursor({"after": ["yesterday", 1], "params": {}})}, "more: not a cursor"),
    ({"more": _cursor({"after": ["0001-01-01T00:00:00+01:00", 1], "params": {}})}, "more: not a cursor"),
    ({"more": _cursor({"after": [None, 1], "params": {}})}, "more: not a cursor"),
]


@pytest.mark.parametrize(("params", "message"), BAD_QUERIES, ids=[str(i) for i in range(len(BAD_QUERIES))])
def test_a_bad_query_is_a_400_naming_the_parameter(app: Any, api: Any, params: dict[str, str], message: str) -> None:
    api.post([stmt(context={"registration": str(uuid.uuid4())})])
    response = api.get(**params)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert message in response.get_json()["message"]
    assert count(app) == 1  # and the store is as it was


def test_a_cursor_the_server_issued_still_pages(api: Any) -> None:
    """The checks on `more` let through what the server writes: every filter it kept."""
    agent = {"objectType": "Agent", "account": {"homePage": "https://moodle.example.cn", "name": "42"}}
    ids = [s["id"] for s in (stmt() for _ in range(3)) if api.post(s).status_code == 200]
    filters = {"agent": json.dumps(agent), "verb": "http://adlnet.gov/expapi/verbs/experienced",
               "since": "2000-01-01T00:00:00+08:00", "until": "2999-01-01T00:00:00Z", "ascending": "true",
               "limit": "2"}
    first = api.get(**filters).get_json()
    token = first["more"].split("more=", 1)[1]
    from urllib.parse import unquote

    second = api.get(more=unquote(token)).get_json()
    assert [s["id"] for s in first["statements"] + second["statements"]] == ids and second["more"] == ""


def test_video_statements_update_progress_incrementally(app: Any, api: Any) -> None:
    """Statements from outside content count toward viewing time like the tool's own."""
    api.post(paused(str(uuid.uuid4()), "0[.]100"))
    api.post(paused(str(uuid.uuid4()), "50[.]150[,]500[.]700"))  # overlap and beyond the length
    with app.app_context():
        row = db.session.scalars(select(VideoProgress)).one()
        assert row.watched_seconds == Decimal(250)  # 0–150 and 500–600
        assert row.length_seconds == Decimal(600)


def test_each_active_lrs_is_owed_each_stored_statement_once(app: Any, api: Any) -> None:
    """The outbox gets a row per active LRS and new statement, in the order stored; an inactive LRS
    gets nothing, and a re-sent statement adds nothing."""
    from lti_tool.models import Lrs, OutboxEntry

    with app.app_context():
        lrs = [Lrs(name=n, endpoint=f"https://{n}.example.cn/xAPI/", username="u", password_encrypted="x",
                   active=n != "off") for n in ("a", "off", "b")]
        db.session.add_all(lrs)
        db.session.commit()
        active = sorted(x.id for x in lrs if x.active)
    batch = [stmt() for _ in range(3)]
    assert api.post(batch).status_code == 200
    assert api.post(batch[:1]).status_code == 200  # the same statement again: unchanged
    with app.app_context():
        seqs = {s.id: s.seq for s in db.session.scalars(select(Statement))}
        entries = select(OutboxEntry).order_by(OutboxEntry.lrs_id, OutboxEntry.statement_seq)
        owed = [(e.lrs_id, e.statement_seq) for e in db.session.scalars(entries)]
    assert owed == [(lrs_id, seqs[s["id"]]) for lrs_id in active for s in batch]


def test_an_activity_iri_longer_than_its_column_is_stored_and_found(api: Any, app: Any) -> None:
    """xAPI sets no limit on an IRI: the indexed column keeps its first 1,000 characters (the body
    all of it), and a query by the whole IRI finds the statement (PostgreSQL refused the row: 500)."""
    long_iri = "https://h5p.example.cn/activity/" + "长" * 1200
    sent = stmt(object={"objectType": "Activity", "id": long_iri})
    assert api.post([sent]).status_code == 200
    found = api.get(activity=long_iri)
    assert found.status_code == 200
    assert [s["id"] for s in found.get_json()["statements"]] == [sent["id"]]
    assert found.get_json()["statements"][0]["object"]["id"] == long_iri
