"""A decision sent from a grading page opened before a resubmission is refused whole (QA, high: the
tutor read version 1, the participant resubmitted, and 95 landed on a version 2 the tutor never read,
final because grading closes resubmission). The form carries the version it shows; a different
current version is a 409 showing the new version, with the typed score and comment kept and nothing
changed; a form without the field (a page opened before the deploy) is graded as before."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import Statement, Submission

from ...fixtures.lti import LtiHarness, lti_harness
from .test_assignments import XSS, Space, make_space
from .test_tutor_queue import grade, statement, submitted

STALE_ZH = "学员在您打开本页后提交了第 2 版：请先阅读新版本再评分"
STALE_EN = "The learner submitted version 2 after you opened this page: read it before grading"


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def shown_version(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found is not None, "the grading form names the version it shows"
    return found.group(1)


def alert(html: str) -> str:
    found = re.search(r'role="alert"[^>]*>([^<]*)<', html)
    return found.group(1) if found else ""


def opened_then_resubmitted(space: Space) -> tuple[int, str]:
    """The QA steps: version 1 submitted, the tutor opens its page, the participant resubmits."""
    sid = submitted(space, text="第一稿：只有标题")
    page = space.get("huwenbin", f"/submissions/{sid}")
    assert page.status_code == 200 and "第一稿：只有标题" in page.text
    version = shown_version(page.text)
    assert version == "1"
    assert space.submit("wanglihua", "第二稿：换了一个单元").status_code == 200
    return sid, version


def statements() -> int:
    return db.session.scalar(select(func.count()).select_from(Statement)) or 0


@pytest.mark.parametrize(
    ("action", "score", "comment"),
    [("score", "95", "目标清晰" + XSS), ("return", "", "请补充评价设计"), ("excellent", "95", "可作范例")],
    ids=["score", "return", "excellent"],
)
def test_a_decision_on_an_older_version_is_refused(lti: LtiHarness, action: str, score: str, comment: str) -> None:
    """评分, 退回修改 and 推优 alike: 409 naming the new version, the new version's text shown, what
    the tutor typed kept, the submission and the statements as they were; the page's form now names
    version 2, and the same decision sent from it is made."""
    space = make_space(lti)
    sid, version = opened_then_resubmitted(space)
    with space.db():
        before = statements()
    r = grade(space, "huwenbin", sid, action=action, score=score, comment=comment, version=version)
    assert r.status_code == 409 and alert(r.text) == STALE_ZH
    assert "第二稿：换了一个单元" in r.text and shown_version(r.text) == "2"
    assert comment.replace(XSS, "") in r.text.split('name="comment"', 1)[1].split("</textarea>", 1)[0]
    assert "<script>alert" not in r.text
    if score:
        assert re.search(rf'name="score"[^>]*value="{score}"', r.text)
    with space.db():
        sub = db.session.get(Submission, sid)
        assert (sub.version, sub.state, sub.score, sub.comment, sub.excellent, sub.review_revision) == (
            2, "submitted", None, None, False, 0)
        assert [(v.outcome, v.score, v.feedback) for v in sub.versions] == [(None, None, None)] * 2
        assert statements() == before
    r = grade(space, "huwenbin", sid, action=action, score=score, comment=comment, version="2")
    assert r.status_code == 200 and not alert(r.text)
    with space.db():
        sub = db.session.get(Submission, sid)
        expected = {"score": ("graded", Decimal("95.00"), False), "return": ("returned", None, False),
                    "excellent": ("graded", Decimal("95.00"), True)}[action]
        assert (sub.state, sub.score, sub.excellent) == expected
        assert sub.versions[-1].outcome == expected[0] and sub.versions[0].outcome is None
        if action != "return":
            assert statement(lti, f"assignment.scored:{sid}:v2:r1") is not None


def test_the_refusal_follows_an_english_page(lti: LtiHarness) -> None:
    space = make_space(lti)
    sid, version = opened_then_resubmitted(space)
    r = space.post("huwenbin", f"/submissions/{sid}/grade?lang=en",
                   {"action": "score", "score": "95", "comment": "Clear goals", "version": version})
    assert r.status_code == 409 and alert(r.text) == STALE_EN
    with space.db():
        assert db.session.get(Submission, sid).score is None


def test_a_form_without_the_version_is_graded_as_before(lti: LtiHarness) -> None:
    """A page opened before the deploy sends no version: its decision is made as it always was (the
    current version), so no tutor's open page breaks. A version that is not a number is a 400."""
    space = make_space(lti)
    sid, _ = opened_then_resubmitted(space)
    r = grade(space, "huwenbin", sid, action="score", score="95", comment="好", version="v1")
    assert r.status_code == 400
    r = grade(space, "huwenbin", sid, action="score", score="95", comment="好")
    assert r.status_code == 200 and shown_version(r.text) == "2"
    with space.db():
        sub = db.session.get(Submission, sid)
        assert (sub.state, sub.score, sub.versions[-1].outcome) == ("graded", Decimal("95.00"), "graded")
