"""Reports in headless Chromium on a phone-sized window, per role (dashboards issue, browser tests):
the host reads the 情况通报 and its WeChat text, turns rankings on in the setup and sees them on
the 研修主页 with the distribution of totals; the county's program manager (a platform
administrator) opens the program view from the workshop's navigation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..fixtures.lti import LtiHarness, lti_harness
from ..lti_tool.workshops.test_studio import studio_world
from .test_player import CHROMIUM_ARGS

pytestmark = pytest.mark.browser


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def test_host_and_program_manager_read_the_reports_on_a_phone(lti: LtiHarness) -> None:
    from playwright.sync_api import sync_playwright

    w = studio_world(lti)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            phone = {"viewport": {"width": 375, "height": 740}}
            host = browser.new_context(**phone).new_page()
            host.goto(lti.platform_url + "/launch?user=maxiaoyan&message=resource")
            host.wait_for_url("**/w/*/")
            host.click("nav.wnav >> text=情况通报")
            host.wait_for_selector("#learners")
            learners = int(host.inner_text("#learners"))
            counted = sum(int(host.inner_text(f"#count-{s}")) for s in ("not_started", "behind", "on_track", "done"))
            assert learners == counted > 0
            assert f"学员 {learners} 人" in host.input_value("#wechat")  # ready to paste into WeChat
            assert host.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

            host.click("nav.wnav >> text=工作坊设置")
            host.check('input[name="rankings_enabled"]')
            host.click("form >> text=保存")
            host.wait_for_selector("text=已保存")
            host.goto(w["base"] + "/overview")  # the setup page has a back link, not the navigation
            host.wait_for_selector("#top")
            assert "王丽华" in host.locator("#top li").first.inner_text()  # the only one with a score
            assert host.locator("#histogram li").count() == 10
            assert host.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

            admin = browser.new_context(**phone).new_page()
            admin.goto(lti.platform_url + "/launch?user=linhai&message=resource")
            admin.wait_for_url("**/w/*/")
            admin.click("nav.wnav >> text=项目总览")
            admin.wait_for_selector(f'tr[data-workshop="{w["wid"]}"]')
            assert admin.locator("#tutors", has_text="胡文斌").count() == 1
            assert admin.get_attribute("#xlsx", "href").endswith("/program/export.xlsx")
        finally:
            browser.close()
