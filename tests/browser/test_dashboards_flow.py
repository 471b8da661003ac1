"""The dashboards in headless Chromium on a phone-sized window (dashboards issue, browser tests): a
participant opens their 研修工作室 and the 研修主页 from the workshop's navigation; the tutor opens
a learner's studio from the grade table; both pages fit the phone's width and the daily chart
carries a text alternative."""

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


def test_participant_and_tutor_read_the_dashboards_on_a_phone(lti: LtiHarness) -> None:
    from playwright.sync_api import sync_playwright

    w = studio_world(lti)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            phone = {"viewport": {"width": 375, "height": 740}}
            page = browser.new_context(**phone).new_page()
            page.goto(lti.platform_url + "/launch?user=wanglihua&message=resource")
            page.wait_for_url("**/w/*/")
            page.click("nav.wnav >> text=研修工作室")
            page.wait_for_selector("#hours")
            assert page.inner_text("#hours") == "0.11" and page.inner_text("#threads") == "1"
            assert page.locator(".tasks .score").inner_text() == "20.00"
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            page.click("nav.wnav >> text=研修主页")
            page.wait_for_selector("svg.bars")
            label = page.get_attribute("svg.bars", "aria-label") or ""
            assert label.startswith("每日参与人数") and label.count("，") == 13  # 14 days in words
            assert page.locator("svg.bars rect").count() == 14
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

            tutor = browser.new_context(**phone).new_page()
            tutor.goto(lti.platform_url + "/launch?user=huwenbin&message=resource")
            tutor.wait_for_url("**/w/*/")
            tutor.goto(w["base"] + "/grades")
            tutor.click(f'a[href$="/studio/{w["ids"]["wanglihua"]}"]')
            tutor.wait_for_selector("#hours")
            assert "王丽华" in tutor.inner_text("h1")
        finally:
            browser.close()
