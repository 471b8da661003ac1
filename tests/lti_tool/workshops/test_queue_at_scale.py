"""The grading queue for a host of a large workshop: the lists are cut (the counts are not) so the
page stays small, and above PROGRESS_INLINE learners its 进度落后 section links the 情况通报."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Activity, Phase, Submission, WorkshopMember
from lti_tool.workshops import tutor_views

from ...fixtures.lti import LtiHarness, lti_harness
from .test_assignments import make_space


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def test_the_hosts_queue_counts_everything_and_lists_the_first(lti: LtiHarness,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tutor_views, "SHOWN", 2)
    space = make_space(lti)
    with space.lti.tool_app.app_context():
        people = {m.display_name: m.id for m in db.session.scalars(
            select(WorkshopMember).where(WorkshopMember.workshop_id == space.workshop_id))}
        second = Activity(workshop_id=space.workshop_id, position=5, kind="assignment", title="第二份作业",
                          required=True, max_score=Decimal(100), choices=[])
        db.session.add(second)
        db.session.add(Phase(workshop_id=space.workshop_id, title="第一阶段", planned_hours=Decimal(5),
                             starts_on=date(2020, 1, 1), ends_on=date(2020, 2, 1)))  # ended: all 5 学时 planned
        db.session.flush()
        start = datetime(2026, 11, 1, tzinfo=UTC)
        made = []
        for i, (name, activity, state) in enumerate([("王丽华", space.activity_id, "submitted"),
                                                      ("李建国", space.activity_id, "submitted"),
                                                      ("周婷", space.activity_id, "submitted"),
                                                      ("王丽华", second.id, "graded"),
                                                      ("李建国", second.id, "returned"),
                                                      ("周婷", second.id, "graded")]):
            sub = Submission(activity_id=activity, member_id=people[name], text="作业", state=state,
                             submitted_at=start + timedelta(hours=i), excellent=i == 5,
                             score=Decimal(80) if state == "graded" else None)
            db.session.add(sub)
            db.session.flush()
            made.append(sub.id)
        db.session.commit()
    page = space.get("maxiaoyan", "/queue").text
    counts = {k: re.search(rf'id="count-{k}">(\d+)<', page).group(1) for k in ("submitted", "returned", "graded",
                                                                              "excellent")}
    assert counts == {"submitted": "3", "returned": "1", "graded": "2", "excellent": "1"}
    assert re.findall(r'data-submission="(\d+)"', page) == [str(made[0]), str(made[1])]  # the first two come
    assert 'id="pending-more"' in page and "共 3 份" in page
    processed = page.split("已处理", 1)[1].split("</details>", 1)[0]
    assert "（3）" in processed and "列出最近 2 份" in processed
    assert [f"/submissions/{sid}" in processed for sid in made[3:]] == [False, True, True]  # the latest two
    behind, not_started = page.split('aria-label="进度落后"', 1)[1].split('id="not-started"', 1)
    listed = re.findall(r'<li data-member="(\d+)"', behind)
    assert len(listed) == 2 and 'id="behind-more"' in behind  # who handed in is under 80 % of the 学时
    with space.lti.tool_app.app_context():
        participants = sorted(db.session.scalars(select(WorkshopMember.id).where(
            WorkshopMember.workshop_id == space.workshop_id, WorkshopMember.role == "participant",
            WorkshopMember.active.is_(True))).all())
        started = [i for i in participants if i in {people["王丽华"], people["李建国"], people["周婷"]}]
        idle = [i for i in participants if i not in started]
        first_two = [db.session.get(WorkshopMember, i).display_name for i in started[:2]]
    assert re.search(r"共 (\d+) 人", behind).group(1) == str(len(started)) == "3"  # counted whole
    assert listed == [str(i) for i in started[:2]]  # in member order, named
    assert all(name in behind.split("behind-more")[0] for name in first_two)
    # Who has done nothing is not started, as in the 情况通报: counted whole, the first named.
    assert re.findall(r'<span data-member="(\d+)"', not_started) == [str(i) for i in idle[:2]]
    assert 'id="not-started-more"' in not_started and f"共 {len(idle)} 人" in not_started


def test_a_scope_above_the_inline_limit_links_the_report(lti: LtiHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above PROGRESS_INLINE learners (a host's city workshop) the queue does not gather everyone's
    facts for its 进度落后 section: it says how many are in scope and links the 情况通报, which
    lists them by the same rules; a class chosen from the menu is back under the limit."""
    space = make_space(lti)
    with space.lti.tool_app.app_context():
        in_scope = len(db.session.scalars(select(WorkshopMember.id).where(
            WorkshopMember.workshop_id == space.workshop_id, WorkshopMember.role == "participant",
            WorkshopMember.active.is_(True))).all())
    monkeypatch.setattr(tutor_views, "PROGRESS_INLINE", in_scope - 1)
    gathered: list[int] = []
    monkeypatch.setattr(tutor_views, "gather", lambda *args: gathered.append(1))  # must not be called
    page = space.get("maxiaoyan", "/queue").text
    section = page.split('aria-label="进度落后"', 1)[1].split("</section>", 1)[0]
    assert f"范围内有 {in_scope} 位学员" in section and f"/w/{space.workshop_id}/report" in section
    assert 'id="behind-count"' not in section and not gathered
    assert 'id="count-submitted"' in page  # the grading lists are there as ever
