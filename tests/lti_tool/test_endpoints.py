"""`/lti/config`, `/healthz`, CSRF on the tool's own forms (foundation §6, standards: CSRF)."""

from typing import Any


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
    r = client.post("/lti/deep-link/respond", data={"launch_id": "x", "title": "t"})
    assert r.status_code == 400
    assert "CSRF" in r.get_data(as_text=True)


def test_login_without_params_names_the_missing_one(client: Any) -> None:
    r = client.get("/lti/login?iss=https://x.example")
    assert r.status_code == 400
    assert "login_hint" in r.get_data(as_text=True)
