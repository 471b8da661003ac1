"""Dynamic Registration (Moodle): openid-configuration and the strict registration endpoint."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import requests

from .conftest import Harness

TOOL_CONF = "https://purl.imsglobal.org/spec/lti-tool-configuration"


def registration(h: Harness) -> dict[str, Any]:
    t = h.tool.endpoints
    domain = t.launch_url.split("/")[2]
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": t.login_url,
        "redirect_uris": list(t.redirect_uris),
        "client_name": "研修 Yanxiu",
        "jwks_uri": t.jwks_url,
        "logo_uri": t.launch_url + "/logo.png",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score https://example.com/unknown",
        TOOL_CONF: {
            "domain": domain,
            "target_link_uri": t.launch_url,
            "custom_parameters": {"school": "$Person.address.street1"},
            "claims": ["iss", "sub", "name", "email"],
            "messages": [{"type": "LtiDeepLinkingRequest", "target_link_uri": t.deep_link_url}],
        },
    }


def register(h: Harness, body: Any, token: str | None = None) -> requests.Response:
    url = h.cfg.registration_endpoint_url
    assert url
    token = token if token is not None else h.state.new_registration_token()
    return requests.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_openid_configuration(moodle: Harness) -> None:
    url = moodle.cfg.openid_configuration_url
    assert url and url.endswith("/mod/lti/openid-configuration.php")
    conf = requests.get(url, timeout=10).json()
    assert conf["issuer"] == moodle.cfg.issuer
    assert conf["authorization_endpoint"] == moodle.cfg.auth_login_url
    assert conf["token_endpoint"] == moodle.cfg.auth_token_url
    assert conf["jwks_uri"] == moodle.cfg.key_set_url
    assert conf["registration_endpoint"].endswith("/mod/lti/openid-registration.php")
    assert conf["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert conf["id_token_signing_alg_values_supported"] == ["RS256"]
    assert conf["subject_types_supported"] == ["public", "pairwise"]
    platform = conf["https://purl.imsglobal.org/spec/lti-platform-configuration"]
    assert platform["product_family_code"] == "moodle"
    assert [m["type"] for m in platform["messages_supported"]] == [
        "LtiResourceLinkRequest", "LtiDeepLinkingRequest"]


def test_registration_succeeds_and_is_recorded(moodle: Harness) -> None:
    resp = register(moodle, registration(moodle))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["client_id"] and body[TOOL_CONF]["deployment_id"]
    assert body["client_name"] == "研修 Yanxiu"
    assert body["scope"] == "https://purl.imsglobal.org/spec/lti-ags/scope/score"
    assert moodle.state.registrations[0]["client_id"] == body["client_id"]


def test_registration_token_is_required_and_single_use(moodle: Harness) -> None:
    assert register(moodle, registration(moodle), token="made-up").status_code == 401
    token = moodle.state.new_registration_token()
    assert register(moodle, registration(moodle), token=token).status_code == 200
    again = register(moodle, registration(moodle), token=token)
    assert again.status_code == 401 and again.json()["error"] == "registration_token_invalid"


def test_a_rejected_body_does_not_spend_the_token(moodle: Harness) -> None:
    token = moodle.state.new_registration_token()
    native = {**registration(moodle), "application_type": "native"}
    assert register(moodle, native, token=token).status_code == 400
    assert register(moodle, registration(moodle), token=token).status_code == 200


def test_registration_start_url(moodle: Harness) -> None:
    url = moodle.state.registration_start_url("http://tool.example/lti/register?x=1")
    assert url.startswith("http://tool.example/lti/register?x=1&openid_configuration=")
    assert "registration_token=" in url


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        ("application_type", "native", "application_type_not_web"),
        ("response_types", ["code"], "response_types_invalid"),
        ("grant_types", ["client_credentials"], "grant_types_incomplete"),
        ("initiate_login_uri", None, "initiate_login_uri_invalid"),
        ("redirect_uris", [], "redirect_uris_invalid"),
        ("redirect_uris", ["/relative"], "redirect_uris_invalid"),
        ("client_name", "", "client_name_missing"),
        ("jwks_uri", "not a url", "jwks_uri_invalid"),
        ("token_endpoint_auth_method", "client_secret_basic", "token_endpoint_auth_method_invalid"),
        ("scope", None, "scope_missing"),
        (TOOL_CONF, None, "tool_configuration_missing"),
        (f"{TOOL_CONF}.domain", None, "domain_missing"),
        (f"{TOOL_CONF}.target_link_uri", "https://other.example/launch", "target_link_uri_invalid"),
        (f"{TOOL_CONF}.claims", "iss sub", "claims_invalid"),
        (f"{TOOL_CONF}.messages", [{"type": "LtiSubmissionReviewRequest"}], "messages_invalid"),
        (f"{TOOL_CONF}.messages", [], "messages_invalid"),
        (f"{TOOL_CONF}.custom_parameters", {"n": 1}, "custom_parameters_invalid"),
    ],
)
def test_registration_body_validation(moodle: Harness, path: str, value: Any, reason: str) -> None:
    body = copy.deepcopy(registration(moodle))
    target, _, key = path.rpartition(".") if path.startswith(TOOL_CONF + ".") else ("", "", path)
    holder = body[TOOL_CONF] if target else body
    if value is None:
        holder.pop(key)
    else:
        holder[key] = value
    resp = register(moodle, body)
    assert resp.status_code == 400
    assert resp.json()["error"] == reason
    assert moodle.state.registrations == []


def test_registration_needs_json(moodle: Harness) -> None:
    url = moodle.cfg.registration_endpoint_url
    assert url
    token = moodle.state.new_registration_token()
    resp = requests.post(url, data="x=1", timeout=10, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_json"


def test_openedx_has_no_dynamic_registration(openedx: Harness) -> None:
    assert openedx.cfg.openid_configuration_url is None
    resp = requests.get(openedx.cfg.base_url + "/mod/lti/openid-configuration.php", timeout=10)
    assert resp.status_code == 404
