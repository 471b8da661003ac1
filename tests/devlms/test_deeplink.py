"""Deep Linking: the request message, and the return endpoint's verification of the tool's response."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from lti_tool.devlms.driver import parse_form

from .conftest import Harness

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def deep_link_request(h: Harness) -> dict[str, Any]:
    """Run a deep-linking launch as the host up to the tool; return the request claims."""
    form = h.driver.authorize(h.driver.begin("maxiaoyan", message="deeplink"))
    return h.tool.verify_id_token(form.fields["id_token"])


def post_jwt(h: Harness, token: str) -> requests.Response:
    return requests.post(h.cfg.deep_link_return_url, data={"JWT": token}, timeout=10)


def test_deep_linking_request_claims(moodle: Harness) -> None:
    c = deep_link_request(moodle)
    assert c[LTI + "message_type"] == "LtiDeepLinkingRequest"
    assert c[LTI + "target_link_uri"] == moodle.tool.endpoints.deep_link_url
    assert LTI + "resource_link" not in c
    settings = c[DL + "deep_linking_settings"]
    assert settings["deep_link_return_url"] == moodle.cfg.deep_link_return_url
    assert settings["accept_types"] == ["ltiResourceLink"]
    assert settings["accept_presentation_document_targets"] == ["iframe", "window"]
    assert settings["accept_multiple"] is False and settings["auto_create"] is True
    assert settings["data"]


def test_openedx_deep_linking_request_carries_no_context_or_services(openedx: Harness) -> None:
    """lti_consumer builds deep-linking launches without the extra claims."""
    c = deep_link_request(openedx)
    assert LTI + "context" not in c
    assert "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint" not in c


def test_full_deep_linking_round_trip_adds_a_launchable_activity(moodle: Harness) -> None:
    """Host → tool's deep-link page → JWT posted back → "已添加" → the link is listed and launches."""
    moodle.tool.deep_link_items = [{"type": "ltiResourceLink", "title": "第三期：说课展示",
                                    "url": moodle.tool.endpoints.launch_url + "?activity=talk",
                                    "custom": {"activity": "talk"},
                                    "lineItem": {"scoreMaximum": 20, "label": "说课", "resourceId": "talk"}}]
    tool_page = moodle.driver.launch("maxiaoyan", message="deeplink")
    done = moodle.driver.post(parse_form(tool_page))
    assert done.status_code == 200, done.text
    assert "已添加 / added: <strong>第三期：说课展示</strong>" in done.text
    link = next(link for link in moodle.state.resource_links.values() if link.from_deep_link)
    assert moodle.state.line_items[link.line_item_id or 0].score_maximum == 20
    assert "第三期：说课展示" in moodle.driver.session.get(moodle.cfg.home_url, timeout=10).text
    moodle.driver.launch("wanglihua", resource_link=link.id)
    claims = moodle.last_claims()
    assert claims[LTI + "target_link_uri"].endswith("?activity=talk")
    assert claims[LTI + "custom"]["activity"] == "talk"
    assert claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitem"] == \
        moodle.cfg.lineitem_url(link.line_item_id or 0)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "http://elsewhere"}, "jwt_aud_mismatch"),
        ({"iss": "not-the-client"}, "jwt_iss_mismatch"),
        ({"exp": int(time.time()) - 1}, "jwt_expired"),
        ({"nonce": None}, "jwt_claim_missing"),
        ({LTI + "message_type": "LtiResourceLinkRequest"}, "dl_message_type_invalid"),
        ({LTI + "version": "1.1"}, "dl_version_invalid"),
        ({LTI + "deployment_id": "99"}, "dl_deployment_id_mismatch"),
        ({DL + "data": "forged"}, "dl_data_mismatch"),
        ({DL + "content_items": [{"type": "link", "url": "http://x"}]}, "dl_item_type_not_accepted"),
        ({DL + "content_items": [{"type": "ltiResourceLink"}] * 2}, "dl_too_many_items"),
    ],
)
def test_deep_link_return_rejects_bad_responses(
    moodle: Harness, overrides: dict[str, Any], reason: str
) -> None:
    token = moodle.tool.deep_link_response(deep_link_request(moodle), **overrides)
    resp = post_jwt(moodle, token)
    assert resp.status_code == 400 and resp.text.startswith(reason), resp.text
    assert moodle.state.deep_link_responses == []


def test_deep_link_data_is_single_use(moodle: Harness) -> None:
    request_claims = deep_link_request(moodle)
    assert post_jwt(moodle, moodle.tool.deep_link_response(request_claims)).status_code == 200
    replay = post_jwt(moodle, moodle.tool.deep_link_response(request_claims))
    assert replay.status_code == 400 and replay.text.startswith("dl_data_mismatch")


def test_deep_link_return_needs_a_jwt(moodle: Harness) -> None:
    resp = requests.post(moodle.cfg.deep_link_return_url, data={"jwt": "x"}, timeout=10)
    assert resp.status_code == 400 and resp.text.startswith("dl_jwt_missing")


def test_deep_link_signed_with_another_key_is_refused(moodle: Harness) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    request_claims = deep_link_request(moodle)
    token = moodle.tool.deep_link_response(request_claims)
    import jwt

    claims = jwt.decode(token, options={"verify_signature": False})
    forged = moodle.tool.sign(claims, key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    resp = post_jwt(moodle, forged)
    assert resp.status_code == 400 and resp.text.startswith("jwt_signature_invalid")


def test_empty_selection_adds_nothing(moodle: Harness) -> None:
    resp = post_jwt(moodle, moodle.tool.deep_link_response(deep_link_request(moodle),
                                                           **{DL + "content_items": []}))
    assert resp.status_code == 200 and "未添加内容" in resp.text


def test_openedx_deep_link_return_path(openedx: Harness) -> None:
    assert openedx.cfg.deep_link_return_url.endswith("/api/lti_consumer/v1/lti/1/lti-dl/response")
    assert post_jwt(openedx, openedx.tool.deep_link_response(deep_link_request(openedx))).status_code == 200
