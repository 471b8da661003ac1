"""Token endpoint (client_credentials + private_key_jwt), AGS and NRPS, and the failure-injection hooks."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from .conftest import Harness

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
LINEITEM, LINEITEM_RO, RESULT_RO, SCORE = (AGS + s for s in ("lineitem", "lineitem.readonly",
                                                               "result.readonly", "score"))
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
ITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"


def scores_url(h: Harness, item_id: int = 1) -> str:
    """Insert /scores into the path, keeping Moodle's ?type_id= query."""
    url = h.cfg.lineitem_url(item_id)
    path, _, query = url.partition("?")
    return f"{path}/scores" + (f"?{query}" if query else "")


def a_score(h: Harness, **overrides: Any) -> dict[str, Any]:
    body = {"userId": h.state.subject(h.state.users["wanglihua"]), "scoreGiven": 87.5, "scoreMaximum": 100,
            "activityProgress": "Completed", "gradingProgress": "FullyGraded",
            "timestamp": "2026-11-20T08:30:00.123+08:00", "comment": "优秀"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def post_score(h: Harness, body: dict[str, Any], headers: dict[str, str] | None = None,
               content_type: str = SCORE_TYPE) -> requests.Response:
    return requests.post(scores_url(h), json=body, timeout=10,
                         headers={**(headers or h.bearer(SCORE)), "Content-Type": content_type})


# -- token endpoint ------------------------------------------------------------------------------
def test_token_endpoint_grants_requested_known_scopes(moodle: Harness) -> None:
    resp = moodle.tool.token_request(f"{SCORE} {LINEITEM} https://example.com/unknown")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"].split() == [SCORE, LINEITEM]
    assert moodle.state.tokens_issued == 1


def test_openedx_answers_lowercase_bearer(openedx: Harness) -> None:
    assert openedx.tool.token_request(SCORE).json()["token_type"] == "bearer"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "http://127.0.0.1:1/elsewhere"}, "jwt_aud_mismatch"),
        ({"iss": "another-client"}, "jwt_iss_mismatch"),
        ({"sub": "another-client"}, "jwt_sub_mismatch"),
        ({"exp": int(time.time()) - 5}, "jwt_expired"),
        ({"jti": None}, "jwt_claim_missing"),
        ({"iat": int(time.time()) + 3600}, "jwt_iat_in_future"),
    ],
)
def test_token_endpoint_rejects_bad_assertions(
    moodle: Harness, overrides: dict[str, Any], reason: str
) -> None:
    resp = moodle.tool.token_request(SCORE, assertion=moodle.tool.client_assertion(**overrides))
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_client"
    assert resp.json()["error_description"].startswith(reason)
    assert moodle.state.tokens_issued == 0


def test_token_endpoint_rejects_a_key_not_in_the_tool_jwks(moodle: Harness) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"iss": "yanxiu-test", "sub": "yanxiu-test", "aud": moodle.cfg.auth_token_url, "iat": now,
              "exp": now + 60, "jti": uuid.uuid4().hex}
    resp = moodle.tool.token_request(SCORE, assertion=moodle.tool.sign(claims, key=stranger))
    assert resp.status_code == 400 and "jwt_signature_invalid" in resp.text
    resp = moodle.tool.token_request(SCORE, assertion=moodle.tool.sign(claims, key=stranger, kid="other"))
    assert resp.status_code == 400 and "jwt_kid_unknown" in resp.text


def test_token_endpoint_rejects_a_reused_jti(moodle: Harness) -> None:
    assertion = moodle.tool.client_assertion()
    assert moodle.tool.token_request(SCORE, assertion=assertion).status_code == 200
    again = moodle.tool.token_request(SCORE, assertion=assertion)
    assert again.status_code == 400 and "jwt_jti_reused" in again.text


@pytest.mark.parametrize(
    ("form", "error"),
    [({"grant_type": "password"}, "unsupported_grant_type"),
     ({"client_assertion_type": "basic"}, "invalid_request"),
     ({"scope": "https://example.com/none"}, "invalid_scope")],
)
def test_token_endpoint_rejects_bad_requests(moodle: Harness, form: dict[str, str], error: str) -> None:
    scope = form.pop("scope", SCORE)
    resp = moodle.tool.token_request(scope, **form)
    assert resp.status_code == 400 and resp.json()["error"] == error


# -- AGS -------------------------------------------------------------------------------------------
def test_ags_requires_a_bearer_token_with_the_right_scope(moodle: Harness) -> None:
    assert requests.get(moodle.cfg.lineitems_url, timeout=10).status_code == 401
    bad = requests.get(moodle.cfg.lineitems_url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert bad.status_code == 401 and bad.headers["WWW-Authenticate"].startswith("Bearer")
    wrong_scope = post_score(moodle, a_score(moodle), headers=moodle.bearer(LINEITEM_RO))
    assert wrong_scope.status_code == 401 and wrong_scope.json()["error"] == "insufficient_scope"


def test_expired_access_tokens_are_refused(make_harness: Callable[..., Harness]) -> None:
    now = [time.time()]
    h = make_harness("moodle", clock=lambda: now[0])
    headers = h.bearer(SCORE)
    now[0] += 3601
    assert post_score(h, a_score(h), headers=headers).status_code == 401


def test_line_items_container_is_a_json_array(moodle: Harness) -> None:
    resp = requests.get(moodle.cfg.lineitems_url, headers=moodle.bearer(LINEITEM_RO), timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/vnd.ims.lis.v2.lineitemcontainer+json")
    items = resp.json()
    assert isinstance(items, list) and len(items) == 3
    assert items[0]["id"] == moodle.cfg.lineitem_url(1) and items[0]["scoreMaximum"] == 100
    link_id = items[0]["resourceLinkId"]
    filtered = requests.get(moodle.cfg.lineitems_url, params={"resource_link_id": link_id},
                            headers=moodle.bearer(LINEITEM_RO), timeout=10).json()
    assert [i["id"] for i in filtered] == [items[0]["id"]]
    page = requests.get(moodle.cfg.lineitems_url + "&limit=2", headers=moodle.bearer(LINEITEM_RO), timeout=10)
    assert len(page.json()) == 2 and "type_id=1" in page.links["next"]["url"]


def test_line_item_create_update_delete(moodle: Harness) -> None:
    headers = {**moodle.bearer(LINEITEM), "Content-Type": ITEM_TYPE}
    created = requests.post(moodle.cfg.lineitems_url, json={"label": "说课", "scoreMaximum": 20,
                                                            "tag": "talk", "resourceId": "t1"},
                            headers=headers, timeout=10)
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["label"] == "说课" and item["id"].endswith("/lineitem?type_id=1")
    updated = requests.put(item["id"], json={**item, "label": "说课展示"}, headers=headers, timeout=10)
    assert updated.status_code == 200 and updated.json()["label"] == "说课展示"
    assert requests.get(item["id"], headers=headers, timeout=10).json()["label"] == "说课展示"
    assert requests.delete(item["id"], headers=headers, timeout=10).status_code == 204
    assert requests.get(item["id"], headers=headers, timeout=10).status_code == 404


@pytest.mark.parametrize(
    ("body", "reason"),
    [({"scoreMaximum": 10}, "lineitem_label_missing"), ({"label": "x", "scoreMaximum": 0},
                                                          "lineitem_score_maximum_invalid"),
     ({"label": "x", "scoreMaximum": 5, "resourceLinkId": "nope"}, "lineitem_resource_link_unknown")],
)
def test_line_item_validation(moodle: Harness, body: dict[str, Any], reason: str) -> None:
    resp = requests.post(moodle.cfg.lineitems_url, json=body, timeout=10,
                         headers={**moodle.bearer(LINEITEM), "Content-Type": ITEM_TYPE})
    assert resp.status_code == 400 and resp.json()["error"] == reason


def test_line_item_post_needs_the_lineitem_media_type(moodle: Harness) -> None:
    resp = requests.post(moodle.cfg.lineitems_url, json={"label": "x", "scoreMaximum": 1},
                         headers=moodle.bearer(LINEITEM), timeout=10)
    assert resp.status_code == 415


def test_score_is_recorded_and_shows_in_results(moodle: Harness) -> None:
    resp = post_score(moodle, a_score(moodle))
    assert resp.status_code == 204, resp.text
    assert moodle.state.scores[-1]["scoreGiven"] == 87.5
    assert moodle.state.scores[-1]["user_login"] == "wanglihua"
    assert moodle.state.scores[-1]["lineItemId"] == 1
    path, _, query = moodle.cfg.lineitem_url(1).partition("?")
    results = requests.get(f"{path}/results?{query}", headers=moodle.bearer(RESULT_RO), timeout=10)
    assert results.status_code == 200
    assert results.json() == [{"id": f"{path}/results/11", "scoreOf": moodle.cfg.lineitem_url(1),
                               "userId": "11", "resultScore": 87.5, "resultMaximum": 100, "comment": "优秀"}]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"userId": "424242"}, "score_user_unknown"),
        ({"scoreGiven": 101}, "score_given_above_maximum"),
        ({"scoreGiven": -1}, "score_given_invalid"),
        ({"scoreMaximum": None}, "score_maximum_invalid"),
        ({"timestamp": "20 Nov 2026"}, "score_timestamp_invalid"),
        ({"timestamp": "2026-11-20T08:30:00"}, "score_timestamp_invalid"),
        ({"timestamp": None}, "score_timestamp_invalid"),
        ({"activityProgress": "Done"}, "score_activity_progress_invalid"),
        ({"gradingProgress": None}, "score_grading_progress_invalid"),
    ],
)
def test_score_validation(moodle: Harness, overrides: dict[str, Any], reason: str) -> None:
    resp = post_score(moodle, a_score(moodle, **overrides))
    assert resp.status_code == 400
    assert resp.json()["error"] == reason
    assert moodle.state.scores == []


def test_score_without_a_grade_is_fine(moodle: Harness) -> None:
    resp = post_score(moodle, a_score(moodle, scoreGiven=None, scoreMaximum=None,
                                      activityProgress="Started", gradingProgress="NotReady"))
    assert resp.status_code == 204


def test_score_needs_the_score_media_type(moodle: Harness) -> None:
    assert post_score(moodle, a_score(moodle), content_type="application/json").status_code == 415


def test_an_older_or_equal_timestamp_is_a_conflict(moodle: Harness) -> None:
    assert post_score(moodle, a_score(moodle)).status_code == 204
    again = post_score(moodle, a_score(moodle))
    assert again.status_code == 409 and again.json()["error"] == "score_timestamp_not_newer"
    newer = post_score(moodle, a_score(moodle, timestamp="2026-11-20T08:31:00+08:00", scoreGiven=90))
    assert newer.status_code == 204 and len(moodle.state.scores) == 2


def test_moodle_scores_url_must_keep_the_query_after_the_path(moodle: Harness) -> None:
    """Appending /scores after ?type_id=1 (a classic tool bug) does not reach the scores endpoint."""
    wrong = moodle.cfg.lineitem_url(1) + "/scores"
    resp = requests.post(wrong, json=a_score(moodle), timeout=10,
                         headers={**moodle.bearer(SCORE), "Content-Type": SCORE_TYPE})
    assert resp.status_code == 405  # a POST to the line item itself
    assert moodle.state.scores == []
    other_tool = moodle.cfg.lineitem_url(1).replace("type_id=1", "type_id=7")
    resp = requests.get(other_tool, headers=moodle.bearer(LINEITEM_RO), timeout=10)
    assert resp.status_code == 400 and resp.json()["error"] == "type_id_mismatch"


def test_openedx_ags_paths(openedx: Harness) -> None:
    assert openedx.cfg.lineitem_url(1).endswith("/api/lti_consumer/v1/lti/1/lti-ags/1")
    assert post_score(openedx, a_score(openedx)).status_code == 204


# -- NRPS ------------------------------------------------------------------------------------------
def test_nrps_pages_with_a_link_header(moodle: Harness) -> None:
    headers = {**moodle.bearer(NRPS), "Accept": "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"}
    url: str | None = moodle.cfg.memberships_url + "?limit=5"
    members: list[dict[str, Any]] = []
    pages = 0
    while url:
        resp = requests.get(url, headers=headers, timeout=10)
        assert resp.status_code == 200
        assert resp.headers["Content-Type"].startswith(
            "application/vnd.ims.lti-nrps.v2.membershipcontainer+json")
        body = resp.json()
        assert body["context"]["title"] == "2026 小学数学教师工作坊"
        members += body["members"]
        pages += 1
        url = resp.links.get("next", {}).get("url")
    assert pages == 4 and len(members) == 17
    wang = next(m for m in members if m["user_id"] == "11")
    assert wang["name"] == "王丽华" and wang["roles"] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]


def test_nrps_role_filter(moodle: Harness) -> None:
    resp = requests.get(moodle.cfg.memberships_url, params={"role": "Learner"}, headers=moodle.bearer(NRPS),
                        timeout=10)
    assert len(resp.json()["members"]) == 12


def test_nrps_without_pii_has_only_ids_and_roles(openedx: Harness) -> None:
    resp = requests.get(openedx.cfg.memberships_url, headers=openedx.bearer(NRPS), timeout=10)
    members = resp.json()["members"]
    assert all(set(m) == {"status", "user_id", "roles"} for m in members)


def test_nrps_requires_its_scope(moodle: Harness) -> None:
    resp = requests.get(moodle.cfg.memberships_url, headers=moodle.bearer(SCORE), timeout=10)
    assert resp.status_code == 401


# -- failure injection -----------------------------------------------------------------------------
def test_fail_next_fails_matching_requests_n_times(moodle: Harness) -> None:
    headers = moodle.bearer(SCORE)
    moodle.state.fail_next("/scores", 503, times=2, headers={"Retry-After": "1"})
    first = post_score(moodle, a_score(moodle), headers=headers)
    assert first.status_code == 503 and first.headers["Retry-After"] == "1"
    assert post_score(moodle, a_score(moodle), headers=headers).status_code == 503
    assert post_score(moodle, a_score(moodle), headers=headers).status_code == 204
    assert len(moodle.state.scores) == 1
    assert [s for _, p, s in moodle.state.request_log if "/scores" in p] == [503, 503, 204]


def test_fail_next_on_the_token_endpoint(moodle: Harness) -> None:
    moodle.state.fail_next("token.php", 401)
    assert moodle.tool.token_request(SCORE).status_code == 401
    assert moodle.tool.token_request(SCORE).status_code == 200
    assert moodle.state.tokens_issued == 1


def test_expire_access_tokens_hook(moodle: Harness) -> None:
    headers = moodle.bearer(SCORE)
    moodle.state.expire_access_tokens()
    assert post_score(moodle, a_score(moodle), headers=headers).status_code == 401
