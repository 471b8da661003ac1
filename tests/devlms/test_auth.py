"""Third-party-initiated login and the OIDC auth endpoint: strict like Moodle's mod/lti/auth.php."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lti_tool.devlms import LaunchError

from .conftest import Harness


def test_full_launch_reaches_the_tool_with_a_verified_id_token(moodle: Harness) -> None:
    """GET /launch → tool login → auth → id_token form → tool: the tool verified the token."""
    resp = moodle.driver.launch("wanglihua")
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"ok": True, "sub": "11", "message_type": "LtiResourceLinkRequest"}


def test_moodle_initiates_login_with_a_post_form_carrying_every_parameter(moodle: Harness) -> None:
    """Moodle posts the login initiation (iss, login_hint, target_link_uri, lti_message_hint, client_id,
    lti_deployment_id) with an auto-submitting form."""
    step = moodle.driver.begin("maxiaoyan")
    assert step.method == "post" and step.action == moodle.tool.endpoints.login_url
    assert step.fields["iss"] == moodle.cfg.issuer
    assert step.fields["login_hint"] == "3"
    assert step.fields["target_link_uri"] == moodle.tool.endpoints.launch_url
    assert step.fields["client_id"] == "yanxiu-test" and step.fields["lti_deployment_id"] == "1"
    assert step.fields["lti_message_hint"]


def test_openedx_initiates_login_with_a_get_redirect(openedx: Harness) -> None:
    """lti_consumer redirects the browser to the login URL with a query string."""
    step = openedx.driver.begin("wanglihua")
    assert step.method == "get" and step.action == openedx.tool.endpoints.login_url
    openedx.driver.post(openedx.driver.authorize(step))
    assert openedx.tool.logins[-1]["_method"] == "GET"
    assert len(openedx.tool.logins[-1]["login_hint"]) == 32


def test_state_is_echoed_and_the_form_targets_the_redirect_uri(moodle: Harness) -> None:
    step = moodle.driver.begin("wanglihua")
    auth_request = moodle.driver.login(step)
    form = moodle.driver.auth(auth_request)
    assert form.action == auth_request.fields["redirect_uri"]
    assert form.fields["state"] == auth_request.fields["state"]
    assert set(form.fields) == {"id_token", "state"}


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("redirect_uri", "http://127.0.0.1:9/evil", "redirect_uri_not_registered"),
        ("redirect_uri", None, "redirect_uri_not_registered"),
        ("nonce", None, "nonce_missing"),
        ("login_hint", "9999", "login_hint_unknown"),
        ("login_hint", None, "login_hint_missing"),
        ("response_mode", "query", "response_mode_not_form_post"),
        ("response_mode", None, "response_mode_not_form_post"),
        ("prompt", "login", "prompt_not_none"),
        ("prompt", None, "prompt_not_none"),
        ("client_id", "someone-else", "client_id_mismatch"),
        ("scope", "profile", "scope_not_openid"),
        ("response_type", "code", "response_type_not_id_token"),
        ("lti_message_hint", "forged", "lti_message_hint_invalid"),
    ],
)
def test_auth_rejects_each_violation_with_a_named_reason(
    moodle: Harness, field: str, value: str | None, reason: str
) -> None:
    """Each broken auth parameter → 400 whose body names the reason."""
    auth_request = moodle.driver.login(moodle.driver.begin("wanglihua"))
    if value is None:
        auth_request.fields.pop(field)
    else:
        auth_request.fields[field] = value
    with pytest.raises(LaunchError) as caught:
        moodle.driver.auth(auth_request)
    assert caught.value.response is not None
    assert caught.value.response.status_code == 400
    assert caught.value.response.text.startswith(reason + ":")


def test_redirect_uri_must_match_exactly(moodle: Harness) -> None:
    """A trailing slash is a different URI (Moodle compares strings)."""
    auth_request = moodle.driver.login(moodle.driver.begin("wanglihua"))
    auth_request.fields["redirect_uri"] += "/"
    with pytest.raises(LaunchError, match="redirect_uri_not_registered"):
        moodle.driver.auth(auth_request)


def test_login_hint_must_be_the_user_logged_in_to_the_platform(moodle: Harness) -> None:
    """Moodle: login_hint must be $USER. Another known user's id is refused in strict mode."""
    auth_request = moodle.driver.login(moodle.driver.begin("wanglihua"))
    auth_request.fields["login_hint"] = "12"  # lijianguo, a real user, but not the one logged in
    with pytest.raises(LaunchError, match="login_hint_not_logged_in_user"):
        moodle.driver.auth(auth_request)


def test_a_fresh_browser_without_the_platform_session_is_refused(moodle: Harness) -> None:
    """The auth request replayed from another browser (no platform cookie) fails in strict mode."""
    from lti_tool.devlms import LaunchDriver

    auth_request = moodle.driver.login(moodle.driver.begin("wanglihua"))
    with pytest.raises(LaunchError, match="login_hint_not_logged_in_user"):
        LaunchDriver(moodle.cfg.base_url).auth(auth_request)


def test_non_strict_mode_accepts_any_known_user_and_no_prompt(make_harness: Callable[..., Harness]) -> None:
    h = make_harness("moodle", strict=False)
    from lti_tool.devlms import LaunchDriver

    auth_request = h.driver.login(h.driver.begin("wanglihua"))
    auth_request.fields.pop("prompt")
    form = LaunchDriver(h.cfg.base_url).auth(auth_request)
    assert "id_token" in form.fields


def test_message_hint_is_bound_to_its_user(moodle: Harness) -> None:
    """A hint issued for one user's launch cannot launch another (even when that one is logged in)."""
    first = moodle.driver.login(moodle.driver.begin("wanglihua"))
    moodle.driver.begin("lijianguo")  # now lijianguo is logged in
    first.fields["login_hint"] = "12"
    with pytest.raises(LaunchError, match="lti_message_hint_invalid"):
        moodle.driver.auth(first)


def test_message_hint_expires(make_harness: Callable[..., Harness]) -> None:
    now = [1_800_000_000.0]
    h = make_harness("moodle", clock=lambda: now[0])
    auth_request = h.driver.login(h.driver.begin("wanglihua"))
    now[0] += 301
    with pytest.raises(LaunchError, match="lti_message_hint_invalid"):
        h.driver.auth(auth_request)


def test_auth_endpoint_also_accepts_post(moodle: Harness) -> None:
    auth_request = moodle.driver.login(moodle.driver.begin("wanglihua"))
    auth_request.method = "post"
    assert "id_token" in moodle.driver.auth(auth_request).fields


@pytest.mark.parametrize(
    ("query", "reason"),
    [("user=nobody", "unknown_user"), ("user=wanglihua&resource_link=999", "unknown_resource_link"),
     ("user=wanglihua&message=deeplink", "deep_link_not_allowed"),
     ("user=wanglihua&message=other", "unknown_message")],
)
def test_launch_start_refusals(moodle: Harness, query: str, reason: str) -> None:
    resp = moodle.driver.session.get(f"{moodle.cfg.base_url}/launch?{query}", timeout=10)
    assert resp.status_code == 400 and resp.text.startswith(reason)


def test_launch_into_a_chosen_resource_link(moodle: Harness) -> None:
    link = list(moodle.state.resource_links.values())[1]
    moodle.driver.launch("chenjing", resource_link=link.id)
    claims = moodle.last_claims()
    assert claims["https://purl.imsglobal.org/spec/lti/claim/resource_link"]["id"] == link.id
    assert claims["https://purl.imsglobal.org/spec/lti/claim/resource_link"]["title"] == link.title
