"""An assignment's file too large or of a type not allowed, in headless Chromium on a phone-sized
window: refused in the browser before anything is sent (static/upload_check.js), the message beside
the file input, the typed answer still in its box; a good file then goes. Without JavaScript, a body
over the request limit gets the refusal page, and the browser's Back shows the answer as it was typed
(what that page tells the participant to do)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Submission

from ..fixtures.lti import LtiHarness, lti_harness
from ..lti_tool.workshops.test_assignments import EXE, PDF, Space, make_space
from .test_player import CHROMIUM_ARGS

pytestmark = pytest.mark.browser
ANSWER = "我的单元教学设计：\n先读课标，再定目标。"
FILE = 'input[type="file"][name="file"]'
LIMIT = 1000


@pytest.fixture
def lti(tmp_path: Path, sqlite_template: Path) -> Iterator[LtiHarness]:
    db_path = tmp_path / "browser.sqlite3"
    shutil.copy(sqlite_template, db_path)
    with lti_harness(f"sqlite:///{db_path}", tmp_path / "instance") as harness:
        harness.tool_app.config["UPLOAD_MAX_BYTES"] = LIMIT
        yield harness


def open_assignment(browser: Any, lti: LtiHarness, space: Space, javascript: bool = True) -> Any:
    phone = {"viewport": {"width": 375, "height": 740}}
    context = browser.new_context(**phone)
    page = context.new_page()
    page.goto(lti.platform_url + "/launch?user=wanglihua&message=resource")
    page.wait_for_url("**/w/*/")
    if not javascript:  # the launch's form posts itself by script: launched, go on without
        state = context.storage_state()
        context.close()
        page = browser.new_context(**phone, storage_state=state, java_script_enabled=False).new_page()
    page.goto(f"{space.base}/as/{space.activity_id}")
    return page


def posts_to(page: Any, path: str) -> list[str]:
    """Every POST the page sends to `path`, as it is sent: the refused file must cause none."""
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" and path in request.url
            else None)
    return sent


def test_a_file_too_large_or_of_a_wrong_type_is_refused_before_it_is_sent(lti: LtiHarness) -> None:
    from playwright.sync_api import sync_playwright

    space = make_space(lti)
    path = f"/as/{space.activity_id}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = open_assignment(browser, lti, space)
            sent = posts_to(page, path)
            message = page.locator("#file-error")
            assert message.is_hidden()
            page.fill('textarea[name="text"]', ANSWER)
            page.check('input[name="choice"][value="1"]')
            cases = [
                ({"name": "课堂实录.pdf", "mimeType": "application/pdf", "buffer": PDF + b"0" * LIMIT},
                 "附件：文件太大，上限 1000 bytes；请另选文件，或不选文件再点“提交”"),
                ({"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": EXE},
                 "附件：不支持的文件类型（允许："),
            ]
            for upload, shown in cases:
                page.set_input_files(FILE, upload)
                page.click("form.submit button[type=submit]")
                page.wait_for_timeout(300)  # a form sent would have left by now
                assert sent == [] and page.url.endswith(path), upload["name"]
                message.wait_for(state="visible", timeout=5000)
                assert shown in message.inner_text(), upload["name"]
                assert page.evaluate("document.querySelector('input[type=file]').files.length") == 0  # none to send
                assert page.evaluate("document.activeElement.name") == "file"
                assert page.input_value('textarea[name="text"]') == ANSWER
                assert page.is_checked('input[name="choice"][value="1"]')

            # A good file clears the message and goes, with the answer.
            page.set_input_files(FILE, {"name": "教学设计.pdf", "mimeType": "application/pdf", "buffer": PDF})
            assert message.is_hidden()
            page.click("form.submit button[type=submit]")
            page.wait_for_selector('[data-state="submitted"]')
            assert len(sent) == 1

            # Refused once, a second press sends the answer without the refused file (as the message says).
            page.fill('textarea[name="text"]', "第二稿")
            page.set_input_files(FILE, {"name": "setup.exe", "mimeType": "application/octet-stream",
                                           "buffer": EXE})
            message.wait_for(state="visible", timeout=5000)
            page.click("form.submit button[type=submit]")
            page.wait_for_timeout(300)
            assert len(sent) == 1
            page.click("form.submit button[type=submit]")
            page.wait_for_selector("text=第 2 版")
            assert len(sent) == 2
        finally:
            browser.close()
    with space.db():
        sub = db.session.scalars(select(Submission)).one()
        assert (sub.version, sub.text, sub.choice, sub.file_name) == (2, "第二稿", 1, "教学设计.pdf")


def test_without_javascript_a_body_over_the_limit_leads_back_to_the_typed_answer(lti: LtiHarness) -> None:
    """The server's refusal of a body over MAX_CONTENT_LENGTH cannot show the answer again (the form is
    never read): its page says to go back, and Back finds the answer still in its box."""
    from playwright.sync_api import sync_playwright

    space = make_space(lti)
    lti.tool_app.config["MAX_CONTENT_LENGTH"] = 4000
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = open_assignment(browser, lti, space, javascript=False)
            page.fill('textarea[name="text"]', ANSWER)
            page.check('input[name="choice"][value="1"]')
            page.set_input_files(FILE, {"name": "课堂实录.pdf", "mimeType": "application/pdf",
                                           "buffer": PDF + b"0" * 6000})
            with page.expect_navigation():
                page.click("form.submit button[type=submit]")
            text = page.inner_text(".message")
            assert text.startswith("文件太大，上限 1000 bytes。请用浏览器的“返回”回到上一页") and "The file" not in text
            assert page.get_attribute("#back", "href") == f"/w/{space.workshop_id}/as/{space.activity_id}"
            page.go_back()
            assert page.input_value('textarea[name="text"]') == ANSWER
            assert page.is_checked('input[name="choice"][value="1"]')
        finally:
            browser.close()
