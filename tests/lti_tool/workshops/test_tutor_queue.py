"""The tutor's grading queue and grading through real launches (workshop issue §3–§5; xAPI issue §1):
a tutor grades only their classes, returns for revision with a comment, grades the resubmission,
recommends as excellent; scores are Decimal within 0..max with 2 places; each decision is one
statement with a deterministic id, a changed score a new one; the host sees every class."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Phase, Statement, Submission, User, WorkshopClass, WorkshopMember
from lti_tool.models.assignments import SubmissionVersion
from xapi import statement_id

from ...fixtures.lti import LtiHarness, lti_harness
from .test_assignments import PDF, XSS, Space, make_space


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def grade(space: Space, who: str, sid: int, **data: str) -> Any:
    return space.post(who, f"/submissions/{sid}/grade", data)


def statement(lti: LtiHarness, key: str) -> dict[str, Any] | None:
    import json

    found = db.session.scalars(select(Statement).where(Statement.id == statement_id(lti.tool_url, key))).first()
    return json.loads(found.body) if found else None


def submitted(space: Space, who: str = "wanglihua", text: str = "我的作业") -> int:
    r = space.submit(who, text, files={"file": ("设计.pdf", PDF, "application/pdf")})
    assert r.status_code == 200
    names = {"wanglihua": "王丽华", "lijianguo": "李建国", "zhouting": "周婷"}
    with space.db():
        sub = db.session.scalars(
            select(Submission).join(WorkshopMember, WorkshopMember.id == Submission.member_id)
            .join(User, User.id == WorkshopMember.user_id).where(User.name == names[who])).one()
        return sub.id


def test_tutor_grades_returns_and_recommends(lti: LtiHarness) -> None:
    """The full loop: queue → 退回修改 with a comment → resubmission → 评分 → 推优; the participant
    sees each state; statements for submit, return, score and pass with deterministic ids."""
    space = make_space(lti)
    sid = submitted(space)
    queue = space.get("huwenbin", "/queue")
    assert queue.status_code == 200 and 'id="count-submitted">1<' in queue.text
    assert f"/submissions/{sid}" in queue.text and "王丽华" in queue.text
    assert "待批改" in space.get("huwenbin", "/").text  # the navigation link
    # Return for revision: a comment is required.
    r = grade(space, "huwenbin", sid, action="return")
    assert r.status_code == 400 and "评语：退回修改时请写明修改意见" in r.text
    r = grade(space, "huwenbin", sid, action="return", comment="请补充**教学目标** " + XSS)
    assert r.status_code == 200 and 'data-state="returned"' in r.text
    mine = space.get("wanglihua", f"/as/{space.activity_id}")
    assert "已退回修改" in mine.text and "<strong>教学目标</strong>" in mine.text
    assert "<script>alert" not in mine.text and "<img src=x" not in mine.text
    assert 'id="count-returned">1<' in space.get("huwenbin", "/queue").text
    with space.db():
        returned = statement(lti, f"assignment.returned:{sid}:v1:r1")
        assert returned is not None and returned["verb"]["id"] == "http://activitystrea.ms/schema/1.0/return"
        assert statement(lti, f"assignment.submitted:{sid}:v1") is not None
    # The participant resubmits; the tutor grades version 2.
    assert space.submit("wanglihua", "第二稿：补充了目标").status_code == 200
    queue = space.get("huwenbin", "/queue")
    assert 'id="count-submitted">1<' in queue.text and "第 2 版" in queue.text
    # The return comment stays with version 1 (history), not as the comment of version 2.
    form = space.get("huwenbin", f"/submissions/{sid}").text.split('name="comment"', 1)[1].split("</textarea>")[0]
    assert "教学目标" not in form
    assert "<strong>教学目标</strong>" in space.get("wanglihua", f"/as/{space.activity_id}").text
    r = grade(space, "huwenbin", sid, action="score", score="85.5", comment="很好")
    assert r.status_code == 200 and 'id="score">85.50<' in r.text
    mine = space.get("wanglihua", f"/as/{space.activity_id}")
    assert 'data-state="graded"' in mine.text and 'id="score">85.50<' in mine.text and "很好" in mine.text
    with space.db():
        sub = db.session.get(Submission, sid)
        assert (sub.state, sub.score, sub.version, sub.review_revision) == ("graded", Decimal("85.50"), 2, 2)
        versions = db.session.scalars(select(SubmissionVersion).order_by(SubmissionVersion.version)).all()
        assert [(v.outcome, v.score) for v in versions] == [("returned", None), ("graded", Decimal("85.50"))]
        scored = statement(lti, f"assignment.scored:{sid}:v2:r2")
        assert scored is not None
        assert scored["result"]["score"] == {"raw": 85.5, "min": 0, "max": 100, "scaled": 0.855}
        assert scored["result"]["response"] == "很好"
        passed = statement(lti, f"assignment.passed:{sid}:v2:r2")
        assert passed is not None and passed["result"]["success"] is True
        assert statement(lti, f"assignment.failed:{sid}:v2:r2") is None
    # The same grade twice is no new decision; a changed score is a new statement, never a 409.
    assert grade(space, "huwenbin", sid, action="score", score="85.50", comment="很好").status_code == 200
    r = grade(space, "huwenbin", sid, action="score", score="50", comment="重新评定")
    assert r.status_code == 200 and 'id="score">50.00<' in r.text
    with space.db():
        assert db.session.get(Submission, sid).review_revision == 3
        failed = statement(lti, f"assignment.failed:{sid}:v2:r3")
        assert failed is not None and failed["result"]["success"] is False
        assert statement(lti, f"assignment.scored:{sid}:v2:r3")["result"]["score"]["raw"] == 50
    # 推优 toggles; the participant sees the badge; graded work is final for the participant.
    r = grade(space, "huwenbin", sid, action="excellent")
    assert r.status_code == 200 and "已推优" in r.text
    mine = space.get("wanglihua", f"/as/{space.activity_id}")
    assert "excellent" in mine.text and "推优" in mine.text and 'name="text"' not in mine.text
    with space.db():
        assert db.session.get(Submission, sid).excellent is True
    assert 'id="count-excellent">1<' in space.get("huwenbin", "/queue").text
    assert space.submit("wanglihua", "再交一次").status_code == 409
    assert grade(space, "huwenbin", sid, action="excellent").status_code == 200
    with space.db():
        assert db.session.get(Submission, sid).excellent is False


def test_only_the_class_tutor_or_host_grades(lti: LtiHarness) -> None:
    """A tutor of another class gets 404 on the grade page, the grade post and the download, and
    does not see the work in their queue; participants and observers get 403 on tutor pages; the
    host may grade everything; nothing changes on a refused post."""
    space = make_space(lti)
    sid = submitted(space)
    submitted(space, "zhouting")  # 郭美玲's own class has work too (and so a page with a form)
    other_queue = space.get("guomeiling", "/queue")
    assert other_queue.status_code == 200 and f"/submissions/{sid}\"" not in other_queue.text
    assert 'id="count-submitted">1<' in other_queue.text
    assert space.get("guomeiling", f"/submissions/{sid}").status_code == 404
    assert space.get("guomeiling", f"/submissions/{sid}/v/1/file").status_code == 404
    assert grade(space, "guomeiling", sid, action="score", score="90").status_code == 404
    for who in ("wanglihua", "lijianguo", "hezhendong"):
        assert space.get(who, "/queue").status_code == 403, who
        assert space.get(who, f"/submissions/{sid}").status_code == 403, who
    assert space.get("huwenbin", f"/submissions/{sid}/v/1/file").content == PDF
    assert space.get("maxiaoyan", f"/submissions/{sid}/v/1/file").content == PDF
    with space.db():
        sub = db.session.get(Submission, sid)
        assert (sub.state, sub.score, sub.review_revision) == ("submitted", None, 0)
    r = grade(space, "maxiaoyan", sid, action="score", score="100")
    assert r.status_code == 200 and 'id="score">100.00<' in r.text
    # Another workshop: the same submission id under its URL is 404 even for its host.
    host2 = lti.driver()
    base2 = host2.launch("maxiaoyan", resource_link=list(lti.state.resource_links)[1]).url.rstrip("/")
    assert host2.session.get(f"{base2}/submissions/{sid}").status_code == 404
    assert host2.session.get(f"{base2}/queue").status_code == 200
    other = space.base.rsplit("/", 1)[0] + "/999"
    assert space.people["huwenbin"].session.get(other + "/queue").status_code == 404
    assert lti.driver().session.get(space.base + "/queue").status_code == 401


@pytest.mark.parametrize(
    ("score", "action"),
    [("abc", "score"), ("101", "score"), ("-1", "score"), ("12.345", "score"), ("NaN", "score"),
     ("Infinity", "score"), ("", "score"), ("80", "delete")],
)
def test_bad_scores_name_the_field(lti: LtiHarness, score: str, action: str) -> None:
    """Score not a number, out of 0..max, more than 2 decimals, or missing → 400 naming `score`; an
    unknown action → 400 naming `action`; nothing changed, no statement. The schema's refusals and the
    grading view's own checks alike name the field by its label (forms.errors_text, forms.field_error)."""
    space = make_space(lti, max_score="100")
    sid = submitted(space)
    r = grade(space, "huwenbin", sid, action=action, score=score, comment=XSS)
    if action != "score":
        expected = "操作：请从选项中选择"
    elif score in ("abc", "NaN", "Infinity"):
        expected = "分数：请输入数字"
    elif score == "12.345":
        expected = "分数：最多两位小数"
    elif score == "":
        expected = "分数：请填写分数"
    else:
        expected = "分数：须在 0 到 100.00 之间"  # the maximum as the form shows it
    assert r.status_code == 400 and expected in r.text
    assert "<script>alert" not in r.text
    with space.db():
        sub = db.session.get(Submission, sid)
        assert (sub.state, sub.score, sub.review_revision) == ("submitted", None, 0)
        verbs = [s for s in db.session.scalars(select(Statement.verb_id)) if "scored" in s]
        assert verbs == []


def test_score_limit_follows_the_assignment_maximum(lti: LtiHarness) -> None:
    """The range is 0..Activity.max_score (here 20), and the pass mark 60% of it (12)."""
    space = make_space(lti, max_score="20")
    sid = submitted(space)
    assert grade(space, "huwenbin", sid, action="score", score="20.01").status_code == 400
    r = grade(space, "huwenbin", sid, action="score", score="11.99")
    assert r.status_code == 200 and "12.00" in r.text  # the pass mark is shown
    with space.db():
        failed = statement(lti, f"assignment.failed:{sid}:v1:r1")
        assert failed is not None and failed["result"]["score"]["max"] == 20


def test_host_sees_every_class_with_a_filter_and_who_is_behind(lti: LtiHarness) -> None:
    """The host's queue covers all classes, filterable by class; a tutor's only their own. "Who is
    behind" is the 情况通报's rule (reports.standing): started, and under 80 % of the hours expected
    by today (a phase that has ended counts in full) or with a required activity due and not done;
    who has done nothing is listed apart, as not started."""
    space = make_space(lti)
    a = submitted(space, "wanglihua", "王丽华的作业")
    b = submitted(space, "zhouting", "周婷的作业")
    with space.db():
        # Oldest first: make 周婷's the older one.
        db.session.get(Submission, b).submitted_at = datetime.now(UTC) - timedelta(days=2)
        classes = {c.name: c.id for c in db.session.scalars(select(WorkshopClass))}
        db.session.add(Phase(workshop_id=space.workshop_id, title="第一阶段", planned_hours=Decimal(5),
                             starts_on=datetime(2020, 1, 1).date(), ends_on=datetime(2020, 2, 1).date()))
        db.session.commit()
    host = space.get("maxiaoyan", "/queue")
    assert host.status_code == 200 and 'id="count-submitted">2<' in host.text
    order = re.findall(r'data-submission="(\d+)"', host.text)
    assert order == [str(b), str(a)]
    filtered = space.get("maxiaoyan", f"/queue?class_id={classes['石牛二班']}")
    assert re.findall(r'data-submission="(\d+)"', filtered.text) == [str(b)]
    assert space.get("maxiaoyan", "/queue?class_id=999").status_code == 400
    assert space.get("maxiaoyan", "/queue?class_id=<script>").status_code == 400
    # A tutor cannot filter into a class that is not theirs.
    assert space.get("huwenbin", f"/queue?class_id={classes['石牛二班']}").status_code == 400
    tutor = space.get("huwenbin", "/queue")
    assert re.findall(r'data-submission="(\d+)"', tutor.text) == [str(a)]
    behind = tutor.text.split('aria-label="进度落后"', 1)[1]
    # The only phase (5 学时 planned) has ended: the whole 80 required 学时 are expected by now.
    assert 'id="expected-hours">80.00<' in behind
    assert re.search(r'data-member="\d+"><strong>王丽华</strong>.*— 学时 0.00，应达 80.00</li>', behind, re.S)
    assert "李建国" in behind.split('id="not-started"', 1)[1]  # nothing done: not started, not behind
    assert "周婷" not in behind  # another class


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.mark.browser
def test_in_a_phone_browser_participant_submits_and_tutor_returns_then_grades(
    lti: LtiHarness, tmp_path: Path
) -> None:
    """Workshop issue §3 browser flow in headless Chromium on a phone-sized window: a participant
    picks a task, writes and attaches a file; the tutor returns it with a comment from the queue;
    the participant resubmits; the tutor grades it."""
    from playwright.sync_api import sync_playwright

    space = make_space(lti, due_at="2099-06-30T18:00")
    upload = tmp_path / "单元设计.pdf"
    upload.write_bytes(PDF)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            phone = {"viewport": {"width": 375, "height": 740}}
            learner = browser.new_context(**phone).new_page()
            learner.goto(lti.platform_url + "/launch?user=wanglihua&message=resource")
            learner.wait_for_url("**/w/*/")
            learner.goto(f"{space.base}/a/{space.activity_id}")
            assert "2099-06-30 18:00" in learner.content()
            learner.check('input[name="choice"][value="1"]')
            learner.fill('textarea[name="text"]', "我的单元设计：**分数的初步认识**")
            learner.set_input_files('input[name="file"]', str(upload))
            learner.click("form.submit button[type=submit]")
            learner.wait_for_selector('[data-state="submitted"]')
            assert "单元设计.pdf" in learner.content()

            tutor = browser.new_context(**phone).new_page()
            tutor.goto(lti.platform_url + "/launch?user=huwenbin&message=resource")
            tutor.wait_for_url("**/w/*/")
            tutor.click("text=待批改")
            tutor.click("ol.queue a")
            tutor.fill('textarea[name="comment"]', "请补充教学目标")
            tutor.click('button[value="return"]')
            tutor.wait_for_selector('[data-state="returned"]')

            learner.reload()
            assert "请补充教学目标" in learner.content() and "已退回修改" in learner.content()
            learner.fill('textarea[name="text"]', "第二稿：补充了教学目标")
            learner.click("form.submit button[type=submit]")
            learner.wait_for_selector('[data-state="submitted"]')

            tutor.goto(f"{space.base}/queue")
            tutor.click("ol.queue a")
            tutor.fill('input[name="score"]', "92")
            tutor.fill('textarea[name="comment"]', "目标清晰")
            tutor.click('button[value="score"]')
            tutor.wait_for_selector('[data-state="graded"]')
            learner.reload()
            assert learner.inner_text("#score") == "92.00"
            # Nothing wider than the phone: the page does not scroll sideways.
            assert learner.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        finally:
            browser.close()
    with space.db():
        sub = db.session.scalars(select(Submission)).one()
        assert (sub.state, sub.score, sub.version, sub.choice) == ("graded", Decimal("92.00"), 2, 1)
        assert sub.file_name == "单元设计.pdf"  # the file was kept on the resubmission
