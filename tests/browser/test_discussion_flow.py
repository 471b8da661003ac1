"""A participant posts and another replies, quoting, in headless Chromium on a phone-sized window
(workshop issue §3 browser flows): safe Markdown renders, script and event-handler payloads stay
inert, the quote is shown, and the topic counts as done on the poster's home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Activity, Post

from ..fixtures.lti import LtiHarness, lti_harness
from ..lti_tool.workshops.test_pages import csrf
from .test_player import CHROMIUM_ARGS

pytestmark = pytest.mark.browser
PAYLOAD = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def test_participants_post_and_reply_with_a_quote(lti: LtiHarness) -> None:
    from playwright.sync_api import sync_playwright

    host = lti.driver()
    base = host.launch("maxiaoyan").url.rstrip("/")
    token = csrf(host.session.get(base + "/setup").text)
    r = host.session.post(base + "/activities", data={"csrf_token": token, "kind": "discussion",
                                                       "title": "如何设计课堂提问", "required": "1"})
    assert r.status_code == 200
    with lti.tool_app.app_context():
        aid = db.session.scalars(select(Activity.id).where(Activity.kind == "discussion")).one()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            phone = {"viewport": {"width": 375, "height": 740}}
            wang = browser.new_context(**phone).new_page()
            wang.goto(lti.platform_url + "/launch?user=wanglihua&message=resource")
            wang.wait_for_url("**/w/*/")
            wang.click("text=如何设计课堂提问")
            wang.fill('#new-thread input[name="title"]', "提问要有层次")
            wang.fill('#new-thread textarea[name="body"]', "先**低阶**后高阶 " + PAYLOAD)
            wang.click("#new-thread button[type=submit]")
            wang.wait_for_selector("text=提问要有层次")
            assert wang.locator("strong", has_text="低阶").count() >= 1
            assert wang.evaluate("window.__xss") is None

            li = browser.new_context(**phone).new_page()
            li.goto(lti.platform_url + "/launch?user=lijianguo&message=resource")
            li.wait_for_url("**/w/*/")
            next_step = li.locator("p", has_text="下一步").locator(f'a[href$="/a/{aid}"]')
            assert next_step.count() == 1  # the only required activity, not done yet
            li.goto(f"{base}/d/{aid}")
            li.click("a.thread-title")
            li.click("a.quote-link")
            li.wait_for_selector("#reply blockquote.quote")
            li.fill('#reply textarea[name="body"]', "同意，再加上追问")
            li.click("#reply button[type=submit]")
            li.wait_for_selector("text=同意，再加上追问")
            assert li.locator("blockquote.quote", has_text="低阶").count() >= 1  # the quote is shown
            assert li.evaluate("window.__xss") is None
            assert "<script>window.__xss" not in li.content()  # stripped, not merely hidden
            assert li.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

            # Before posting the topic was the next step on 李建国's home; after replying it is not.
            li.goto(base + "/")
            assert li.locator("p", has_text="下一步").locator(f'a[href$="/a/{aid}"]').count() == 0
        finally:
            browser.close()
    with lti.tool_app.app_context():
        thread, reply = db.session.scalars(select(Post).order_by(Post.id)).all()
        assert reply.parent_id == thread.id and reply.quote_id == thread.id
