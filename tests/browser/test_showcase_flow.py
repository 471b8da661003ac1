"""优秀作业 in headless Chromium on a phone-sized window: a participant of another class finds the
work a tutor recommended through the workshop's navigation, reads it and comments; the comment's
Markdown renders, its script payload stays inert, and the page fits the phone's width."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import SubmissionComment

from ..fixtures.lti import LtiHarness, lti_harness
from ..lti_tool.workshops.test_assignments import make_space
from ..lti_tool.workshops.test_tutor_queue import grade, submitted
from .test_player import CHROMIUM_ARGS

pytestmark = pytest.mark.browser
PAYLOAD = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def test_a_participant_reads_and_comments_on_excellent_work(lti: LtiHarness) -> None:
    from playwright.sync_api import sync_playwright

    space = make_space(lti)
    sid = submitted(space, "wanglihua", "## 教学目标\n\n学生能够**独立**设计实验")
    assert grade(space, "huwenbin", sid, action="excellent").status_code == 200
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
            page.goto(lti.platform_url + "/launch?user=zhouting&message=resource")
            page.wait_for_url("**/w/*/")
            page.click("nav.wnav >> text=优秀作业")
            page.wait_for_selector(f'li[data-submission="{sid}"]')
            page.click(f'li[data-submission="{sid}"] a')
            page.wait_for_selector("text=教学目标")
            assert page.locator(".answer strong", has_text="独立").count() == 1
            page.fill('textarea[name="body"]', "实验设计**很清楚** " + PAYLOAD)
            page.click("#comments button[type=submit]")
            page.wait_for_selector("#comment-count:text('1')")
            assert page.locator(".comments strong", has_text="很清楚").count() == 1
            assert page.evaluate("window.__xss") is None
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        finally:
            browser.close()
    with lti.tool_app.app_context():
        stored = db.session.scalars(select(SubmissionComment)).one()
        assert stored.submission_id == sid and "很清楚" in stored.body
