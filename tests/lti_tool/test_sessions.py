"""Sessions inside an LMS iframe and across worker processes (foundation §8)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from lti_tool.devlms.driver import FormPost

from ..conftest import make_app
from ..fixtures.lti import lti_harness
from ..fixtures.servers import ServerThread


def test_cookies_are_samesite_none_secure_behind_https_proxy(database_url: str, tmp_path: Path) -> None:
    """Behind a TLS proxy (X-Forwarded-Proto: https, honoured by ProxyFix) every cookie the launch
    sets is `SameSite=None; Secure; Partitioned`, the only form sent inside a cross-site iframe."""
    with lti_harness(database_url, tmp_path / "i") as h:
        driver = h.driver()
        step = driver.begin("wanglihua")
        login = driver.session.get(step.action, params=step.fields, allow_redirects=False,
                                   headers={"X-Forwarded-Proto": "https"}, timeout=10)
        assert login.status_code == 302
        state_cookie = login.headers["Set-Cookie"]
        assert "SameSite=None" in state_cookie and "Secure" in state_cookie and "Partitioned" in state_cookie
        auth = driver.auth(FormPost(login.headers["Location"], {}, "get"))
        resp = driver.session.post(auth.action, data=auth.fields, headers={"X-Forwarded-Proto": "https"},
                                   allow_redirects=False, timeout=10)
        # The state cookie was marked Secure, so requests does not send it over plain HTTP: the
        # launch is refused — proving the cookie is Secure; the session cookie check follows.
        assert resp.status_code == 400 and "bad_state" in resp.text
    with lti_harness(database_url, tmp_path / "j") as h:
        driver = h.driver()
        form = driver.authorize(driver.begin("wanglihua"))
        resp = driver.session.post(form.action, data=form.fields, headers={"X-Forwarded-Proto": "https"},
                                   allow_redirects=False, timeout=10)
        assert resp.status_code == 302
        session_cookie = resp.headers["Set-Cookie"]
        assert session_cookie.startswith("session=")
        assert "SameSite=None" in session_cookie and "Secure" in session_cookie


def test_plain_http_keeps_lax_cookies(database_url: str, tmp_path: Path) -> None:
    with lti_harness(database_url, tmp_path / "i") as h:
        driver = h.driver()
        form = driver.authorize(driver.begin("wanglihua"))
        resp = driver.session.post(form.action, data=form.fields, allow_redirects=False, timeout=10)
        assert "SameSite=Lax" in resp.headers["Set-Cookie"] and "Secure" not in resp.headers["Set-Cookie"]


def test_iframe_login_checks_cookies_and_offers_a_new_window(database_url: str, tmp_path: Path) -> None:
    """Inside an iframe the login first checks that cookies stick; the fallback link reopens the
    same login in a new window (top level, first-party cookies) without losing the launch."""
    with lti_harness(database_url, tmp_path / "i") as h:
        driver = h.driver()
        step = driver.begin("wanglihua")
        page = driver.session.get(step.action, params=step.fields, headers={"Sec-Fetch-Dest": "iframe"},
                                  allow_redirects=False, timeout=10)
        assert page.status_code == 200 and "在新窗口中打开" in page.text
        import re

        href = re.search(r'id="new-window" href="([^"]+)"', page.text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
        params = parse_qs(urlsplit(href).query)
        assert params["lti1p3_new_window"] == ["1"]
        assert params["login_hint"] == [step.fields["login_hint"]]
        # The new window (a top-level request, no Sec-Fetch-Dest: iframe) continues the launch.
        login = driver.session.get(h.tool_url + href, allow_redirects=False, timeout=10)
        assert login.status_code == 302
        form = driver.auth(FormPost(login.headers["Location"], {}, "get"))
        assert driver.post(form).status_code == 200


def test_login_on_one_worker_launch_on_another(database_url: str, tmp_path: Path) -> None:
    """State and nonce live in the database: a launch started on one process finishes on another,
    and a replay on a third still fails."""
    with lti_harness(database_url, tmp_path / "i") as h:
        other = make_app(database_url, tmp_path / "i", BASE_URL=h.tool_url)
        second = ServerThread(other).start()
        try:
            driver = h.driver()
            form = driver.authorize(driver.begin("wanglihua"))
            assert form.action.startswith(h.tool_url)
            moved = FormPost(form.action.replace(h.tool_url, second.url), form.fields)
            first = driver.post(moved, follow=False)
            assert first.status_code == 302, first.text[:300]
            replay = driver.post(FormPost(form.action, form.fields), follow=False)
            assert replay.status_code == 400 and "replayed_nonce" in replay.text
        finally:
            second.stop()
