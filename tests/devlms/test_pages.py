"""The dev LMS page, the demo data, mounting under a prefix, and the production lock."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from lti_tool.devlms import DEMO_COURSE, PlatformConfig, ToolEndpoints, create_platform_app
from lti_tool.devlms.driver import parse_form

from .conftest import Harness

TOOL = ToolEndpoints(login_url="http://t/login", launch_url="http://t/launch", redirect_uris=["http://t/launch"],
                     jwks_url="http://t/jwks", deep_link_url="http://t/dl")


def test_demo_course_has_three_schools_a_dozen_teachers_a_host_and_two_tutors() -> None:
    assert len(DEMO_COURSE.by_role("participant")) == 12
    assert len(DEMO_COURSE.by_role("host")) == 1 and len(DEMO_COURSE.by_role("tutor")) == 2
    assert DEMO_COURSE.schools == ("城关小学", "北关小学", "石牛镇中心小学")
    assert {u.town for u in DEMO_COURSE.by_role("participant")} == {"城关镇", "石牛镇"}
    assert len({u.login for u in DEMO_COURSE.users}) == len(DEMO_COURSE.users)
    assert len({u.moodle_id for u in DEMO_COURSE.users}) == len(DEMO_COURSE.users)


def test_home_page_lists_everyone_with_a_launch_button(moodle: Harness) -> None:
    page = requests.get(moodle.cfg.home_url, timeout=10)
    assert page.status_code == 200
    html = page.text
    assert '<meta name="viewport"' in html and "2026 小学数学教师工作坊" in html
    for user in DEMO_COURSE.users:
        assert user.name in html and f'value="{user.login}"' in html
    assert html.count("以此身份进入 / Launch as") == len(DEMO_COURSE.users)
    assert "插入工作坊 (deep linking)" in html


def test_a_button_on_the_page_starts_a_real_launch(moodle: Harness) -> None:
    """Submitting the page's form with a person's button value reaches the tool as that person."""
    form = parse_form(moodle.driver.session.get(moodle.cfg.home_url, timeout=10))
    assert form.action == moodle.cfg.base_url + "/launch" and form.method == "get"
    resp = moodle.driver.session.get(form.action, params={**form.fields, "user": "zhaomin"}, timeout=10)
    login_form = parse_form(resp)
    assert login_form.fields["login_hint"] == "17"


def test_page_escapes_what_it_shows(moodle: Harness) -> None:
    moodle.state.add_resource_link("x1", '<script>alert("x")</script>')
    html = requests.get(moodle.cfg.home_url, timeout=10).text
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


def test_page_shows_grades_received(moodle: Harness) -> None:
    moodle.state.scores.append({"userId": "11", "user_login": "wanglihua", "lineItemId": 1, "scoreGiven": 9,
                                "scoreMaximum": 10, "activityProgress": "Completed",
                                "gradingProgress": "FullyGraded", "timestamp": "2026-11-20T08:00:00+08:00"})
    assert "9 / 10" in requests.get(moodle.cfg.home_url, timeout=10).text


def test_mounted_under_a_prefix_with_routes_registered_there(make_harness: Callable[..., Harness]) -> None:
    """issuer http://h:p/devlms + url_prefix /devlms: the routes live under /devlms in the app."""
    h = make_harness("moodle", issuer_suffix="/devlms", url_prefix="/devlms")
    assert h.cfg.auth_login_url == h.platform_url + "/devlms/mod/lti/auth.php"
    assert h.driver.launch("wanglihua").status_code == 200
    assert h.last_claims()["iss"] == h.platform_url + "/devlms"
    assert requests.get(h.platform_url + "/mod/lti/certs.php", timeout=10).status_code == 404


def test_url_prefix_is_appended_to_an_issuer_without_it(make_harness: Callable[..., Harness]) -> None:
    h = make_harness("openedx", url_prefix="/devlms")
    assert h.cfg.base_url == h.platform_url + "/devlms"
    assert h.driver.launch("wanglihua").status_code == 200
    assert h.last_claims()["iss"] == h.platform_url


def test_mounted_by_a_dispatcher_that_strips_the_prefix(make_harness: Callable[..., Harness]) -> None:
    """DispatcherMiddleware sets SCRIPT_NAME: url_prefix stays empty, the issuer carries the path."""

    def mount(app: Flask) -> DispatcherMiddleware:
        return DispatcherMiddleware(Flask("tool_stand_in"), {"/devlms": app})

    h = make_harness("moodle", issuer_suffix="/devlms", wrap=mount)
    form = parse_form(requests.get(h.cfg.home_url, timeout=10))
    assert form.action == h.cfg.base_url + "/launch"
    assert h.driver.launch("wanglihua").status_code == 200


def test_demo_purpose_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = PlatformConfig(issuer="http://127.0.0.1:5001", tool=TOOL)
    monkeypatch.delenv("YANXIU_ENV", raising=False)
    with pytest.raises(RuntimeError, match="never served in production"):
        create_platform_app(cfg, purpose="demo")
    monkeypatch.setenv("YANXIU_ENV", "production")
    with pytest.raises(RuntimeError):
        create_platform_app(cfg, purpose="demo")
    monkeypatch.setenv("YANXIU_ENV", "demo")
    assert create_platform_app(cfg, purpose="demo").extensions["devlms"].config is cfg
    with pytest.raises(ValueError):
        create_platform_app(cfg, purpose="prod")  # type: ignore[arg-type]


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        PlatformConfig(issuer="127.0.0.1:5001", tool=TOOL)
    with pytest.raises(ValueError):
        PlatformConfig(issuer="http://h", tool=TOOL, url_prefix="devlms/")
    with pytest.raises(ValueError):
        PlatformConfig(issuer="http://h", tool=TOOL, profile="canvas")  # type: ignore[arg-type]


def test_state_exposes_the_registration_urls() -> None:
    app = create_platform_app(PlatformConfig(issuer="http://127.0.0.1:5001", tool=TOOL))
    state = app.extensions["devlms"]
    assert state.auth_login_url == "http://127.0.0.1:5001/mod/lti/auth.php"
    assert state.auth_token_url == "http://127.0.0.1:5001/mod/lti/token.php"
    assert state.key_set_url == "http://127.0.0.1:5001/mod/lti/certs.php"


def test_the_package_imports_nothing_else_from_the_tool() -> None:
    """Standalone: no module of lti_tool/devlms imports another part of lti_tool (checked statically,
    since importing any lti_tool subpackage runs lti_tool/__init__ first)."""
    import lti_tool.devlms

    package = Path(lti_tool.devlms.__file__).parent
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert node.level <= 1, f"{source.name} imports from a parent package"
                assert node.level == 1 or not (node.module or "").startswith("lti_tool"), source.name
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("lti_tool") for a in node.names), source.name
