"""A group leader (研修组长, a participant) follows the members of their group up in their studio:
progress (hours, activities, posts, what was handed in), never their grade (program-rules: the leader
"hosts day-to-day activities and chases missing work"; grades are for the learner, the tutor of
their class and the host, as /grades/m/<id> and the 优秀作业 showcase already decide)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lti_tool.extensions import db
from lti_tool.models import StudyGroup, WorkshopMember

from ...fixtures.lti import LtiHarness, lti_harness
from .test_studio import number, studio_world


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def grouped(lti: LtiHarness, w: dict[str, Any], leader: int, *members: int) -> None:
    with lti.tool_app.app_context():
        group = StudyGroup(workshop_id=w["wid"], name=f"小组{leader}", leader_member_id=leader)
        db.session.add(group)
        db.session.flush()
        for mid in members:
            db.session.get(WorkshopMember, mid).group_id = group.id
        db.session.commit()


# What only a grade reader may see on 王丽华's studio: her grade and what she still needs, the
# tutor's score (20 of 100) and comment ("**很好**") on her assignment.
GRADE_MARKS = ('id="grade"', 'id="total"', 'id="band"', 'id="passed"', "还需要什么", 'class="score"',
               "<strong>很好</strong>", "/grades/m/")


def test_a_group_leader_sees_progress_not_the_grade(lti: LtiHarness) -> None:
    """李建国 leads 王丽华's group: her studio shows him her progress, not her grade; she, her tutor
    and the host see everything they saw before."""
    w = studio_world(lti)
    wang, leader = w["ids"]["wanglihua"], w["ids"]["lijianguo"]
    grouped(lti, w, leader, wang)
    get = {login: driver.session.get for login, driver in w["people"].items()}
    page = get["lijianguo"](f"{w['base']}/studio/{wang}")
    assert page.status_code == 200 and "王丽华" in page.text
    html = page.text
    for mark in GRADE_MARKS:
        assert mark not in html, mark
    # Her progress stays: hours, posts, what she handed in; the assignment counts done once handed in
    # (as in the 情况通报), not by its score, and shows its state.
    assert number(html, "hours") == "0.11" and number(html, "threads") == "1" and number(html, "submitted") == "1"
    assert number(html, "required-done") == "2"  # the discussion and the assignment handed in
    task = re.search(rf'<li class="done" data-activity="{w["aids"]["assignment"]}" data-completion="1">(.*?)</li>',
                     html, re.S)
    assert task and "已评分" in task.group(1) and "%" not in task.group(1)
    assert "51%" in html  # the video's progress is progress
    # Her grade page answers him 403 already: the studio no longer shows him what it refuses.
    assert get["lijianguo"](f"{w['base']}/grades/m/{wang}").status_code == 403
    # She, her tutor and the host see all of it, as before.
    pages = {"self": w["people"]["wanglihua"].session.get(f"{w['base']}/studio").text,
             "tutor": w["people"]["huwenbin"].session.get(f"{w['base']}/studio/{wang}").text,
             "host": w["host"].get(f"{w['base']}/studio/{wang}").text}
    for who, seen in pages.items():
        assert number(seen, "passed") == "未合格" and "还需要什么" in seen, who
        assert 'class="score">20.00<' in seen and "<strong>很好</strong>" in seen, who
        assert f'data-activity="{w["aids"]["assignment"]}" data-completion="0.2"' in seen, who  # 20 of 100
        assert number(seen, "required-done") == "2", who  # graded work is done; its score is 20 %


def test_a_tutor_leading_a_group_sees_grades_of_their_class_only(lti: LtiHarness) -> None:
    """Grades follow the class, not the group: 胡文斌 tutors 王丽华's class, not 周婷 (no class);
    leading a group with both, he sees 王丽华's grade and 周婷's progress only."""
    w = studio_world(lti)
    wang, zhou = w["ids"]["wanglihua"], w["ids"]["zhouting"]
    with lti.tool_app.app_context():
        tutor = db.session.get(WorkshopMember, wang).workshop_class.tutor_member_id
    grouped(lti, w, tutor, wang, zhou)
    get = w["people"]["huwenbin"].session.get
    assert 'id="grade"' in get(f"{w['base']}/studio/{wang}").text
    other = get(f"{w['base']}/studio/{zhou}")
    assert other.status_code == 200 and "周婷" in other.text
    for mark in ('id="grade"', 'id="total"', 'id="passed"', "还需要什么", "/grades/m/"):
        assert mark not in other.text, mark
