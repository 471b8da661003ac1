"""`/lti/config`, `/healthz`, CSRF on the tool's own forms (foundation §6, standards: CSRF)."""

import base64
import logging
from pathlib import Path
from typing import Any

import pytest


def test_config_lists_every_url_an_admin_needs(client: Any) -> None:
    body = client.get("/lti/config", base_url="https://yanxiu.example.cn").get_json()
    for key in ("login_url", "launch_url", "jwks_url", "deep_link_url", "registration_url"):
        assert body[key].startswith("https://yanxiu.example.cn/"), key
    assert body["redirect_uris"] == [
        "https://yanxiu.example.cn/lti/launch",
        "https://yanxiu.example.cn/lti/deep-link",
    ]


def test_healthz(client: Any) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_post_without_csrf_token_is_refused(client: Any) -> None:
    """Without a session (expired, or no cookie) a form cannot be posted: the page says to come back
    from the course, not to reload (which would only show the same); nothing is done either way."""
    r = client.post("/lti/deep-link/respond", data={"launch_id": "x", "title": "t"})
    assert r.status_code == 401
    assert "会话已过期：请回到课程重新进入" in r.get_data(as_text=True)
    r = client.post("/lti/deep-link/respond?lang=en", data={"launch_id": "x", "title": "t"})
    assert "Session expired: open this again from the course" in r.get_data(as_text=True)


def test_login_without_params_names_the_missing_one(client: Any) -> None:
    r = client.get("/lti/login?iss=https://x.example")
    assert r.status_code == 400
    assert "login_hint" in r.get_data(as_text=True)


def test_an_unavailable_database_is_a_503_that_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """PostgreSQL restarting (an upgrade) or gone: every kind of client gets 503 with Retry-After
    and a message naming the database, the log one line without the password or the SQL."""
    from lti_tool import DATABASE_RETRY_AFTER_SECONDS, create_app
    from tests.fixtures.servers import free_port

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://yanxiu:pw-secret@127.0.0.1:{free_port()}/x",
                      "SECRET_KEY": "t", "INSTANCE_PATH": str(tmp_path)})
    client = app.test_client()
    caplog.set_level(logging.ERROR, logger="yanxiu")
    answers = {
        "health check": client.get("/healthz", headers={"Accept": "application/json"}),
        "page": client.get("/healthz", headers={"Accept": "text/html"}),
        "xAPI client": client.post("/xapi/statements", json=[], headers={
            "X-Experience-API-Version": "1.0.3", "Authorization": "Basic " + base64.b64encode(b"k:s").decode()}),
    }
    for who, answer in answers.items():
        assert answer.status_code == 503, who
        assert answer.headers["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS), who
        said = answer.get_json()["message"] if answer.is_json else answer.get_data(as_text=True)
        assert "数据库暂时不可用" in said, who
    assert answers["page"].mimetype == "text/html" and answers["health check"].is_json
    assert answers["xAPI client"].get_json()["message"].endswith("try again shortly")
    logged = [r.getMessage() for r in caplog.records if "database_unavailable" in r.getMessage()]
    assert len(logged) == 3 and "POST /xapi/statements" in logged[2]
    assert not any("pw-secret" in line or "SELECT" in line for line in logged)
