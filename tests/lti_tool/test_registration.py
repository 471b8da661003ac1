"""LTI Dynamic Registration against a Moodle-shaped openid-configuration + registration endpoint
(foundation §4)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import select

from lti_tool.devlms.driver import parse_form
from lti_tool.extensions import db
from lti_tool.models import Platform

from ..fixtures.lti import lti_harness

AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
AGS_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


def test_moodle_dynamic_registration(database_url: str, tmp_path: Path) -> None:
    with lti_harness(database_url, tmp_path / "i", register=False) as h:
        start = h.state.registration_start_url(h.tool_url + "/lti/register")
        resp = requests.get(start, timeout=10)
        assert resp.status_code == 200, resp.text[:300]
        assert "org.imsglobal.lti.close" in resp.text
        reg = h.state.registrations[-1]
        body = reg["request"]
        assert set(body["scope"].split()) >= {AGS_SCORE, AGS_LINEITEM, NRPS}
        assert body["token_endpoint_auth_method"] == "private_key_jwt"
        assert body["initiate_login_uri"] == h.tool_url + "/lti/login"
        assert h.tool_url + "/lti/launch" in body["redirect_uris"]
        messages = {m["type"] for m in body["https://purl.imsglobal.org/spec/lti-tool-configuration"]["messages"]}
        assert messages == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
        # The logo Moodle shows beside the tool is there (it was a 404 until 2026-12-07).
        logo = requests.get(body["logo_uri"], timeout=10)
        assert logo.status_code == 200 and logo.headers["Content-Type"].startswith("image/svg+xml")
        assert b"<svg" in logo.content
        with h.tool_app.app_context():
            platform = db.session.scalars(select(Platform)).one()
            assert platform.issuer == h.config.issuer
            assert platform.client_id == reg["client_id"]
            assert platform.deployment_ids == [reg["deployment_id"]]
            assert platform.key_set_url == h.state.key_set_url
            assert platform.auth_login_url == h.state.auth_login_url


def test_registration_token_is_required_and_single_use(database_url: str, tmp_path: Path) -> None:
    with lti_harness(database_url, tmp_path / "i", register=False) as h:
        start = h.state.registration_start_url(h.tool_url + "/lti/register")
        assert requests.get(start, timeout=10).status_code == 200
        again = requests.get(start, timeout=10)  # the token was consumed by the first use
        assert again.status_code == 400 and "registration_failed" in again.text
        query = parse_qs(urlsplit(start).query)
        no_token = requests.get(h.tool_url + "/lti/register",
                                params={"openid_configuration": query["openid_configuration"][0]}, timeout=10)
        assert no_token.status_code == 400 and "HTTP 401" in no_token.text


def test_configuration_from_another_origin_is_refused(database_url: str, tmp_path: Path) -> None:
    """LTI-DR: the issuer named by the configuration must be where it was fetched from."""
    with lti_harness(database_url, tmp_path / "i", register=False) as h:
        resp = requests.get(h.tool_url + "/lti/register",
                            params={"openid_configuration": h.tool_url + "/lti/config"}, timeout=10)
        assert resp.status_code == 400 and "registration_failed" in resp.text
        with h.tool_app.app_context():
            assert db.session.scalars(select(Platform)).first() is None


def test_deep_linking_returns_a_signed_response(database_url: str, tmp_path: Path) -> None:
    """The host picks "insert this workshop"; a signed LtiDeepLinkingResponse reaches the platform."""
    import re

    with lti_harness(database_url, tmp_path / "i") as h:
        driver = h.driver()
        page = driver.launch("maxiaoyan", message="deeplink")
        assert page.status_code == 200 and "插入此工作坊" in page.text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        launch_id = re.search(r'name="launch_id" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        form = driver.session.post(h.tool_url + "/lti/deep-link/respond",
                                   data={"csrf_token": csrf, "launch_id": launch_id, "title": "数学工作坊（一）"},
                                   timeout=10)
        assert form.status_code == 200
        done = driver.post(parse_form(form))
        assert done.status_code == 200, done.text[:300]
        received = h.state.deep_link_responses[-1]
        assert received["titles"] == ["数学工作坊（一）"]
        assert received["claims"]["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"


def test_learner_cannot_deep_link(database_url: str, tmp_path: Path) -> None:
    """Even if a platform sent a deep-linking request for a learner, the tool refuses it."""
    learner = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    with lti_harness(database_url, tmp_path / "i") as h:
        h.state.token_hook = lambda header, claims, sign: sign(
            header, {**claims, "https://purl.imsglobal.org/spec/lti/claim/roles": learner})
        resp = h.driver().launch("maxiaoyan", message="deeplink")
        assert resp.status_code == 403 and "forbidden" in resp.text
