"""The studio's activity list tells an assignment handed in from one not started: an assignment
counts 0 until graded, and the list showed submitted work as "未开始". Not submitted → 未开始;
submitted and waiting → 待批改 (the word of the tutor's queue); returned → 已退回修改; graded →
its completion, even at 0 %."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Submission

from ...fixtures.lti import LtiHarness, lti_harness
from .test_assignments import Space, make_space
from .test_tutor_queue import grade, submitted


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def status(space: Space, who: str = "wanglihua", path: str = "/studio") -> str:
    """The status text of the assignment's row in a studio's activity list."""
    page = space.get(who, path)
    assert page.status_code == 200
    row = page.text.split(f'data-activity="{space.activity_id}"', 1)[1].split("</li>", 1)[0]
    return row.split('<span class="muted">', 1)[1].split("</span>", 1)[0]


def test_assignment_status_follows_the_submission(lti: LtiHarness) -> None:
    space = make_space(lti)
    assert "未开始" in status(space)
    sid = submitted(space)
    shown = status(space)
    assert "待批改" in shown and "未开始" not in shown
    with space.db():
        member_id = db.session.scalars(select(Submission.member_id).where(Submission.id == sid)).one()
    assert "待批改" in status(space, "huwenbin", f"/studio/{member_id}")  # her tutor sees the same
    assert grade(space, "huwenbin", sid, action="return", comment="请补充目标").status_code == 200
    shown = status(space)
    assert "已退回修改" in shown and "未开始" not in shown
    assert space.submit("wanglihua", "第二稿").status_code == 200
    assert "待批改" in status(space)
    assert grade(space, "huwenbin", sid, action="score", score="0", comment="未按要求").status_code == 200
    shown = status(space)
    assert "0%" in shown and "未开始" not in shown and "待批改" not in shown
    assert grade(space, "huwenbin", sid, action="score", score="92").status_code == 200
    assert "92%" in status(space)
    assert grade(space, "huwenbin", sid, action="score", score="100").status_code == 200
    assert "已评分 100%" in status(space)


def test_a_classmate_who_has_not_submitted_is_not_started(lti: LtiHarness) -> None:
    space = make_space(lti)
    submitted(space)
    assert "待批改" in status(space, "wanglihua")
    assert "未开始" in status(space, "lijianguo")
