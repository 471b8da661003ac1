"""Grades in the product, through real launches: computed from the stored records, recomputed when
they change, explained to the participant, shown by role, entered by hand, exported (issue
"Grading" §In the product)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import (
    Activity,
    GradeResult,
    GradeState,
    ManualScore,
    Submission,
    User,
    Workshop,
    WorkshopClass,
    WorkshopMember,
)

from ...fixtures.lti import LtiHarness, keep_members, lti_harness
from ..workshops.test_pages import XSS, csrf, host_setup


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def member(lti: LtiHarness, name: str) -> WorkshopMember:
    return db.session.scalars(select(WorkshopMember).join(User, User.id == WorkshopMember.user_id)
                              .where(User.name == name)).one()


def add_activity(s: Any, base: str, **fields: str) -> None:
    token = csrf(s.get(base + "/setup").text)
    r = s.post(base + "/activities", data={"csrf_token": token, **fields})
    assert r.status_code == 200, r.text[:300]


def watch_whole_video(learner: Any, base: str, video_id: int) -> None:
    token = csrf(learner.session.get(f"{base}/a/{video_id}").text)
    events = [{"key": str(uuid.uuid4()), "verb": "paused", "session_id": str(uuid.uuid4()), "time": 600,
               "progress": 1, "segments": [[0, 600]]}]
    r = learner.session.post(f"{base}/a/{video_id}/video-events", json=events, headers={"X-CSRF-Token": token})
    assert r.ok, r.text


def graded_workshop(lti: LtiHarness) -> tuple[Any, str, Any]:
    """zhenjiang-80-20 (seed 004 方案4 七.1): a required video, a required assignment and an
    optional reading; 王丽华 watches the video, scores 85/100 and finishes the reading."""
    host, base = host_setup(lti)
    add_activity(host, base, kind="assignment", title="教学设计", required="1", max_score="100")
    add_activity(host, base, kind="reading", title="拓展阅读", body="读一读")
    learner = lti.driver()
    learner.launch("wanglihua")
    keep_members(lti, int(base.rsplit("/", 1)[1]), "maxiaoyan", "wanglihua")
    with lti.tool_app.app_context():
        video, assignment, reading = db.session.scalars(select(Activity).order_by(Activity.id)).all()
        ids = video.id, assignment.id, reading.id
        wang = member(lti, "王丽华")
        db.session.add(Submission(activity_id=assignment.id, member_id=wang.id, text="设计", state="graded",
                                  score=Decimal(85)))
        db.session.commit()
    watch_whole_video(learner, base, ids[0])
    finish_reading(learner, base, ids[2])
    return host, base, learner


def finish_reading(learner: Any, base: str, reading_id: int) -> None:
    """Open the reading and press 我已读完: the finishing is what counts."""
    page = learner.session.get(f"{base}/a/{reading_id}")
    assert page.status_code == 200
    done = learner.session.post(f"{base}/a/{reading_id}/read", data={"csrf_token": csrf(page.text)})
    # Once read, the page says so instead of offering the button again.
    assert done.status_code == 200 and 'id="reading-read"' in done.text and 'id="reading-done"' not in done.text


def test_participant_grade_is_computed_from_records_and_explained(lti: LtiHarness) -> None:
    """required = mean(video 100, assignment 85) = 92.5 → 80 % = 74; optional = reading 100 → 20 %
    = 20; total 94.00 → 优秀 (default bands). The explanation and the data used are shown."""
    _host, base, learner = graded_workshop(lti)
    page = learner.session.get(base + "/my-grade")
    assert page.status_code == 200
    assert 'id="total">94.00<' in page.text and 'id="band">优秀<' in page.text
    assert "必做任务" in page.text and "74.00" in page.text
    with lti.tool_app.app_context():
        # The host's launch synced the course roster (NRPS): every participant has a row.
        row = db.session.scalars(select(GradeResult).where(GradeResult.member_id == member(lti, "王丽华").id)).one()
        assert row.total == Decimal("94.00") and row.passed
        assert Decimal(row.explanation["record"]["scores"]["required"]) == Decimal("92.5")


def test_grades_recompute_when_a_record_changes(lti: LtiHarness) -> None:
    """A new score marks the workshop stale; the next reader sees the new total, nothing else does."""
    _host, base, learner = graded_workshop(lti)
    assert 'id="total">94.00<' in learner.session.get(base + "/my-grade").text
    with lti.tool_app.app_context():
        assert db.session.scalars(select(GradeState)).one().stale is False
        sub = db.session.scalars(select(Submission)).one()
        sub.score = Decimal(60)  # regraded
        db.session.commit()
        assert db.session.scalars(select(GradeState)).one().stale is True
    # required = mean(100, 60) = 80 → 64; + 20 = 84.00 → 良好
    page = learner.session.get(base + "/my-grade")
    assert 'id="total">84.00<' in page.text and 'id="band">良好<' in page.text


def test_host_table_filters_and_tutor_sees_only_their_class(lti: LtiHarness) -> None:
    host, base, learner = graded_workshop(lti)
    lti.driver().launch("lijianguo")
    tutor = lti.driver()
    tutor.launch("huwenbin")
    with lti.tool_app.app_context():
        wang, li = member(lti, "王丽华"), member(lti, "李建国")
        tutor_member = member(lti, "胡文斌")
        klass = WorkshopClass(workshop_id=wang.workshop_id, name="一班", tutor_member_id=tutor_member.id)
        db.session.add(klass)
        db.session.flush()
        wang.class_id = klass.id
        db.session.commit()
        wang_id, li_id, class_id = wang.id, li.id, klass.id
    table = host.get(base + "/grades")
    assert table.status_code == 200
    assert f'data-member="{wang_id}"' in table.text and f'data-member="{li_id}"' in table.text
    filtered = host.get(base + f"/grades?class={class_id}")
    assert f'data-member="{wang_id}"' in filtered.text and f'data-member="{li_id}"' not in filtered.text
    failed = host.get(base + "/grades?passed=no")
    assert f'data-member="{li_id}"' in failed.text and f'data-member="{wang_id}"' not in failed.text
    mine = tutor.session.get(base + "/grades")
    assert f'data-member="{wang_id}"' in mine.text and f'data-member="{li_id}"' not in mine.text
    assert tutor.session.get(base + f"/grades/m/{wang_id}").status_code == 200
    assert tutor.session.get(base + f"/grades/m/{li_id}").status_code == 404  # not their class
    # Participants: their own page only.
    assert learner.session.get(base + "/grades").status_code == 403
    assert learner.session.get(base + f"/grades/m/{li_id}").status_code == 403
    assert learner.session.get(base + "/grades/settings").status_code == 403
    assert learner.session.get(base + "/grades/export.csv").status_code == 403
    assert tutor.session.get(base + "/grades/export.csv").status_code == 403


def test_what_a_participant_still_needs(lti: LtiHarness) -> None:
    """李建国 did nothing: 0.00, 不合格; the what-if names how much each part needs."""
    _host, base, _ = graded_workshop(lti)
    li = lti.driver()
    li.launch("lijianguo")
    page = li.session.get(base + "/my-grade")
    assert 'id="total">0.00<' in page.text and "不合格" in page.text
    assert 'id="what-if"' in page.text and "距合格线还差" in page.text and "60.00" in page.text


def test_manual_scores_all_or_nothing_and_policy_errors_named(lti: LtiHarness) -> None:
    """dawukou-80-20 reads written (100) and practice (20) entered by hand (seed 004 方案7 二)."""
    host, base, _ = graded_workshop(lti)
    lti.driver().launch("lijianguo")
    token = csrf(host.get(base + "/setup").text)
    r = host.post(base + "/setup", data={"csrf_token": token, "title": "工作坊", "required_hours": "25",
                                         "minutes_per_hour": "45", "hours_rounding": "proportional",
                                         "grading_preset": "dawukou-80-20"})
    assert r.status_code == 200
    with lti.tool_app.app_context():
        wang, li = member(lti, "王丽华"), member(lti, "李建国")
        wang_id, li_id = wang.id, li.id
    page = host.get(base + "/grades/manual")
    token = csrf(page.text)
    bad = {"csrf_token": token, f"score:{wang_id}:written": "90", f"score:{wang_id}:practice": "18",
           f"score:{li_id}:written": "70", f"score:{li_id}:practice": "25"}  # practice max is 20
    r = host.post(base + "/grades/manual", data=bad)
    assert r.status_code == 400 and "实践" in r.text and "0–20" in r.text
    with lti.tool_app.app_context():
        assert db.session.scalars(select(ManualScore)).first() is None  # nothing half-saved
    r = host.post(base + "/grades/manual", data={**bad, f"score:{li_id}:practice": "12"})
    assert r.status_code == 200
    # 王丽华: 0.8 × 90 + 18 = 90.00, band from the practice part: 18 → 优秀; 李建国: 56 + 12 = 68.00, 合格.
    table = host.get(base + "/grades").text
    assert "90.00" in table and "68.00" in table
    bad_policy = "name: x\ncomponents:\n  - {key: a, weight: 90, source: scores.a}\n"
    r = host.post(base + "/grades/settings", data={"csrf_token": token, "action": "policy", "policy": bad_policy})
    assert r.status_code == 400 and "weights must sum to 100" in r.text


def test_credit_export_has_chinese_headers_and_neutralises_formulas(lti: LtiHarness) -> None:
    host, base, _ = graded_workshop(lti)
    with lti.tool_app.app_context():
        wang = member(lti, "王丽华")
        wang.school = "=HYPERLINK(\"http://x\")" + XSS
        db.session.commit()
    r = host.get(base + "/grades/export.csv")
    assert r.status_code == 200 and r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:7] == ["姓名", "学校", "镇街", "班级", "研修小组", "总分", "等级"]
    wang_row = next(row for row in rows if row[0] == "王丽华")
    assert wang_row[1].startswith("'=") and wang_row[5] == "94.00" and wang_row[7] == "合格"
    x = host.get(base + "/grades/export.xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(x.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][0] == "姓名" and any(v[0] == "王丽华" and v[5] == 94 for v in values[2:])
    widths = sheet.column_dimensions
    assert sheet.title == "学分登记" and (widths["B"].width, widths["L"].width) == (18, 40)
    table = host.get(base + "/grades").text
    assert "<script>alert" not in table  # the school is shown escaped


def test_one_learners_records_match_the_cohorts(lti: LtiHarness) -> None:
    """The my-grade page reads one learner's rows when no rule ranks learners (zhenjiang-80-20);
    the record must be the one the whole-cohort pass builds, including the shared facts (whether
    a session's attendance was taken) that come from other people's rows."""
    graded_workshop(lti)
    lti.driver().launch("lijianguo")
    from lti_tool.grades.service import cohort, what_if_records, workshop_policy

    with lti.tool_app.app_context():
        wang, li = member(lti, "王丽华"), member(lti, "李建国")
        workshop = db.session.get(Workshop, wang.workshop_id)
        policy = workshop_policy(workshop)
        assert not policy.share_caps and policy.outstanding is None
        _, everyone = cohort(workshop, policy)
        for person in (wang, li):
            mine, seen = what_if_records(workshop, policy, person)
            assert seen == [mine]  # the narrow path was taken
            assert mine == next(r for r in everyone if r.learner == str(person.id))
        assert Decimal(next(r for r in everyone if r.learner == str(wang.id)).scores["required"]) == Decimal("92.5")
