"""Dynamic registration against a platform that sends odd documents: a clear 400 naming the field,
and nothing stored (found by fuzzing /lti/register with a fake platform on loopback)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.wrappers import Request, Response

from lti_tool.extensions import db
from lti_tool.models import Deployment, Platform

from ..fixtures.servers import ServerThread

PC = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TC = "https://purl.imsglobal.org/spec/lti-tool-configuration"


@dataclass
class FakePlatform:
    """Serves `<issuer>/cfg` (the openid configuration) and `<issuer>/register`, with `conf` and
    `answer` merged over a valid Moodle-shaped document; the issuer is wherever the config is fetched."""

    conf: dict[str, Any] = field(default_factory=dict)
    answer: dict[str, Any] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def __call__(self, environ: Any, start_response: Any) -> Any:
        req = Request(environ)
        self.requests.append(f"{req.method} {req.path}")
        issuer = req.host_url.rstrip("/") + req.path.rsplit("/", 1)[0]
        if req.path.endswith("/cfg"):
            doc = {
                "issuer": issuer,
                "registration_endpoint": issuer + "/register",
                "authorization_endpoint": issuer + "/auth",
                "token_endpoint": issuer + "/token",
                "jwks_uri": issuer + "/jwks",
                PC: {"product_family_code": "moodle"},
                **self.conf,
            }
        elif req.path.endswith("/register") and req.method == "POST":
            doc = {"client_id": "client-1", TC: {"deployment_id": "dep-1"}, **self.answer}
        else:
            return Response("not found", status=404)(environ, start_response)
        return Response(json.dumps(doc), mimetype="application/json")(environ, start_response)


@pytest.fixture
def fake() -> Iterator[tuple[FakePlatform, str]]:
    platform = FakePlatform()
    server = ServerThread(platform).start()
    try:
        yield platform, server.url
    finally:
        server.stop()


def _register(client: Any, config_url: str, token: str = "tok-1") -> Any:
    return client.get("/lti/register", query_string={"openid_configuration": config_url, "registration_token": token})


def _stored(app: Any) -> tuple[list[Platform], list[Deployment]]:
    with app.app_context():
        return list(db.session.scalars(select(Platform))), list(db.session.scalars(select(Deployment)))


def test_the_fake_platform_registers(app: Any, client: Any, fake: tuple[FakePlatform, str]) -> None:
    """The baseline the refusals below are measured against: the unaltered documents register."""
    _, base = fake
    resp = _register(client, base + "/moodle/cfg")
    assert resp.status_code == 200, resp.text[:500]
    platforms, deployments = _stored(app)
    assert [(p.client_id, p.kind) for p in platforms] == [("client-1", "moodle")]
    assert [d.deployment_id for d in deployments] == ["dep-1"]


BAD_CONFIGURATION = [
    pytest.param({PC: "moodle"}, PC, id="platform-conf-string"),
    pytest.param({PC: ["moodle"]}, PC, id="platform-conf-list"),
    pytest.param({PC: None}, PC, id="platform-conf-null"),
    pytest.param({PC: {"product_family_code": ["moodle"]}}, "product_family_code", id="product-list"),
    pytest.param({PC: {"product_family_code": "moo\x00dle"}}, "product_family_code", id="product-nul"),
    pytest.param({"authorization_endpoint": ["http://x/auth"]}, "authorization_endpoint", id="auth-list"),
    pytest.param({"authorization_endpoint": {"a": 1}}, "authorization_endpoint", id="auth-object"),
    pytest.param({"authorization_endpoint": "http://x/a\x00b"}, "authorization_endpoint", id="auth-nul"),
    pytest.param({"authorization_endpoint": "javascript:alert(1)"}, "authorization_endpoint", id="auth-not-http"),
    pytest.param({"authorization_endpoint": "http://x/" + "a" * 1000}, "authorization_endpoint", id="auth-long"),
    pytest.param({"token_endpoint": ["http://x/token"]}, "token_endpoint", id="token-list"),
    pytest.param({"token_endpoint": {"a": 1}}, "token_endpoint", id="token-object"),
    pytest.param({"token_endpoint": "http://x/t\x00"}, "token_endpoint", id="token-nul"),
    pytest.param({"jwks_uri": ["http://x/jwks"]}, "jwks_uri", id="jwks-list"),
    pytest.param({"jwks_uri": {"a": 1}}, "jwks_uri", id="jwks-object"),
    pytest.param({"jwks_uri": "http://x/j\x00"}, "jwks_uri", id="jwks-nul"),
    pytest.param({"jwks_uri": "http://x/\ud800"}, "jwks_uri", id="jwks-lone-surrogate"),
    pytest.param({"authorization_server": "a\x00b"}, "authorization_server", id="auth-server-nul"),
    pytest.param({"authorization_server": "x" * 1001}, "authorization_server", id="auth-server-long"),
    pytest.param({"authorization_server": 5}, "authorization_server", id="auth-server-number"),
]


@pytest.mark.parametrize(("conf", "field_name"), BAD_CONFIGURATION)
def test_bad_openid_configuration_is_refused(
    app: Any, client: Any, fake: tuple[FakePlatform, str], conf: dict[str, Any], field_name: str
) -> None:
    """LTI-DR 3.4: the configuration's endpoints are http(s) URLs and its platform configuration an
    object; a value we cannot use or store as sent is refused by name, before anything is stored."""
    platform, base = fake
    platform.conf = conf
    resp = _register(client, base + "/moodle/cfg")
    assert resp.status_code == 400, resp.text[:500]
    assert "registration_failed" in resp.text and field_name in resp.text, resp.text[:1000]
    assert _stored(app) == ([], [])


def test_issuer_longer_than_its_column_is_refused(app: Any, client: Any, fake: tuple[FakePlatform, str]) -> None:
    """platforms.issuer is 500 characters: PostgreSQL refused a longer one with a 500, SQLite kept it."""
    _, base = fake
    resp = _register(client, base + "/" + "a" * 600 + "/cfg")
    assert resp.status_code == 400 and "issuer" in resp.text, resp.text[:1000]
    assert _stored(app) == ([], [])


BAD_ANSWER = [
    pytest.param({TC: "dep-1"}, TC, id="tool-conf-string"),
    pytest.param({TC: ["dep-1"]}, TC, id="tool-conf-list"),
    pytest.param({"client_id": {"a": 1}}, "client_id", id="client-id-object"),
    pytest.param({"client_id": ["client-1"]}, "client_id", id="client-id-list"),
    pytest.param({"client_id": 2**70}, "client_id", id="client-id-huge-number"),
    pytest.param({"client_id": 5}, "client_id", id="client-id-number"),
    pytest.param({"client_id": True}, "client_id", id="client-id-true"),
    pytest.param({"client_id": 1.5}, "client_id", id="client-id-float"),
    pytest.param({"client_id": "a\x00b"}, "client_id", id="client-id-nul"),
    pytest.param({"client_id": "c\ud800"}, "client_id", id="client-id-lone-surrogate"),
    pytest.param({"client_id": "x" * 256}, "client_id", id="client-id-long"),
    pytest.param({TC: {"deployment_id": "x" * 1000}}, "deployment_id", id="deployment-id-long"),
    pytest.param({TC: {"deployment_id": "a\x00b"}}, "deployment_id", id="deployment-id-nul"),
    pytest.param({TC: {"deployment_id": {"a": 1}}}, "deployment_id", id="deployment-id-object"),
    pytest.param({TC: {"deployment_id": 2**70}}, "deployment_id", id="deployment-id-number"),
]


@pytest.mark.parametrize(("answer", "field_name"), BAD_ANSWER)
def test_bad_registration_response_is_refused(
    app: Any, client: Any, fake: tuple[FakePlatform, str], answer: dict[str, Any], field_name: str
) -> None:
    """LTI-DR 3.6: client_id and deployment_id are strings (a number is refused, not guessed at), the
    tool configuration an object; what does not fit its column is refused, never clipped."""
    platform, base = fake
    platform.answer = answer
    resp = _register(client, base + "/moodle/cfg")
    assert resp.status_code == 400, resp.text[:500]
    assert "registration_failed" in resp.text and field_name in resp.text, resp.text[:1000]
    assert _stored(app) == ([], [])


def test_long_product_name_is_clipped_not_refused(app: Any, client: Any, fake: tuple[FakePlatform, str]) -> None:
    """product_family_code only makes the display name (platforms.name, 200 characters): clipped."""
    platform, base = fake
    platform.conf = {PC: {"product_family_code": "p" * 1000}}
    resp = _register(client, base + "/moodle/cfg")
    assert resp.status_code == 200, resp.text[:500]
    platforms, _ = _stored(app)
    assert [(len(p.name), p.kind) for p in platforms] == [(200, "other")]


@pytest.mark.parametrize("token", ["中文", "a b", "a\x00b", "a\r\nX-Evil: 1"])
def test_registration_token_must_be_printable_ascii(
    app: Any, client: Any, fake: tuple[FakePlatform, str], token: str
) -> None:
    """The token goes into an Authorization header (latin-1, RFC 6750 b64token): anything else is a
    400 before the platform is contacted, not a UnicodeEncodeError."""
    platform, base = fake
    resp = _register(client, base + "/moodle/cfg", token=token)
    assert resp.status_code == 400 and "registration_token" in resp.text, resp.text[:1000]
    assert platform.requests == []
    assert _stored(app) == ([], [])
