"""`/xapi/statements` on bodies nested too deeply (standards: bad input is a 400 naming the problem).

Found by a fuzzer: `[[[…]]]` 100,000 levels deep was a RecursionError (a 500) in the JSON reader, and
a statement whose extension nested a few hundred levels was one when stored (orjson writes at most
254 levels; the standard library, taking over, ran out of stack). The reader now refuses nesting
deeper than xapi.serialize.MAX_DEPTH, so whatever it accepts is validated and stored."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from lti_tool.statements.clients import create_client
from xapi.serialize import MAX_DEPTH

from .test_api import count, stmt

TOO_DEEP = f"body is not valid JSON: arrays and objects nest deeper than {MAX_DEPTH} levels"
EXT = "https://yanxiu.example.cn/x/deep"


@pytest.fixture
def headers(app: Any) -> dict[str, str]:
    with app.app_context():
        new = create_client("H5P 内容")
    token = base64.b64encode(f"{new.key}:{new.secret}".encode()).decode()
    return {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json"}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def with_extension(depth: int) -> tuple[str, str]:
    """(id, text) of a statement nesting `depth` levels: itself, result, extensions, then the value
    (written as text: json.dumps would recurse as deep as the server did)."""
    statement = stmt(result={"extensions": {EXT: "DEEP"}})
    return statement["id"], json.dumps(statement).replace('"DEEP"', nested(depth - 3))


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("body", [nested(100_000), with_extension(100_000)[1]], ids=["array", "extension"])
def test_a_body_nested_100000_levels_is_a_400(app: Any, headers: dict[str, str], method: str, body: str) -> None:
    url = f"/xapi/statements?statementId={uuid.uuid4()}"
    r = app.test_client().open(url, method=method, data=body, headers=headers)
    assert r.status_code == 400
    assert r.get_json()["message"] == TOO_DEEP
    assert count(app) == 0


def test_a_statement_nested_up_to_the_limit_is_stored_and_one_level_more_is_a_400(
        app: Any, headers: dict[str, str]) -> None:
    """MAX_DEPTH levels are stored and read back; one more, or the 900 that passed the reader and
    failed when stored, are a 400; so is a batch one level too deep (its array is a level)."""
    client = app.test_client()
    sid, deepest = with_extension(MAX_DEPTH)
    r = client.post("/xapi/statements", data=deepest, headers=headers)
    assert r.status_code == 200, r.get_data()[:300]
    got = client.get("/xapi/statements", query_string={"statementId": sid}, headers=headers)
    assert json.dumps(got.get_json()["result"]["extensions"][EXT]) == nested(MAX_DEPTH - 3)
    for body in ("[" + deepest + "]", with_extension(MAX_DEPTH + 1)[1], with_extension(900)[1]):
        r = client.post("/xapi/statements", data=body, headers=headers)
        assert r.status_code == 400 and r.get_json()["message"] == TOO_DEEP
    assert count(app) == 1


def test_an_agent_filter_nested_too_deeply_is_a_400(app: Any, headers: dict[str, str]) -> None:
    r = app.test_client().get("/xapi/statements", query_string={"agent": nested(5_000)}, headers=headers)
    assert r.status_code == 400
    assert r.get_json()["message"] == ("agent: must be a JSON Agent or Group object "
                                       f"(arrays and objects nest deeper than {MAX_DEPTH} levels)")


@pytest.mark.parametrize("timestamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:30:00-01:00"])
def test_a_timestamp_outside_the_years_1_to_9999_in_utc_is_a_400(app: Any, headers: dict[str, str],
                                                                  timestamp: str) -> None:
    """A well-formed timestamp whose instant in UTC falls before the year 1 or after 9999: the store
    turns every timestamp into UTC, and this one overflowed there (a 500)."""
    r = app.test_client().post("/xapi/statements", json=stmt(timestamp=timestamp), headers=headers)
    assert r.status_code == 400
    assert r.get_json()["message"] == "[0].timestamp: must fall between the years 1 and 9999 in UTC"
    assert count(app) == 0
    edge = timestamp[:19] + "Z"  # the same wall time in UTC is within range
    assert app.test_client().post("/xapi/statements", json=stmt(timestamp=edge), headers=headers).status_code == 200


def test_a_more_cursor_nested_too_deeply_is_a_400(app: Any, headers: dict[str, str]) -> None:
    """Anyone can write a `more` link; one nesting 5,000 levels was a RecursionError (a 500)."""
    token = base64.urlsafe_b64encode(nested(5_000).encode()).decode()
    r = app.test_client().get(f"/xapi/statements?more={token}", headers=headers)
    assert r.status_code == 400
    assert r.get_json()["message"] == "more: not a cursor this server issued"


@pytest.mark.parametrize(("size", "read"), [(17 * 1024 * 1024, True), (40 * 1024 * 1024, False)])
def test_a_body_over_the_limit_is_read_before_the_413_when_a_proxy_could_send_it(
        app: Any, headers: dict[str, str], size: int, read: bool) -> None:
    """Nginx sends up to 22 MiB whole; a 413 answered with that still unread could be lost to a
    reset (a 502). Up to DRAIN_LIMIT the body is read first; beyond, it is left unread."""
    import io

    from werkzeug.test import EnvironBuilder

    from lti_tool.refused_body import DRAIN_LIMIT

    assert (size <= DRAIN_LIMIT) is read
    body = io.BytesIO(b"[" + b" " * (size - 2) + b"]")
    environ = EnvironBuilder(path="/xapi/statements", method="POST", headers=headers, input_stream=body,
                             content_length=size).get_environ()
    status: list[str] = []
    answer = b"".join(app.wsgi_app(environ, lambda s, h, e=None: status.append(s)))
    assert status == ["413 REQUEST ENTITY TOO LARGE"]
    assert json.loads(answer)["message"] == "request body larger than 16777216 bytes"
    assert body.tell() == (size if read else 0)
