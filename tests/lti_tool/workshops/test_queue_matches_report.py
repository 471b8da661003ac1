"""The tutor's queue (进度落后) and the 情况通报 name the same learners as behind, for the same reasons,
with the same hours expected by today (reports.standing): found by exploratory QA, where the report
expected 20.0 学时 and the queue 10.00, and the queue listed six people for an assignment not due for
a month."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.china import china_today
from lti_tool.extensions import db
from lti_tool.models import Activity, Phase, Workshop
from lti_tool.reports.standing import expected_hours

from ...fixtures.lti import LtiHarness, lti_harness
from ..grades.test_grade_pages import member
from ..reports.test_progress_report import reported_workshop


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def replanned(lti: LtiHarness, dated: bool, due_in_days: int) -> tuple[Any, Any, str]:
    """`reported_workshop` (一班: 王丽华 watched 10 minutes, 李建国 handed in the required 教学设计;
    二班: 张秀英 did nothing) replanned as QA found it: 20 学时 required, phases 1 (12 学时, with
    the video) and 2 (8 学时) without dates, and when `dated` a phase 3 of 10 学时 that ended three
    days ago; 教学设计 due in `due_in_days` days. Returns the host's and 胡文斌's sessions and the base."""
    host, base, people, _ = reported_workshop(lti)
    today = china_today()
    with lti.tool_app.app_context():
        first, second = db.session.scalars(select(Phase).order_by(Phase.position)).all()
        db.session.get(Workshop, first.workshop_id).required_hours = Decimal(20)
        for phase, hours in ((first, 12), (second, 8)):
            phase.starts_on = phase.ends_on = None
            phase.planned_hours = Decimal(hours)
        if dated:
            db.session.add(Phase(workshop_id=first.workshop_id, position=2, title="第三阶段", planned_hours=Decimal(10),
                                 starts_on=today - timedelta(days=18), ends_on=today - timedelta(days=3)))
        task = db.session.scalars(select(Activity).where(Activity.kind == "assignment")).one()
        task.due_at = datetime.now(UTC) + timedelta(days=due_in_days)
        db.session.commit()
    return host, people["huwenbin"], base


def report_behind(html: str) -> dict[str, str]:
    """name → reasons, from the 情况通报's list of learners behind."""
    listed = html.split('id="behind"')[1].split("</ol>")[0] if 'id="behind"' in html else ""
    return dict(re.findall(r"<li><strong>([^<]+)</strong>.*? — (.*?)</li>", listed, re.S))


def queue_behind(html: str) -> dict[str, str]:
    """name → reasons, from the queue's 进度落后 list."""
    section = html.split('aria-label="进度落后"', 1)[1].split("</section>", 1)[0]
    return dict(re.findall(r'<li data-member="\d+"><strong>([^<]+)</strong>.*? — (.*?)</li>', section, re.S))


def not_started(html: str) -> list[str]:
    found = re.search(r'id="not-started">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).split("、") if found else []


def table_hours(html: str, member_id: int) -> tuple[str, str]:
    """(学时, 应达) of one learner in the 情况通报's table."""
    row = re.search(rf'<tr data-member="{member_id}">(.*?)</tr>', html, re.S)
    assert row, member_id
    hours, expected = re.findall(r'<td class="num(?: hours)?">([^<]*)</td>', row.group(1))[:2]
    return hours, expected


def test_both_pages_expect_the_dated_share_of_the_whole_plan(lti: LtiHarness) -> None:
    """Phase 3 has ended: 10 of the plan's 30 学时 are due, 20 × 10 / 30 = 6.67 of the required hours.
    The report divided by the dated phases only (20 × 10 / 10: everything due), the queue did not scale
    (10.00); both now say 6.67, and name the same people for the same reasons, hours to two places."""
    host, tutor, base = replanned(lti, dated=True, due_in_days=30)
    for who in (host, tutor):  # the host's whole workshop, the tutor's own class
        report, queue = who.get(base + "/report").text, who.get(base + "/queue").text
        assert 'id="expected-hours">6.67<' in queue
        assert report_behind(report) == queue_behind(queue)
        assert not_started(report) == not_started(queue)
    with lti.tool_app.app_context():
        wang = member(lti, "王丽华").id
    report, queue = host.get(base + "/report").text, host.get(base + "/queue").text
    hours, expected = table_hours(report, wang)
    assert (hours, expected) == ("0.22", "6.67")  # 10 minutes of video: the reason says the same
    behind = queue_behind(queue)
    assert behind["王丽华"] == f"学时 {hours}，应达 {expected}" and set(behind) == {"王丽华", "李建国"}
    assert not_started(queue) == ["张秀英"]


def test_an_assignment_not_yet_due_makes_nobody_behind(lti: LtiHarness) -> None:
    """Before any phase has dates, with 教学设计 due in a month: nobody is behind on either page (the
    queue listed everyone who had not handed it in); once it is overdue, both name the same people."""
    host, tutor, base = replanned(lti, dated=False, due_in_days=30)
    queue = host.get(base + "/queue").text
    assert queue_behind(queue) == {} and "没有落后的学员" in queue and "教学设计" not in queue.split("进度落后", 1)[1]
    assert 'id="count-behind">0<' in host.get(base + "/report").text
    assert "阶段未设日期，暂不比较学时" in queue
    with lti.tool_app.app_context():
        task = db.session.scalars(select(Activity).where(Activity.kind == "assignment")).one()
        task.due_at = datetime.now(UTC) - timedelta(days=2)
        db.session.commit()
    for who in (host, tutor):
        report, queue = who.get(base + "/report").text, who.get(base + "/queue").text
        assert report_behind(report) == queue_behind(queue) == {"王丽华": "未完成：教学设计（作业）"}


def test_expected_hours_are_a_share_of_the_whole_plan() -> None:
    """Undated phases are part of the plan (none of their hours due); without any dated hours there is
    no plan to compare with; the whole plan due expects exactly the required hours."""
    def phase(hours: int, dates: tuple[date, date] | None = None) -> Any:
        return SimpleNamespace(starts_on=dates and dates[0], ends_on=dates and dates[1], planned_hours=Decimal(hours))

    workshop = SimpleNamespace(required_hours=Decimal(20))
    ended = (date(2026, 11, 20), date(2026, 12, 5))

    def expected(*phases: Any) -> Decimal | None:
        return expected_hours(workshop, phases, date(2026, 12, 8))  # type: ignore[arg-type]

    assert expected(phase(12), phase(8), phase(10, ended)) == Decimal("6.67")  # the QA case: 20 × 10 / 30
    assert expected(phase(0), phase(0), phase(10, ended)) == Decimal("20.00")  # undated phases plan nothing
    assert expected(phase(12), phase(0, ended)) is None  # no dated hours: no plan to compare with
    assert expected(phase(12, ended), phase(18, ended)) == Decimal("20.00")  # all due: the requirement
