"""id_tokens: RS256 with a published kid, and the claim sets of Moodle 4.x and Open edX 11.x."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest
import requests

from lti_tool.devlms import DEMO_COURSE

from .conftest import Harness

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
M = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INST = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYS = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"


def launch_claims(h: Harness, user: str) -> dict[str, Any]:
    resp = h.driver.launch(user)
    assert resp.status_code == 200, resp.text
    return h.last_claims()


def test_id_token_is_rs256_with_a_kid_from_the_jwks(moodle: Harness) -> None:
    form = moodle.driver.authorize(moodle.driver.begin("wanglihua"))
    header = jwt.get_unverified_header(form.fields["id_token"])
    keys = requests.get(moodle.cfg.key_set_url, timeout=10).json()["keys"]
    assert header["alg"] == "RS256"
    assert header["kid"] in {k["kid"] for k in keys}
    assert all(k["kty"] == "RSA" and k["alg"] == "RS256" and k["use"] == "sig" and "d" not in k for k in keys)


def test_moodle_claims(moodle: Harness) -> None:
    """Moodle: aud string, exp = iat + 60, numeric sub, PII, custom from the profile, lis, services."""
    c = launch_claims(moodle, "wanglihua")
    assert c["iss"] == moodle.cfg.issuer and c["aud"] == "yanxiu-test" and c["azp"] == "yanxiu-test"
    assert c["exp"] - c["iat"] == 60
    assert c["sub"] == "11"
    assert (c["name"], c["given_name"], c["family_name"]) == ("王丽华", "丽华", "王")
    assert c["email"] == "wanglihua@school.example.com"
    assert c[LTI + "version"] == "1.3.0" and c[LTI + "deployment_id"] == "1"
    assert c[LTI + "message_type"] == "LtiResourceLinkRequest"
    assert c[LTI + "target_link_uri"] == moodle.tool.endpoints.launch_url
    assert set(c[LTI + "resource_link"]) == {"id", "title", "description"}
    assert c[LTI + "roles"] == [M + "Learner"]
    assert c[LTI + "context"]["title"] == "2026 小学数学教师工作坊"
    assert c[LTI + "tool_platform"]["product_family_code"] == "moodle"
    assert c[LTI + "launch_presentation"]["locale"] == "zh_cn"
    assert c[LTI + "launch_presentation"]["document_target"] == "iframe"
    assert c[LTI + "custom"] == {"school": "城关小学", "town": "城关镇"}
    assert c[LTI + "lis"]["course_section_sourcedid"] == DEMO_COURSE.idnumber
    assert c[AGS]["lineitems"].endswith("/mod/lti/services.php/2/lineitems?type_id=1")
    assert c[AGS]["lineitem"].endswith("/lineitem?type_id=1")
    assert set(c[AGS]["scope"]) == {
        "https://purl.imsglobal.org/spec/lti-ags/scope/" + s
        for s in ("lineitem", "lineitem.readonly", "result.readonly", "score")
    }
    assert c[NRPS] == {"context_memberships_url": moodle.cfg.memberships_url, "service_versions": ["2.0"]}


def test_moodle_roles_per_person(moodle: Harness) -> None:
    assert launch_claims(moodle, "maxiaoyan")[LTI + "roles"] == [M + "Instructor"]
    assert launch_claims(moodle, "huwenbin")[LTI + "roles"] == [M + "TeachingAssistant"]
    assert launch_claims(moodle, "hezhendong")[LTI + "roles"] == [M + "Mentor"]
    admin = launch_claims(moodle, "linhai")[LTI + "roles"]
    assert set(admin) == {M + "Instructor", INST + "Administrator", SYS + "Administrator"}


def test_tutor_sub_role_form(make_harness: Callable[..., Harness]) -> None:
    h = make_harness("moodle", tutor_role_form="subrole")
    roles = launch_claims(h, "guomeiling")[LTI + "roles"]
    assert roles == ["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"]


def test_openedx_claims_have_no_pii_and_live_an_hour(openedx: Harness) -> None:
    c = launch_claims(openedx, "wanglihua")
    assert c["exp"] - c["iat"] == 3600
    assert isinstance(c["aud"], str)
    assert len(c["sub"]) == 32 and int(c["sub"], 16) >= 0
    for pii in ("name", "given_name", "family_name", "email"):
        assert pii not in c
    assert LTI + "tool_platform" not in c and LTI + "lis" not in c
    assert c[LTI + "roles"] == [INST + "Student", M + "Learner"]
    assert c[LTI + "context"]["id"].startswith("course-v1:")
    assert c[LTI + "resource_link"]["id"].startswith("block-v1:")
    assert "/api/lti_consumer/v1/lti/" in c[AGS]["lineitems"]
    assert "school" not in json.dumps(c)


def test_openedx_roles_and_legacy_roles(make_harness: Callable[..., Harness]) -> None:
    h = make_harness("openedx")
    assert launch_claims(h, "maxiaoyan")[LTI + "roles"] == [INST + "Instructor", M + "Instructor"]
    legacy = make_harness("openedx", openedx_context_roles=False)
    assert launch_claims(legacy, "maxiaoyan")[LTI + "roles"] == [INST + "Instructor"]


def test_openedx_can_share_pii(make_harness: Callable[..., Harness]) -> None:
    c = launch_claims(make_harness("openedx", share_pii=True), "zhouting")
    assert c["name"] == "周婷" and c["email"] == "zhouting@school.example.com"


def test_aud_as_list_option(make_harness: Callable[..., Harness]) -> None:
    assert launch_claims(make_harness("moodle", aud_as_list=True), "wanglihua")["aud"] == ["yanxiu-test"]


def test_key_rotation_publishes_both_keys_and_signs_with_the_new_one(moodle: Harness) -> None:
    old_kid = moodle.state.keys.current.kid
    new = moodle.state.rotate_key()
    kids = [k["kid"] for k in requests.get(moodle.cfg.key_set_url, timeout=10).json()["keys"]]
    assert kids == [old_kid, new.kid] and new.kid != old_kid
    form = moodle.driver.authorize(moodle.driver.begin("wanglihua"))
    assert jwt.get_unverified_header(form.fields["id_token"])["kid"] == new.kid
    assert moodle.driver.post(form).status_code == 200
    moodle.state.retire_old_keys()
    assert [k["kid"] for k in moodle.state.keys.jwks()["keys"]] == [new.kid]


def test_kid_is_derived_from_the_key(platform_pem: bytes, make_harness: Callable[..., Harness]) -> None:
    """The same PEM gives the same kid (RFC 7638 thumbprint)."""
    assert make_harness("moodle").state.keys.current.kid == make_harness("openedx").state.keys.current.kid


def test_token_hook_forges_tokens_the_tool_must_refuse(moodle: Harness) -> None:
    """The hook sees header and claims and may sign anything: here an expired token."""

    def expired(header: dict[str, Any], claims: dict[str, Any], sign: Callable[..., str]) -> str:
        return sign(header, {**claims, "exp": claims["iat"] - 10})

    moodle.state.token_hook = expired
    form = moodle.driver.authorize(moodle.driver.begin("wanglihua"))
    with pytest.raises(jwt.ExpiredSignatureError):
        moodle.tool.verify_id_token(form.fields["id_token"])


def test_claims_use_the_injected_clock(make_harness: Callable[..., Harness]) -> None:
    h = make_harness("moodle", clock=lambda: 1_900_000_000.0)
    form = h.driver.authorize(h.driver.begin("wanglihua"))
    claims = jwt.decode(form.fields["id_token"], options={"verify_signature": False})
    assert (claims["iat"], claims["exp"]) == (1_900_000_000, 1_900_000_060)


def test_issued_claims_are_recorded(moodle: Harness) -> None:
    moodle.driver.launch("sunhao")
    assert moodle.state.id_tokens[-1]["sub"] == "22"


def test_tampered_token_fails_at_the_tool(moodle: Harness) -> None:
    form = moodle.driver.authorize(moodle.driver.begin("wanglihua"))
    head, body, sig = form.fields["id_token"].split(".")
    form.fields["id_token"] = ".".join([head, body, sig[:-4] + ("AAAA" if sig[-4:] != "AAAA" else "BBBB")])
    with pytest.raises(jwt.InvalidSignatureError):
        moodle.tool.verify_id_token(form.fields["id_token"])
