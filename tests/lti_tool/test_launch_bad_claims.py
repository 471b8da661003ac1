"""Launches whose id_token has claims of the wrong type, shape, length or characters (found by
fuzzing /lti/launch): each is a 400 page naming the claim, never a 500, and nothing is stored.

Rules (lti_tool/lti/claims.py): the JWT header and payload are objects; text claims are strings
with no NUL and no lone surrogate; objects are objects; roles and scopes are lists of strings;
ids and URLs fit their column and are refused, never cut. iss, aud and kid are checked before the
platform lookup, so those cases arrive with a signature that would not verify.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.i18n import normalise_locale
from lti_tool.lti.errors import LtiError
from lti_tool.models import Course, Membership, ResourceLink, User

from ..fixtures.lti import LtiHarness, lti_harness

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DLS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
NUL = "a\x00b"
SURROGATE = "a\ud800b"


@pytest.fixture
def moodle(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance", profile="moodle") as harness:
        yield harness


def _b64(data: Any) -> str:
    # json.dumps escapes a lone surrogate as \ud800, exactly as a hostile token would carry it.
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _signed(moodle: LtiHarness, header: Any, payload: Any) -> str:
    """Any JSON as header and payload, RS256-signed with the platform's real key."""
    signing_input = f"{_b64(header)}.{_b64(payload)}"
    key = moodle.state.keys.current.private_key
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())  # type: ignore[call-arg,union-attr]
    return signing_input + "." + base64.urlsafe_b64encode(signature).decode().rstrip("=")


def _launch(moodle: LtiHarness, forge: Callable[[dict[str, Any], dict[str, Any]], str], message: str = "resource",
            user: str = "wanglihua") -> Any:
    """The real flow (login, auth, form post with a valid state), with the id_token from `forge`."""
    moodle.state.token_hook = lambda header, claims, _sign: forge(dict(header), json.loads(json.dumps(claims)))
    try:
        return moodle.driver().launch(user, message=message)
    finally:
        moodle.state.token_hook = None


def _with(path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Claims with `value` put at `path` (objects on the way created when missing)."""

    def change(claims: dict[str, Any]) -> dict[str, Any]:
        here = claims
        for key in path[:-1]:
            if not isinstance(here.get(key), dict):
                here[key] = {}
            here = here[key]
        here[path[-1]] = value
        return claims

    return change


def _stored_rows(moodle: LtiHarness) -> int:
    with moodle.tool_app.app_context():
        return sum(
            db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (User, Course, ResourceLink, Membership)
        )


def _assert_refused(moodle: LtiHarness, resp: Any, code: str, names: str) -> None:
    assert resp.status_code == 400, (resp.status_code, resp.text[:400])
    assert f"<code>{code}</code>" in resp.text
    assert names in resp.text, resp.text[:600]
    assert "Traceback" not in resp.text
    assert _stored_rows(moodle) == 0


UNSIGNED = ".AAAA"  # a signature that cannot verify: these must be refused before it is checked

PRE_AUTH: list[tuple[str, Callable[[dict[str, Any], dict[str, Any]], str], str, str]] = [
    ("aud object", lambda h, c: _b64(h) + "." + _b64({**c, "aud": {"a": 1}}) + UNSIGNED, "bad_claim", "aud"),
    ("aud number", lambda h, c: _b64(h) + "." + _b64({**c, "aud": 5}) + UNSIGNED, "bad_claim", "aud"),
    ("aud list of lists", lambda h, c: _b64(h) + "." + _b64({**c, "aud": [[c["aud"]]]}) + UNSIGNED, "bad_claim",
     "aud[]"),
    ("aud too long", lambda h, c: _b64(h) + "." + _b64({**c, "aud": "x" * 256}) + UNSIGNED, "bad_claim", "aud"),
    ("iss number", lambda h, c: _b64(h) + "." + _b64({**c, "iss": 5}) + UNSIGNED, "bad_claim", "iss"),
    ("iss NUL", lambda h, c: _b64(h) + "." + _b64({**c, "iss": NUL}) + UNSIGNED, "bad_claim", "iss"),
    ("iss surrogate", lambda h, c: _b64(h) + "." + _b64({**c, "iss": SURROGATE}) + UNSIGNED, "bad_claim", "iss"),
    ("iss too long", lambda h, c: _b64(h) + "." + _b64({**c, "iss": "x" * 501}) + UNSIGNED, "bad_claim", "iss"),
    ("header a list", lambda h, c: _b64([1]) + "." + _b64(c) + UNSIGNED, "bad_token", "header"),
    ("payload a list", lambda h, c: _b64({**h, "alg": "RS256"}) + "." + _b64([c]) + UNSIGNED, "bad_token",
     "payload"),
    ("payload a string", lambda h, c: _b64({**h, "alg": "RS256"}) + "." + _b64("x") + UNSIGNED, "bad_token",
     "payload"),
    ("kid a list", lambda h, c: _b64({**h, "alg": "RS256", "kid": ["k"]}) + "." + _b64(c) + UNSIGNED, "bad_token",
     "kid"),
    ("kid an object", lambda h, c: _b64({**h, "alg": "RS256", "kid": {"a": 1}}) + "." + _b64(c) + UNSIGNED,
     "bad_token", "kid"),
    ("kid surrogate", lambda h, c: _b64({**h, "alg": "RS256", "kid": "\ud800"}) + "." + _b64(c) + UNSIGNED,
     "bad_token", "kid"),
    ("kid NUL", lambda h, c: _b64({**h, "alg": "RS256", "kid": NUL}) + "." + _b64(c) + UNSIGNED, "bad_token", "kid"),
]


@pytest.mark.parametrize(("forge", "code", "names"), [case[1:] for case in PRE_AUTH],
                         ids=[case[0] for case in PRE_AUTH])
def test_bad_envelope_is_refused_before_the_signature(
    moodle: LtiHarness, forge: Callable[[dict[str, Any], dict[str, Any]], str], code: str, names: str
) -> None:
    """Header, payload, iss, aud and kid reach the platform lookup and the page unsigned."""
    _assert_refused(moodle, _launch(moodle, forge), code, names)


X = "x"
SIGNED: list[tuple[tuple[str, ...], Any, str]] = [
    # wrong type or shape
    ((LTI + "launch_presentation",), "str", "launch_presentation"),
    ((LTI + "launch_presentation",), [1], "launch_presentation"),
    ((LTI + "launch_presentation", "locale"), 5, "launch_presentation.locale"),
    ((LTI + "context",), "str", "context"),
    ((LTI + "context",), 5, "context"),
    ((LTI + "context", "id"), 5, "context.id"),
    ((LTI + "roles",), 5, "roles"),
    ((LTI + "roles",), "Learner", "roles"),
    ((LTI + "roles",), [5], "roles[]"),
    ((LTI + "roles",), [None], "roles[]"),
    ((LTI + "roles",), [["Learner"]], "roles[]"),
    ((LTI + "roles",), [{"a": 1}], "roles[]"),
    ((LTI + "resource_link",), "str", "resource_link"),
    ((LTI + "resource_link",), [1], "resource_link"),
    ((LTI + "custom",), "s", "custom"),
    ((LTI + "custom",), 5, "custom"),
    ((LTI + "custom", "school"), {"a": 1}, "custom.school"),
    ((AGS,), "str", "lti-ags endpoint"),
    ((AGS,), [1], "lti-ags endpoint"),
    ((AGS, "scope"), 5, "lti-ags endpoint.scope"),
    ((AGS, "lineitem"), ["x"], "lti-ags endpoint.lineitem"),
    ((NRPS,), "str", "namesroleservice"),
    ((NRPS,), [1], "namesroleservice"),
    ((NRPS, "context_memberships_url"), ["x"], "namesroleservice.context_memberships_url"),
    (("nonce",), 5, "nonce"),
    (("nonce",), ["n"], "nonce"),
    ((LTI + "deployment_id",), ["d"], "deployment_id"),
    ((LTI + "deployment_id",), {"a": 1}, "deployment_id"),
    ((LTI + "deployment_id",), 5, "deployment_id"),
    (("sub",), 12345, "sub"),
    # NUL
    (("sub",), NUL, "sub"),
    (("name",), NUL, "name"),
    (("email",), NUL, "email"),
    (("locale",), NUL, "locale"),
    ((LTI + "launch_presentation", "locale"), NUL, "launch_presentation.locale"),
    ((LTI + "context", "id"), NUL, "context.id"),
    ((LTI + "context", "title"), NUL, "context.title"),
    ((LTI + "resource_link", "id"), NUL, "resource_link.id"),
    ((LTI + "resource_link", "title"), NUL, "resource_link.title"),
    ((AGS, "lineitems"), NUL, "lti-ags endpoint.lineitems"),
    ((NRPS, "context_memberships_url"), NUL, "namesroleservice.context_memberships_url"),
    ((LTI + "custom", "school"), NUL, "custom.school"),
    (("nonce",), NUL, "nonce"),
    ((LTI + "deployment_id",), NUL, "deployment_id"),
    # longer than the column: refused, never cut
    (("sub",), X * 256, "sub"),
    ((LTI + "context", "id"), X * 300, "context.id"),
    ((LTI + "resource_link", "id"), X * 300, "resource_link.id"),
    ((AGS, "lineitems"), X * 2000, "lti-ags endpoint.lineitems"),
    ((AGS, "lineitem"), X * 2000, "lti-ags endpoint.lineitem"),
    ((NRPS, "context_memberships_url"), X * 2000, "namesroleservice.context_memberships_url"),
    ((LTI + "deployment_id",), X * 300, "deployment_id"),
    # lone surrogate
    (("sub",), SURROGATE, "sub"),
    (("name",), SURROGATE, "name"),
    ((LTI + "context", "id"), SURROGATE, "context.id"),
]


def _case_id(case: tuple[tuple[str, ...], Any, str]) -> str:
    path, value, _names = case
    return ".".join(p.rsplit("/", 1)[-1] for p in path) + "=" + repr(value)[:12]


@pytest.mark.parametrize(("path", "value", "names"), SIGNED, ids=[_case_id(c) for c in SIGNED])
def test_signed_bad_claim_is_refused(moodle: LtiHarness, path: tuple[str, ...], value: Any, names: str) -> None:
    """A signed claim of the wrong type, with NUL or a lone surrogate, or too long for its column."""
    change = _with(path, value)
    resp = _launch(moodle, lambda h, c: _signed(moodle, {**h, "alg": "RS256"}, change(c)))
    _assert_refused(moodle, resp, "bad_claim", names)


@pytest.mark.parametrize("value", ["str", [1], {"deep_link_return_url": 5}])
def test_bad_deep_linking_settings_are_refused(moodle: LtiHarness, value: Any) -> None:
    change = _with((DLS,), value)
    resp = _launch(moodle, lambda h, c: _signed(moodle, {**h, "alg": "RS256"}, change(c)), message="deeplink",
                   user="maxiaoyan")
    _assert_refused(moodle, resp, "bad_claim", "deep_linking_settings")


def test_valid_deep_linking_launch_still_passes(moodle: LtiHarness) -> None:
    """The checks accept the settings claim a real platform sends (strings, lists, booleans)."""
    resp = moodle.driver().launch("maxiaoyan", message="deeplink")
    assert resp.status_code == 200, resp.text[:400]
    assert "launch_id" in resp.text


def test_optional_claims_null_and_ids_at_column_length_still_launch(moodle: LtiHarness) -> None:
    """Null optional claims count as absent; an id exactly as long as its column is accepted whole."""
    sub, context_id = "s" * 255, "c" * 255

    def forge(header: dict[str, Any], claims: dict[str, Any]) -> str:
        claims.update({"sub": sub, "name": None, "email": None, LTI + "launch_presentation": None, AGS: None,
                       NRPS: None})
        claims[LTI + "context"]["id"] = context_id
        claims[LTI + "custom"] = {"school_code": 3205, "pilot": True}  # substituted as JSON scalars
        return _signed(moodle, {**header, "alg": "RS256"}, claims)

    resp = _launch(moodle, forge)
    assert resp.status_code == 200, resp.text[:400]
    with moodle.tool_app.app_context():
        assert db.session.scalars(select(User.sub)).one() == sub
        assert db.session.scalars(select(Course.context_id)).one() == context_id
        assert db.session.scalars(select(Membership.custom)).one() == {"school_code": "3205", "pilot": "True"}


def test_error_detail_with_lone_surrogate_or_nul_can_be_shown() -> None:
    """An echoed detail is escaped, so the refusal page itself can never fail to encode."""
    message = LtiError("unknown_key", "k\ud800\x00").message("en")
    message.encode("utf-8")
    assert "\\ud800" in message and "\x00" not in message


@pytest.mark.parametrize("value", [5, ["en"], {"a": 1}, None])
def test_normalise_locale_of_a_non_string_is_chinese(value: Any) -> None:
    assert normalise_locale(value) == "zh"
