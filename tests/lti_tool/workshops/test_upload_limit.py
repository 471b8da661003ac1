"""An assignment's file refused for its size or type costs the participant neither the typed answer
nor a long upload: the file input carries the limit, the allowed types and the messages for
static/upload_check.js, which refuses the file before anything is sent (tests/browser/
test_upload_limit_flow.py); a file the server refuses after reading it brings the page back with the
answer kept and the message beside the file input; a body over the request limit, which is refused
unread, gets a page in the page's language that sends the participant back to the form."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Submission
from lti_tool.workshops.uploads import ALLOWED

from ...fixtures.lti import LtiHarness, lti_harness
from .test_assignments import EXE, PDF, docx_bytes, make_space, stored_files

STATIC = Path(__file__).resolve().parents[3] / "lti_tool" / "static"
ANSWER = "我的单元教学设计：先读课标，再定目标 <b>加粗</b>"
AGAIN = "请另选文件，或不选文件再点“提交”"
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def file_input(page: str) -> dict[str, str]:
    """The attributes of the page's file input, unescaped."""
    found = re.search(r'<input type="file"(.*?)>', page, re.S)
    assert found, "no file input on the page"
    return {name: html.unescape(value) for name, value in re.findall(r'([\w-]+)="([^"]*)"', found.group(1))}


def file_error(page: str) -> str | None:
    """The text beside the file input, or None when that element is hidden; it must follow the input."""
    found = re.search(r'<input type="file".*?</label>\s*<p class="error" id="file-error"([^>]*)>([^<]*)</p>', page,
                      re.S)
    assert found, "no message element right after the file input"
    return None if "hidden" in found.group(1) else html.unescape(found.group(2))


def test_the_file_input_carries_the_limit_the_types_and_the_messages(lti: LtiHarness) -> None:
    """The browser's check reads everything from the page, in the page's language, from the same
    limit and allow-list the server applies (uploads.UPLOAD_MAX_BYTES, uploads.ALLOWED)."""
    space = make_space(lti)
    lti.tool_app.config["UPLOAD_MAX_BYTES"] = 1000
    page = space.get("wanglihua", f"/as/{space.activity_id}").text
    attrs = file_input(page)
    assert set(attrs["accept"].split(",")) == {"." + ext for ext in ALLOWED}
    assert attrs["data-max-bytes"] == "1000"
    assert attrs["data-too-large"] == "附件：文件太大，上限 1000 bytes；" + AGAIN
    assert attrs["data-not-allowed"].startswith("附件：不支持的文件类型（允许：doc, docx,")
    assert attrs["aria-describedby"] == "file-error" and file_error(page) is None
    version = hashlib.sha256((STATIC / "upload_check.js").read_bytes()).hexdigest()[:12]
    assert f'<script src="/static/upload_check.js?v={version}" defer></script>' in page

    english = file_input(space.get("wanglihua", f"/as/{space.activity_id}?lang=en").text)
    assert english["data-too-large"] == ("Attachment: the file is too large (limit 1000 bytes); "
                                         "choose another file, or press Submit again without one")
    assert english["data-not-allowed"].startswith("Attachment: file type not allowed (allowed: doc, docx,")
    assert not CJK.search(english["data-too-large"] + english["data-not-allowed"])


def test_a_file_refused_after_reading_brings_the_page_back_with_the_answer(lti: LtiHarness) -> None:
    """Too large by the streamed count (413), a type not allowed, an empty file, content that is not
    what the name says (400): the assignment page again, not an error page, with the typed answer and
    the chosen task, the message beside the file input (the one above the form links to it), nothing
    stored."""
    space = make_space(lti)
    lti.tool_app.config["UPLOAD_MAX_BYTES"] = 1000  # MAX_CONTENT_LENGTH stays above: the form is parsed
    cases = [
        ("教学设计.pdf", PDF + b"0" * 1200, 413, "附件：文件太大，上限 1000 bytes"),
        ("setup.exe", EXE, 400, "附件：不支持的文件类型"),
        ("空.txt", b"", 400, "附件：文件是空的"),
        ("设计.docx", docx_bytes("xl/"), 400, "附件：文件内容与类型 .docx 不符"),
    ]
    for name, content, status, message in cases:
        r = space.submit("wanglihua", ANSWER, "1", files={"file": (name, content, "application/octet-stream")})
        assert r.status_code == status, (name, r.status_code)
        assert "<h1>单元教学设计作业</h1>" in r.text and "无法进入" not in r.text
        beside = file_error(r.text)
        assert beside is not None and beside.startswith(message) and beside.endswith("；" + AGAIN), beside
        assert re.search(r'<p class="card error" role="alert" id="error"><a href="#file">' + re.escape(message),
                         r.text), name
        textarea = re.search(r'<textarea name="text"[^>]*>([^<]*)</textarea>', r.text)
        assert textarea and html.unescape(textarea.group(1)) == ANSWER, name
        assert re.search(r'<input type="radio" name="choice" value="1" required checked>', r.text), name
    with space.db():
        assert db.session.scalars(select(Submission)).first() is None
    assert stored_files(space) == []

    # In English, the same in English only.
    r = space.post("wanglihua", f"/as/{space.activity_id}?lang=en", {"text": ANSWER, "choice": "1"},
                   files={"file": ("setup.exe", EXE, "application/octet-stream")})
    beside = file_error(r.text)
    assert r.status_code == 400 and beside is not None
    assert beside.startswith("Attachment: file type not allowed") and not CJK.search(beside), beside


def test_a_body_over_the_request_limit_says_so_in_the_page_language_and_leads_back(lti: LtiHarness) -> None:
    """Over MAX_CONTENT_LENGTH the form is refused unread (Werkzeug, before any view), so the answer
    cannot come back from the server: the page says, in the page's language only, to go back with the
    browser (which keeps what was typed), and links to the assignment page."""
    space = make_space(lti)
    lti.tool_app.config["UPLOAD_MAX_BYTES"] = 1000
    lti.tool_app.config["MAX_CONTENT_LENGTH"] = 4000
    path = f"/as/{space.activity_id}"
    big = {"file": ("巨大.pdf", PDF + b"0" * 6000, "application/pdf")}
    r = space.submit("wanglihua", ANSWER, "1", files=big)
    assert r.status_code == 413
    message = html.unescape(re.search(r'<p class="message">([^<]*)</p>', r.text).group(1))  # type: ignore[union-attr]
    assert message.startswith("文件太大，上限 1000 bytes。请用浏览器的“返回”回到上一页") and "The file" not in message
    link = re.search(r'<a href="([^"]+)" id="back">重新打开原页面</a>', r.text)
    assert link and link.group(1) == urlsplit(space.base).path + path
    assert space.people["wanglihua"].session.get(lti.tool_url + link.group(1)).status_code == 200

    r = space.post("wanglihua", path + "?lang=en", {"text": ANSWER, "choice": "1"}, files=big)
    message = html.unescape(re.search(r'<p class="message">([^<]*)</p>', r.text).group(1))  # type: ignore[union-attr]
    assert r.status_code == 413 and message.startswith("The file is too large (limit 1000 bytes). Use the browser")
    assert not CJK.search(message)
    with space.db():
        assert db.session.scalars(select(Submission)).first() is None
