"""情况通报 through real launches (issue "Dashboards and reports" §4, §6): who is behind and on what,
period activity, tutor activity, the XLSX, the text for a WeChat group, authorization by role — and
the one-source-of-truth check: the report's hours are the hours the grade engine credits."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.china import china_today
from lti_tool.extensions import db
from lti_tool.models import Activity, Phase, Post, Submission, WorkshopClass

from ...fixtures.lti import LtiHarness, keep_members, lti_harness
from ..grades.test_grade_pages import add_activity, member, watch_whole_video
from ..workshops.test_pages import XSS, host_setup


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def launched(lti: LtiHarness, *logins: str) -> dict[str, Any]:
    sessions = {}
    for login in logins:
        driver = lti.driver()
        driver.launch(login)
        sessions[login] = driver.session
    return sessions


def reported_workshop(lti: LtiHarness) -> tuple[Any, str, dict[str, Any], dict[str, int]]:
    """Phase 1 (5 学时 planned) ended last week, phase 2 (20 学时) has not begun: by today 5/25 of the
    25 required hours are expected, i.e. 5.00. A required assignment was due yesterday.
    Class 一班 (tutor 胡文斌): 王丽华 watched the 10-minute video; 李建国 submitted the assignment,
    graded 5 hours later. Class 二班 (tutor 郭美玲): 张秀英 did nothing."""
    host, base = host_setup(lti)
    add_activity(host, base, kind="assignment", title="教学设计", required="1", max_score="100")
    people = launched(lti, "wanglihua", "lijianguo", "zhangxiuying", "huwenbin", "guomeiling")
    keep_members(lti, int(base.rsplit("/", 1)[1]), "maxiaoyan", *people)
    today = china_today()
    with lti.tool_app.app_context():
        phase = db.session.scalars(select(Phase)).one()
        phase.starts_on, phase.ends_on = today - timedelta(days=20), today - timedelta(days=7)
        db.session.add(Phase(workshop_id=phase.workshop_id, position=1, title="第二阶段", planned_hours=Decimal(20),
                             starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=60)))
        video, task = db.session.scalars(select(Activity).order_by(Activity.id)).all()
        task.due_at = datetime.now(UTC) - timedelta(days=1, hours=12)
        one = WorkshopClass(workshop_id=phase.workshop_id, name="一班" + XSS,
                            tutor_member_id=member(lti, "胡文斌").id)
        two = WorkshopClass(workshop_id=phase.workshop_id, name="二班", tutor_member_id=member(lti, "郭美玲").id)
        db.session.add_all([one, two])
        db.session.flush()
        for name, klass in (("王丽华", one), ("李建国", one), ("张秀英", two)):
            member(lti, name).class_id = klass.id
        submitted = datetime.now(UTC) - timedelta(days=2)
        db.session.add(Submission(activity_id=task.id, member_id=member(lti, "李建国").id, text="设计",
                                  state="graded", score=Decimal(80), submitted_at=submitted,
                                  graded_at=submitted + timedelta(hours=5), graded_by_id=member(lti, "胡文斌").id))
        discussion = Activity(workshop_id=phase.workshop_id, kind="discussion", title="研讨", required=False)
        db.session.add(discussion)
        db.session.flush()
        db.session.add(Post(activity_id=discussion.id, author_id=member(lti, "胡文斌").id, title="答疑", body="…"))
        ids = {"video": video.id, "one": one.id, "two": two.id}
        db.session.commit()
    watch_whole_video(type("L", (), {"session": people["wanglihua"]})(), base, ids["video"])
    return host, base, people, ids


def test_host_sees_who_is_behind_and_why(lti: LtiHarness) -> None:
    host, base, _, _ = reported_workshop(lti)
    page = host.get(base + "/report")
    assert page.status_code == 200
    html = page.text
    assert 'id="learners">3<' in html
    assert 'id="count-behind">2<' in html and 'id="count-not_started">1<' in html
    behind = html.split('id="behind"')[1].split("</ol>")[0]
    # 10 minutes of video = 0.22 学时 of the 5.00 expected (two places, as in the table); the assignment is overdue.
    assert "王丽华" in behind and "学时 0.22，应达 5.00" in behind and "教学设计（作业）" in behind
    # 李建国 submitted but never watched the phase-1 video, whose phase has ended.
    assert "李建国" in behind and "课例：分数的初步认识（视频）" in behind
    assert "张秀英" in html.split('id="not-started"')[1][:200]
    assert "<script>alert" not in html and "&lt;script&gt;" in html  # the class name is inert
    tutors = html.split('id="tutors"')[1].split("</table>")[0]
    assert "胡文斌" in tutors and "5.0" in tutors  # median hours from submission to grade


def test_wechat_text_names_people_and_numbers(lti: LtiHarness) -> None:
    host, base, _, _ = reported_workshop(lti)
    text = host.get(base + "/report").text.split('id="wechat"')[1].split("</textarea>")[0]
    assert "学员 3 人：已完成 0 人，进度正常 0 人，落后 2 人，未开始 1 人。" in text
    assert "1. 王丽华（城关小学）" in text and "尚未开始学习：张秀英" in text
    assert "辅导老师 胡文斌" in text and "批改 1 份" in text


def test_tutor_reports_on_their_own_class_only(lti: LtiHarness) -> None:
    host, base, people, ids = reported_workshop(lti)
    tutor = people["huwenbin"]
    page = tutor.get(base + "/report")
    assert page.status_code == 200
    assert 'id="learners">2<' in page.text and "张秀英" not in page.text
    title = page.text.split("<title>", 1)[1].split("</title>", 1)[0].split(" · ", 1)[1]
    assert f'id="heading">{title} · 一班&lt;script&gt;' in page.text  # the workshop and the class reported on
    assert f'id="heading">{title}</p>' in host.get(base + "/report").text  # the whole workshop: its title once
    assert tutor.get(base + f"/report?class={ids['two']}").status_code == 404
    assert tutor.get(base + f"/report.xlsx?class={ids['two']}").status_code == 404
    assert people["wanglihua"].get(base + "/report").status_code == 403
    assert people["wanglihua"].get(base + "/report.xlsx").status_code == 403
    other = base.rsplit("/", 1)[0] + "/999"
    assert tutor.get(other + "/report").status_code == 404


def test_bad_periods_are_refused_with_the_field_named(lti: LtiHarness) -> None:
    """A 400 that is still the report page: the message above the period form (by the form's labels
    从 and 到), the typed dates in it (test_form_errors_inline.py covers those and English)."""
    host, base, _, _ = reported_workshop(lti)
    r = host.get(base + "/report?from=2026-13-01")
    assert r.status_code == 400 and 'id="period-error">从：请输入日期' in r.text
    r = host.get(base + "/report?from=2026-11-20&to=2026-11-01")
    assert r.status_code == 400 and 'id="period-error">“从”的日期晚于“到”的日期<' in r.text
    r = host.get(base + "/report?from=2020-01-01&to=2026-01-01")
    assert r.status_code == 400 and 'id="period-error">时段最长 366 天<' in r.text
    assert host.get(base + "/report?class=abc").status_code == 404


def test_period_counts_only_what_happened_in_it(lti: LtiHarness) -> None:
    host, base, _, _ = reported_workshop(lti)
    today = china_today()
    now = host.get(base + f"/report?from={today - timedelta(days=6)}&to={today}").text
    assert 'id="period-submitted">1<' in now
    earlier = host.get(base + f"/report?from={today - timedelta(days=30)}&to={today - timedelta(days=10)}").text
    assert 'id="period-submitted">0<' in earlier and 'id="period-posts">0<' in earlier


def test_xlsx_has_headers_rows_and_totals(lti: LtiHarness) -> None:
    from openpyxl import load_workbook

    host, base, _, _ = reported_workshop(lti)
    r = host.get(base + "/report.xlsx")
    assert r.status_code == 200 and r.headers["X-Content-Type-Options"] == "nosniff"
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["概况", "学员", "辅导老师"]
    rows = list(book["学员"].iter_rows(values_only=True))
    assert rows[0][:8] == ("姓名", "学校", "镇街", "班级", "研修小组", "状态", "学时", "应达学时")
    learners, total = rows[1:-1], rows[-1]
    assert {r[0] for r in learners} == {"王丽华", "李建国", "张秀英"}
    assert total[0] == "合计" and total[5] == "3 人"
    assert Decimal(str(total[6])) == sum(Decimal(str(r[6])) for r in learners)
    assert total[9] == 1  # one submission
    summary = dict(row[:2] for row in book["概况"].iter_rows(values_only=True) if row[0])
    assert summary["落后"] == 2 and summary["未开始"] == 1
    widths = book["学员"].column_dimensions
    assert (widths["B"].width, widths["L"].width) == (18, 40)  # school and reasons readable when opened


def test_report_hours_are_the_grade_engines_hours(lti: LtiHarness) -> None:
    """One source of truth: for every learner, the report's 学时 equals the 学时 the grade engine
    credited (the credit-registration export), to the last decimal."""
    from openpyxl import load_workbook

    host, base, _, _ = reported_workshop(lti)
    report = load_workbook(io.BytesIO(host.get(base + "/report.xlsx").content))["学员"]
    credits = load_workbook(io.BytesIO(host.get(base + "/grades/export.xlsx").content)).active
    report_hours = {r[0]: Decimal(str(r[6])) for r in list(report.iter_rows(values_only=True))[1:-1]}
    rows = list(credits.iter_rows(values_only=True))
    header = rows[1]
    engine_hours = {r[0]: Decimal(str(r[header.index("学时")])) for r in rows[2:]}
    assert set(report_hours) == set(engine_hours) and len(report_hours) == 3
    for name, hours in report_hours.items():
        assert hours == engine_hours[name], name
    assert report_hours["王丽华"] > 0


def test_expected_hours_follow_the_phase_plan() -> None:
    """Pro rata within a phase under way; whole phases once ended; nothing before they start."""
    from types import SimpleNamespace

    from lti_tool.reports.standing import expected_hours

    workshop = SimpleNamespace(required_hours=Decimal(80))
    phases = [SimpleNamespace(starts_on=date(2026, 9, 1), ends_on=date(2026, 9, 10), planned_hours=Decimal(5)),
              SimpleNamespace(starts_on=date(2026, 9, 11), ends_on=date(2026, 12, 31), planned_hours=Decimal(16)),
              SimpleNamespace(starts_on=date(2027, 1, 1), ends_on=date(2027, 1, 10), planned_hours=Decimal(4))]
    assert expected_hours(workshop, phases, date(2026, 8, 1)) == Decimal("0.0")  # type: ignore[arg-type]
    assert expected_hours(workshop, phases, date(2026, 9, 5)) == Decimal("8.0")  # type: ignore[arg-type]
    assert expected_hours(workshop, phases, date(2027, 2, 1)) == Decimal("80.0")  # type: ignore[arg-type]
    assert expected_hours(workshop, [], date(2027, 2, 1)) is None  # type: ignore[arg-type]


def test_a_large_report_names_the_first_and_counts_everyone(lti: LtiHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    """A city workshop's page listed all 23,000 (7.8 MB): each list stops at LISTED with a note, the
    counts stay whole, and the XLSX still has everyone."""
    from openpyxl import load_workbook

    monkeypatch.setattr("lti_tool.reports.views.LISTED", 1)
    host, base, _, _ = reported_workshop(lti)
    html = host.get(base + "/report").text
    assert 'id="learners">3<' in html and 'id="count-behind">2<' in html
    behind = html.split('id="behind"')[1].split("</ol>")[0]
    assert behind.count("<li>") == 1
    assert len(re.findall(r'<tr data-member="\d+">', html.split('id="learner-table"')[1])) == 1
    assert html.count("页面列出前 1 人") == 2  # behind, and the whole table (one not started: not cut)
    sheet = load_workbook(io.BytesIO(host.get(base + "/report.xlsx").content)).worksheets
    assert sum(1 for ws in sheet for row in ws.iter_rows(values_only=True) if row and row[0] in (
        "王丽华", "李建国", "张秀英")) >= 3


def test_each_status_and_what_counts_as_done() -> None:
    """standings on facts built by hand: a required video done at 90 % of its length, a required
    assignment done once submitted (graded or not), an offline session that cannot count until the
    learner's attendance is recorded, then counts when attended; each status reached for its own reason."""
    from types import SimpleNamespace

    from lti_tool.grades.facts import MemberFacts, WorkshopFacts
    from lti_tool.models import Activity, Workshop, WorkshopMember
    from lti_tool.reports.standing import standings
    from xapi import HoursRule

    workshop = Workshop(title="w", required_hours=Decimal(1))
    ended = SimpleNamespace(id=1, starts_on=date(2026, 9, 1), ends_on=date(2026, 9, 10), planned_hours=Decimal(1))
    video = Activity(id=10, kind="video", title="课例", required=True, video_seconds=Decimal(3000), phase_id=1)
    task = Activity(id=11, kind="assignment", title="设计", required=True, max_score=Decimal(100), phase_id=1)
    session = Activity(id=12, kind="offline", title="集中研修", required=True, planned_hours=Decimal(2),
                       session_date=date(2026, 9, 5))
    optional = Activity(id=13, kind="discussion", title="研讨", required=False)

    def facts(name: str, watched: int = 0, submitted: bool = False, attended: int = 0) -> MemberFacts:
        f = MemberFacts(member=WorkshopMember(id=len(name), roster_name=name))
        if watched:
            f.watched[10] = Decimal(watched)
        if submitted:
            f.submitted.add(11)
        if attended:
            f.attended[12] = Decimal(attended)
        return f

    people = [facts("not started"), facts("done!", watched=2700, submitted=True),
              facts("behind: 89 %", watched=2670, submitted=True), facts("ok", watched=2700)]
    today = date(2026, 9, 20)

    def statuses(taken: set[int], phase_ends: date) -> dict[str, tuple[str, list[str]]]:
        wf = WorkshopFacts(workshop=workshop, activities=[video, task, session, optional], rule=HoursRule(),
                           members={i: f for i, f in enumerate(people)}, taken=taken)
        phases = [SimpleNamespace(**{**vars(ended), "ends_on": phase_ends})]
        rows = standings(wf, phases, today)  # type: ignore[arg-type]
        return {s.member.roster_name: (s.status, [a.title for a in s.missing]) for s in rows}

    # Attendance not taken: the session cannot count either way. 2,700 s = 1 学时 at 45 minutes.
    assert statuses(set(), date(2026, 9, 10)) == {
        "not started": ("not_started", ["课例", "设计"]), "done!": ("done", []),
        "behind: 89 %": ("behind", ["课例"]), "ok": ("behind", ["设计"])}
    # The phase still under way: nothing it holds is due yet, so missing it is not behind.
    assert statuses(set(), date(2026, 9, 30))["ok"] == ("on_track", [])
    # Another class's roll taken, not this learner's: the session cannot count for them yet.
    assert statuses({12}, date(2026, 9, 30))["done!"] == ("done", [])
    people[1].attended[12] = Decimal(0)  # recorded absent: the session is missing, even for one done before
    assert statuses({12}, date(2026, 9, 30))["done!"] == ("behind", ["集中研修"])
    people[1].attended[12] = Decimal(2)
    assert statuses({12}, date(2026, 9, 30))["done!"] == ("done", [])


def test_reasons_and_schools_follow_the_page_language(lti: LtiHarness) -> None:
    """An English page says why in English; the WeChat text (for the county's Chinese groups) stays Chinese."""
    host, base, _, _ = reported_workshop(lti)
    with lti.tool_app.app_context():
        member(lti, "张秀英").school = None
        db.session.commit()
    zh = host.get(base + "/report").text
    assert "（未填学校）" in zh.split('id="schools"')[1].split("</table>")[0]
    page = host.get(base + "/report", params={"lang": "en"})
    assert page.status_code == 200
    behind = page.text.split('id="behind"')[1].split("</ol>")[0]
    assert "0.22 hours, 5.00 expected by now; not done: 教学设计 (assignment)" in behind
    assert "课例：分数的初步认识 (video)" in behind
    assert "应达" not in behind and "未完成" not in behind and "（" not in behind
    schools = page.text.split('id="schools"')[1].split("</table>")[0]
    assert "(no school)" in schools and "未填学校" not in schools
    wechat = page.text.split('id="wechat"')[1].split("</textarea>")[0]
    assert "学时 0.22，应达 5.00；未完成：教学设计（作业）" in wechat


def test_hidden_posts_are_not_counted(lti: LtiHarness) -> None:
    """A post a tutor hid counts nowhere: not in the learner's 发帖, her grade, or the period's total."""
    host, base, _, _ = reported_workshop(lti)
    with lti.tool_app.app_context():
        discussion = db.session.scalars(select(Activity).where(Activity.kind == "discussion")).one()
        wang = member(lti, "王丽华").id
        db.session.add_all([Post(activity_id=discussion.id, author_id=wang, title="我的看法", body="…"),
                            Post(activity_id=discussion.id, author_id=wang, title="广告", body="…", hidden=True)])
        db.session.commit()
    page = host.get(base + "/report").text
    assert 'id="period-posts">1<' in page
    row = page.split(f'data-member="{wang}"', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="num">(\d+)</td>', row)[0] == "1"  # her 发帖
