"""推优 on the grading form keeps what the tutor typed (QA on the demo: score 92 and a comment, then
推优, left only "已推优" and an ungraded submission counting 0). A score, or a new comment, typed
before 推优 is graded exactly as 评分 grades it — the same validation and errors, the same
statements — and then recommended; nothing typed means recommend only; a refused grade changes
nothing, the recommendation included."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Statement, Submission
from lti_tool.models.assignments import SubmissionVersion

from ...fixtures.lti import LtiHarness, lti_harness
from .test_assignments import XSS, make_space
from .test_tutor_queue import grade, statement, submitted


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def typed_comment(html: str) -> str:
    return html.split('name="comment"', 1)[1].split("</textarea>", 1)[0]


def test_recommend_with_a_score_typed_grades_then_recommends(lti: LtiHarness) -> None:
    """The QA steps: 92 and a comment, then 推优 → graded 92.00 with the comment, recommended, the
    scored/passed statements of that decision, and the learner sees the score."""
    space = make_space(lti)
    sid = submitted(space)
    r = grade(space, "huwenbin", sid, action="excellent", score="92", comment="结构清晰，可作范例")
    assert r.status_code == 200
    assert 'role="status">已评分<' in r.text and 'role="status">已推优<' in r.text and 'id="score">92.00<' in r.text
    with space.db():
        sub = db.session.get(Submission, sid)
        assert (sub.state, sub.score, sub.comment, sub.excellent, sub.review_revision) == (
            "graded", Decimal("92.00"), "结构清晰，可作范例", True, 1)
        version = db.session.scalars(select(SubmissionVersion)).one()
        assert (version.outcome, version.score, version.feedback) == ("graded", Decimal("92.00"), "结构清晰，可作范例")
        scored = statement(lti, f"assignment.scored:{sid}:v1:r1")
        assert scored is not None and scored["result"]["score"]["raw"] == 92
        assert scored["result"]["response"] == "结构清晰，可作范例"
        assert statement(lti, f"assignment.passed:{sid}:v1:r1") is not None
    studio = space.get("wanglihua", "/studio").text
    assert 'class="score">92.00<' in studio and "结构清晰，可作范例" in studio
    # 取消推优 with a changed score: the new grade is saved too, and the recommendation withdrawn.
    r = grade(space, "huwenbin", sid, action="excellent", score="55", comment="结构清晰，可作范例")
    assert r.status_code == 200 and "已取消推优" in r.text and 'id="score">55.00<' in r.text
    with space.db():
        sub = db.session.get(Submission, sid)
        assert (sub.score, sub.excellent, sub.review_revision) == (Decimal("55.00"), False, 2)
        assert statement(lti, f"assignment.failed:{sid}:v1:r2") is not None


def test_recommend_with_nothing_typed_only_recommends(lti: LtiHarness) -> None:
    space = make_space(lti)
    sid = submitted(space)
    r = grade(space, "huwenbin", sid, action="excellent")
    assert r.status_code == 200 and "已推优" in r.text and 'role="status">已评分<' not in r.text
    with space.db():
        sub = db.session.get(Submission, sid)
        assert (sub.state, sub.score, sub.excellent, sub.review_revision) == ("submitted", None, True, 0)
        assert not [v for v in db.session.scalars(select(Statement.verb_id)) if "scored" in v]


def test_recommend_on_graded_work_with_its_grade_shown_is_no_new_grade(lti: LtiHarness) -> None:
    """The form of graded work shows its score and comment: 推优 with them unchanged recommends and
    makes no new decision (no new revision, no statement), as a second 评分 click would not."""
    space = make_space(lti)
    sid = submitted(space)
    assert grade(space, "huwenbin", sid, action="score", score="80", comment="好").status_code == 200
    r = grade(space, "huwenbin", sid, action="excellent", score="80.00", comment="好")
    assert r.status_code == 200 and "已推优" in r.text and 'role="status">已评分<' not in r.text
    with space.db():
        sub = db.session.get(Submission, sid)
        assert (sub.score, sub.excellent, sub.review_revision) == (Decimal("80.00"), True, 1)
        assert statement(lti, f"assignment.scored:{sid}:v1:r2") is None
    # A bare 取消推优 (fields left empty) withdraws only: the grade and its comment stay.
    assert grade(space, "huwenbin", sid, action="excellent").status_code == 200
    with space.db():
        sub = db.session.get(Submission, sid)
        assert (sub.score, sub.comment, sub.excellent, sub.review_revision) == (Decimal("80.00"), "好", False, 1)


@pytest.mark.parametrize(
    ("score", "comment"),
    [("101", "很好"), ("-1", "很好"), ("12.345", "很好"), ("NaN", "很好"), ("", "写了评语却没打分")],
)
def test_a_refused_grade_refuses_the_recommendation_too(lti: LtiHarness, score: str, comment: str) -> None:
    """Out of range, not a number, too many decimals, or a comment without a score: 400 naming the
    score as 评分 does, the typed text kept in the form, and nothing changed — not even the recommendation."""
    space = make_space(lti, max_score="100")
    sid = submitted(space)
    r = grade(space, "huwenbin", sid, action="excellent", score=score, comment=comment + XSS)
    # The alert names the score field by its label, from the view's checks and the schema's alike.
    alert = re.search(r'role="alert"[^>]*>([^<]*)<', r.text)
    assert r.status_code == 400 and alert is not None and alert.group(1).startswith("分数："), alert
    assert comment in typed_comment(r.text) and "<script>alert" not in r.text
    if score:
        assert re.search(rf'name="score"[^>]*value="{re.escape(score)}"', r.text)
    with space.db():
        sub = db.session.get(Submission, sid)
        assert (sub.state, sub.score, sub.excellent, sub.review_revision) == ("submitted", None, False, 0)
        assert not [v for v in db.session.scalars(select(Statement.verb_id)) if "scored" in v]
