"""Assignments, the participant's side, through real launches (workshop issue §3 assignments, "What
bad input gets"; xAPI issue §1): pick-one-of-N tasks, text and file, resubmission with every version
kept, upload limits and type checks with nothing stored, late submissions, downloads only for those
allowed, user-written text and file names inert."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select

from lti_tool.devlms import LaunchDriver
from lti_tool.extensions import db
from lti_tool.models import Activity, Statement, Submission, WorkshopClass, WorkshopMember
from lti_tool.models.assignments import SubmissionVersion
from xapi import statement_id

from ...fixtures.lti import LtiHarness, lti_harness
from .test_pages import csrf

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
TASKS = "任务一：单元教学设计\n任务二：课例分析\n任务三：" + XSS
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def docx_bytes(folder: str = "word/") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(folder + "document.xml", "<w:document/>")
    return buf.getvalue()


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


@dataclass
class Space:
    """A workshop with one assignment, two classes (huwenbin: 王丽华 and 李建国; guomeiling: 周婷)."""

    lti: LtiHarness
    base: str
    workshop_id: int
    activity_id: int
    people: dict[str, LaunchDriver] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # the CSRF token lives as long as the launch

    def get(self, who: str, path: str, **kw: Any) -> Any:
        return self.people[who].session.get(self.base + path, **kw)

    def token(self, who: str) -> str:
        """The session's CSRF token, from the first page of ours that has a form for this person."""
        if who in self.tokens:
            return self.tokens[who]
        paths = [f"/as/{self.activity_id}", "/setup"]
        queue = self.get(who, "/queue")
        paths += re.findall(r'href="/w/\d+(/submissions/\d+)"', queue.text) if queue.ok else []
        for path in paths:
            page = self.get(who, path)
            found = re.search(r'name="csrf_token" value="([^"]+)"', page.text) if page.ok else None
            if found:
                self.tokens[who] = found.group(1)
                return self.tokens[who]
        raise AssertionError(f"no page with a CSRF token for {who}")

    def post(self, who: str, path: str, data: dict[str, Any], files: Any = None, token: bool = True) -> Any:
        body = dict(data)
        if token:
            body["csrf_token"] = self.token(who)
        return self.people[who].session.post(self.base + path, data=body, files=files, allow_redirects=True)

    def submit(self, who: str, text: str = "", choice: str | None = "0", files: Any = None, **extra: Any) -> Any:
        data: dict[str, Any] = {"text": text, **extra}
        if choice is not None:
            data["choice"] = choice
        return self.post(who, f"/as/{self.activity_id}", data, files=files)

    def db(self) -> Any:
        return self.lti.tool_app.app_context()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if found:
        return found.group(1)
    return csrf(html)


def add_assignment(host: LaunchDriver, base: str, **fields_: str) -> None:
    token = csrf_of(host.session.get(base + "/setup").text)
    data = {"csrf_token": token, "kind": "assignment", "title": "单元教学设计作业", "required": "1",
            "body": "**要求**：围绕一个单元完成设计 " + XSS, "max_score": "100", "choices": TASKS}
    data.update(fields_)
    r = host.session.post(base + "/activities", data=data)
    assert r.status_code == 200, r.text[:300]


def make_space(lti: LtiHarness, **assignment: str) -> Space:
    host = lti.driver()
    home = host.launch("maxiaoyan")
    assert home.status_code == 200
    base = home.url.rstrip("/")
    add_assignment(host, base, **assignment)
    people = {"maxiaoyan": host}
    for login in ("huwenbin", "guomeiling", "hezhendong", "wanglihua", "lijianguo", "zhouting"):
        people[login] = lti.login(login)
    workshop_id = int(base.rsplit("/", 1)[1])
    with lti.tool_app.app_context():
        activity_id = db.session.scalars(select(Activity.id).where(Activity.workshop_id == workshop_id)).one()
        by_name = {m.display_name: m for m in
                   db.session.scalars(select(WorkshopMember).where(WorkshopMember.workshop_id == workshop_id))}
        class_a = WorkshopClass(workshop_id=workshop_id, name="城关一班", tutor_member_id=by_name["胡文斌"].id)
        class_b = WorkshopClass(workshop_id=workshop_id, name="石牛二班", tutor_member_id=by_name["郭美玲"].id)
        db.session.add_all([class_a, class_b])
        db.session.flush()
        by_name["王丽华"].class_id = class_a.id
        by_name["李建国"].class_id = class_a.id
        by_name["周婷"].class_id = class_b.id
        db.session.commit()
    return Space(lti, base, workshop_id, activity_id, people)


def only_submission(space: Space) -> Submission:
    return db.session.scalars(select(Submission)).one()


def stored_files(space: Space) -> list[Path]:
    folder = Path(space.lti.tool_app.instance_path) / "uploads"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --- tests -----------------------------------------------------------------------------------


def test_submit_text_and_file_then_resubmit_keeps_every_version(lti: LtiHarness) -> None:
    """Pick one of N (seed 004 方案4), text + one file; resubmission while not graded makes a new
    version and keeps the old one; each sending is one assignment.submitted statement with a
    deterministic id (xAPI issue §1)."""
    space = make_space(lti)
    page = space.get("wanglihua", f"/a/{space.activity_id}")  # the generic URL redirects to the page
    assert page.status_code == 200 and "/as/" in page.url
    assert "任务二：课例分析" in page.text and "<strong>要求</strong>" in page.text
    r = space.submit("wanglihua", "我的**单元设计**", "1", files={"file": ("教学设计.pdf", PDF, "application/pdf")})
    assert r.status_code == 200 and 'data-state="submitted"' in r.text and "已提交" in r.text
    assert "2. 任务二：课例分析" in r.text and "<strong>单元设计</strong>" in r.text
    with space.db():
        sub = only_submission(space)
        assert (sub.version, sub.choice, sub.state, sub.late) == (1, 1, "submitted", False)
        assert sub.file_name == "教学设计.pdf"
        sid = sub.id
        files = stored_files(space)
        assert len(files) == 1 and files[0].read_bytes() == PDF
        assert files[0].name == sub.file_stored and re.fullmatch(r"[0-9a-f]{32}", files[0].name)
        assert files[0].parent.name == str(space.workshop_id)
    download = space.get("wanglihua", f"/submissions/{sid}/v/1/file")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition == "attachment; filename=\"____.pdf\"; filename*=UTF-8''" + quote("教学设计.pdf")
    assert download.headers["Content-Type"] == "application/pdf"

    # Resubmit with text only: the file is kept; then with a new .docx file.
    r = space.submit("wanglihua", "第二稿", "1")
    assert r.status_code == 200 and "第二稿" in r.text
    docx = docx_bytes()
    r = space.submit("wanglihua", "第三稿", "2", files={"file": ("设计.docx", docx, "text/plain")})
    assert r.status_code == 200
    with space.db():
        sub = only_submission(space)
        versions = db.session.scalars(select(SubmissionVersion).order_by(SubmissionVersion.version)).all()
        assert [v.version for v in versions] == [1, 2, 3] and sub.version == 3 and sub.choice == 2
        assert [v.text for v in versions] == ["我的**单元设计**", "第二稿", "第三稿"]
        assert [v.file_name for v in versions] == ["教学设计.pdf", "教学设计.pdf", "设计.docx"]
        assert versions[0].file_stored == versions[1].file_stored != versions[2].file_stored
        ids = set(db.session.scalars(select(Statement.id)))
        for version in (1, 2, 3):
            assert statement_id(lti.tool_url, f"assignment.submitted:{sid}:v{version}") in ids
        assert len(stored_files(space)) == 2
    # The first version's file stays downloadable from the history.
    assert space.get("wanglihua", f"/submissions/{sid}/v/1/file").content == PDF
    assert space.get("wanglihua", f"/submissions/{sid}/v/3/file").content == docx
    assert space.get("wanglihua", f"/submissions/{sid}/v/9/file").status_code == 404


def test_upload_too_big_or_wrong_type_stores_nothing(lti: LtiHarness) -> None:
    """Uploads over UPLOAD_MAX_BYTES get 413 with the limit named; files whose extension or content
    is not on the allow-list (an .exe renamed .pdf, a zip posing as .docx) get 400 naming the field;
    in every case no row and no file remain."""
    space = make_space(lti)
    lti.tool_app.config["UPLOAD_MAX_BYTES"] = 1000
    r = space.submit("wanglihua", "正文", files={"file": ("大.pdf", PDF + b"0" * 1200, "application/pdf")})
    assert r.status_code == 413 and "附件：文件太大，上限 1000 bytes" in r.text
    lti.tool_app.config["MAX_CONTENT_LENGTH"] = 4000  # beyond the request limit: refused before parsing
    r = space.submit("wanglihua", "正文", files={"file": ("巨大.pdf", PDF + b"0" * 6000, "application/pdf")})
    assert r.status_code == 413
    cases = [
        ("作业.pdf", EXE),  # a program renamed .pdf
        ("setup.exe", EXE),
        ("设计.docx", docx_bytes("xl/")),  # a zip, but not a Word document
        ("设计.docx", PDF),
        ("照片.png", b"\xff\xd8\xff\xe0" + b"0" * 20),  # a JPEG is not a PNG
        ("页面.html", b"<html><script>alert(1)</script></html>"),
        ("空.txt", b""),
        ("notes.txt", b"abc\x00def"),
    ]
    for name, content in cases:
        r = space.submit("wanglihua", "正文", files={"file": (name, content, "application/pdf")})
        assert r.status_code == 400 and "附件：" in r.text, name
    with space.db():
        assert db.session.scalars(select(Submission)).first() is None
        assert db.session.scalars(select(SubmissionVersion)).first() is None
    assert stored_files(space) == []
    # Right at the limit, and content types the allow-list knows, pass.
    lti.tool_app.config["MAX_CONTENT_LENGTH"] = 100_000
    r = space.submit("wanglihua", "", files={"file": ("笔记.txt", "研修笔记".encode("gb18030"), "text/plain")})
    assert r.status_code == 200 and "笔记.txt" in r.text


def test_bad_input_names_the_field_and_stores_nothing(lti: LtiHarness) -> None:
    """Missing or impossible task choice, an empty submission, an enormous text, no CSRF token:
    400 naming the field, nothing stored."""
    space = make_space(lti)
    cases = [
        ({"text": "正文", "choice": None}, "选择任务：请从 3 个任务中选择一个"),
        ({"text": "正文", "choice": "7"}, "选择任务：请从 3 个任务中选择一个"),
        ({"text": "正文", "choice": "-1"}, "选择任务：请从 3 个任务中选择一个"),
        ({"text": "正文", "choice": "abc"}, "选择任务：请输入整数"),
        ({"text": "   ", "choice": "0"}, "作业内容：请填写作业内容或上传一个文件"),
        ({"text": "字" * 20_001, "choice": "0"}, "作业内容：最多 20000 个字"),
    ]
    for data, shown in cases:
        r = space.submit("wanglihua", **data)
        # The view's own checks and the schema's alike name the field by its label (forms.errors_text).
        assert r.status_code == 400 and shown in r.text, (shown, r.status_code)
    r = space.post("wanglihua", f"/as/{space.activity_id}", {"text": "x", "choice": "0"}, token=False)
    assert r.status_code == 400 and "表单已过期，请刷新页面后重试" in r.text
    with space.db():
        assert db.session.scalars(select(Submission)).first() is None
    assert space.submit("wanglihua", "字" * 20_000, "0").status_code == 200  # the limit itself is fine


def test_after_the_due_date_submissions_are_accepted_and_marked_late(lti: LtiHarness) -> None:
    """Decision: late work is accepted and marked 迟交 for the tutor (no program rule forbids it).
    The due date is entered and shown in China time, stored in UTC."""
    space = make_space(lti, due_at="2020-09-10T18:00")
    page = space.get("wanglihua", f"/as/{space.activity_id}")
    assert "2020-09-10 18:00" in page.text and "已过截止时间" in page.text
    with space.db():
        activity = db.session.get(Activity, space.activity_id)
        assert activity.due_at == datetime(2020, 9, 10, 10, 0, tzinfo=UTC)
    r = space.submit("wanglihua", "迟到的作业")
    assert r.status_code == 200 and "迟交" in r.text
    with space.db():
        sub = only_submission(space)
        assert sub.late is True and sub.versions[0].late is True
    queue = space.get("huwenbin", "/queue")
    assert "迟交" in queue.text and "王丽华" in queue.text


def test_not_yet_due_is_not_late(lti: LtiHarness) -> None:
    """Work sent before the due date is not marked late."""
    space = make_space(lti, due_at="2099-01-01T08:00")
    assert "已过截止时间" not in space.get("wanglihua", f"/as/{space.activity_id}").text
    assert space.submit("wanglihua", "按时").status_code == 200
    with space.db():
        assert only_submission(space).late is False


def test_participants_see_only_their_own_work(lti: LtiHarness) -> None:
    """A participant never sees another participant's submission or file (404); hosts, tutors and
    tutors do not submit (403); ids of another workshop or of a non-assignment are 404."""
    space = make_space(lti)
    space.submit("wanglihua", "王丽华的秘密答案", files={"file": ("a.pdf", PDF, "application/pdf")})
    with space.db():
        sid = only_submission(space).id
    other = space.get("lijianguo", f"/as/{space.activity_id}")
    assert other.status_code == 200 and "王丽华的秘密答案" not in other.text
    assert space.get("lijianguo", f"/submissions/{sid}/v/1/file").status_code == 404
    assert space.get("zhouting", f"/submissions/{sid}/v/1/file").status_code == 404
    assert space.get("hezhendong", f"/submissions/{sid}/v/1/file").status_code == 404
    assert space.get("lijianguo", f"/submissions/{sid}").status_code == 403
    for who in ("maxiaoyan", "huwenbin"):
        r = space.submit(who, "不该提交")
        assert r.status_code == 403, who
    with space.db():
        assert db.session.scalars(select(Submission)).one().id == sid
    # A second workshop (another resource link of the course) with its own assignment.
    host2 = lti.driver()
    link2 = list(lti.state.resource_links)[1]
    base2 = host2.launch("maxiaoyan", resource_link=link2).url.rstrip("/")
    assert base2 != space.base
    add_assignment(host2, base2, title="另一个工作坊的作业")
    with space.db():
        other_activity = db.session.scalars(select(Activity.id).where(Activity.id != space.activity_id)).one()
    assert space.get("wanglihua", f"/as/{other_activity}").status_code == 404
    assert space.get("maxiaoyan", f"/as/{other_activity}").status_code == 404
    # The same ids under the other workshop's URL: the host is a member there, the submission is not.
    assert host2.session.get(f"{base2}/submissions/{sid}/v/1/file").status_code == 404
    assert host2.session.get(f"{base2}/submissions/{sid}").status_code == 404
    assert space.get("wanglihua", "/as/999999").status_code == 404
    token = csrf_of(space.get("maxiaoyan", "/setup").text)
    space.people["maxiaoyan"].session.post(space.base + "/activities", data={
        "csrf_token": token, "kind": "reading", "title": "阅读"})
    with space.db():
        reading = db.session.scalars(select(Activity.id).where(Activity.kind == "reading")).one()
    assert space.get("wanglihua", f"/as/{reading}").status_code == 404


def test_user_written_text_and_file_names_are_inert(lti: LtiHarness) -> None:
    """HTML/JS in the answer, the task titles and the file name is shown escaped; Markdown stays."""
    space = make_space(lti)
    name = '<img src=x onerror=alert(1)>".pdf'
    r = space.submit("wanglihua", "**好** " + XSS, "2", files={"file": (name, PDF, "application/pdf")})
    assert r.status_code == 200
    for page in (r.text, space.get("huwenbin", "/queue").text):
        assert "<script>alert" not in page and "<img src=x" not in page
    assert "<strong>好</strong>" in r.text and "&lt;img src=x onerror=alert(1)&gt;" in r.text
    with space.db():
        sid = only_submission(space).id
    grade_page = space.get("huwenbin", f"/submissions/{sid}")
    assert grade_page.status_code == 200
    assert "<script>alert" not in grade_page.text and "<img src=x" not in grade_page.text
    download = space.get("huwenbin", f"/submissions/{sid}/v/1/file")
    disposition = download.headers["Content-Disposition"]
    assert download.status_code == 200 and "<" not in disposition and '\\"' not in disposition
    assert disposition.endswith("filename*=UTF-8''" + quote('<img src=x onerror=alert(1)>".pdf', safe=""))


def test_participant_progress_counts_the_submission(lti: LtiHarness) -> None:
    """The home page's 已交作业 count comes from the same submissions."""
    space = make_space(lti)
    space.submit("wanglihua", "答案")
    home = space.get("wanglihua", "/")
    assert "已交作业：1" in home.text


def test_a_failed_database_write_leaves_no_file(lti: LtiHarness) -> None:
    """Nothing half-stored: when the database refuses the new version (here a second tab stored
    version 2 first), the answer is 409 and the file just uploaded is removed again."""
    space = make_space(lti)
    space.submit("wanglihua", "第一稿", files={"file": ("a.pdf", PDF, "application/pdf")})
    with space.db():
        sub = only_submission(space)
        db.session.add(SubmissionVersion(submission_id=sub.id, version=2, text="另一个标签页", late=False))
        db.session.commit()
    before = stored_files(space)
    r = space.submit("wanglihua", "第二稿", files={"file": ("b.pdf", PDF + b"%v2", "application/pdf")})
    assert r.status_code == 409
    assert stored_files(space) == before and len(before) == 1
    with space.db():
        sub = only_submission(space)
        assert (sub.version, sub.text, sub.file_name) == (1, "第一稿", "a.pdf")


ROUTES = ["/as/{aid}", "/queue", "/submissions/{sid}", "/submissions/{sid}/v/1/file"]


@pytest.mark.parametrize(
    ("login", "expected"),
    [
        ("maxiaoyan", [200, 200, 200, 200]),  # host: everything
        ("huwenbin", [200, 200, 200, 200]),  # tutor of the submitter's class
        ("guomeiling", [200, 200, 404, 404]),  # tutor of another class
        ("hezhendong", [200, 403, 403, 404]),  # observer / expert
        ("wanglihua", [200, 403, 403, 200]),  # the submitter
        ("lijianguo", [200, 403, 403, 404]),  # a classmate
    ],
)
def test_authorization_matrix(lti: LtiHarness, login: str, expected: list[int]) -> None:
    """Role × route for the assignment pages (workshop issue §5)."""
    space = make_space(lti)
    space.submit("wanglihua", "答案", files={"file": ("a.pdf", PDF, "application/pdf")})
    with space.db():
        sid = only_submission(space).id
    got = [space.get(login, route.format(aid=space.activity_id, sid=sid)).status_code for route in ROUTES]
    assert got == expected
