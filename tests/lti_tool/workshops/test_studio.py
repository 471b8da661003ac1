"""研修工作室 through real launches (dashboards issue §1, §6): a participant's hours per phase,
activities done and to do, posts, assignments with score and comment, and the grade with what is
still needed; who may open whose studio; and the one-source-of-truth check — the studio's numbers
equal the grade engine's inputs and result for the same learner."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Activity, GradeResult, Submission, WorkshopClass, WorkshopMember

from ...fixtures.lti import LtiHarness, lti_harness
from .test_pages import XSS, csrf, host_setup


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def number(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert found, element_id
    return found.group(1).strip()


def studio_world(lti: LtiHarness) -> dict[str, Any]:
    """Phase 1 holds a 10-minute video and an assignment; a discussion has no phase. 王丽华 watches
    310 s, starts a thread and submits; her tutor 胡文斌 scores it 20 with a comment."""
    host, base = host_setup(lti)
    token = csrf(host.get(base + "/setup").text)
    with lti.tool_app.app_context():
        from lti_tool.models import Phase

        phase_id = db.session.scalars(select(Phase.id)).one()
    for data in ({"kind": "assignment", "title": "单元设计", "phase_id": str(phase_id), "required": "1",
                  "max_score": "100"},
                 {"kind": "discussion", "title": "课堂提问", "required": "1"}):
        assert host.post(base + "/activities", data={"csrf_token": token, **data}).status_code == 200
    people = {login: lti.login(login) for login in ("wanglihua", "lijianguo", "zhouting", "huwenbin")}
    wid = int(base.rsplit("/", 1)[1])
    with lti.tool_app.app_context():
        aids = {a.kind: a.id for a in db.session.scalars(select(Activity).where(Activity.workshop_id == wid))}
        by_name = {m.display_name: m for m in
                   db.session.scalars(select(WorkshopMember).where(WorkshopMember.workshop_id == wid))}
        klass = WorkshopClass(workshop_id=wid, name="一班", tutor_member_id=by_name["胡文斌"].id)
        db.session.add(klass)
        db.session.flush()
        by_name["王丽华"].class_id = by_name["李建国"].class_id = klass.id
        db.session.commit()
        ids = {"wanglihua": by_name["王丽华"].id, "zhouting": by_name["周婷"].id, "lijianguo": by_name["李建国"].id}
    wang = people["wanglihua"].session
    page = wang.get(f"{base}/a/{aids['video']}")
    mine = csrf(page.text)
    sid = str(uuid.uuid4())
    assert wang.post(f"{base}/a/{aids['video']}/video-events", headers={"X-CSRF-Token": mine}, json=[
        {"key": str(uuid.uuid4()), "verb": "paused", "session_id": sid, "time": 310, "progress": 0.5,
         "segments": [[0, 310]]}]).ok
    assert wang.post(f"{base}/d/{aids['discussion']}/threads", data={
        "csrf_token": mine, "form_key": str(uuid.uuid4()), "title": "先易后难", "body": "我的想法"}).status_code == 200
    assert wang.post(f"{base}/as/{aids['assignment']}", data={"csrf_token": mine, "text": "设计"}).status_code == 200
    with lti.tool_app.app_context():
        submission = db.session.scalars(select(Submission.id)).one()
    tutor = people["huwenbin"].session
    tutor_token = csrf(tutor.get(f"{base}/submissions/{submission}").text)
    assert tutor.post(f"{base}/submissions/{submission}/grade", data={
        "csrf_token": tutor_token, "action": "score", "score": "20", "comment": "**很好** " + XSS}).status_code == 200
    return {"base": base, "host": host, "people": people, "aids": aids, "ids": ids, "wid": wid}


def test_the_studio_shows_everything_at_a_glance(lti: LtiHarness) -> None:
    w = studio_world(lti)
    page = w["people"]["wanglihua"].session.get(w["base"] + "/studio")
    assert page.status_code == 200
    html = page.text
    assert number(html, "hours") == "0.11"  # 310 s at 45 minutes per 学时
    # The discussion and the graded assignment (done whatever its score); the video is at 51 %.
    assert number(html, "required-done") == "2" and "/ 3" in html
    row = html.split(f'data-activity="{w["aids"]["assignment"]}"', 1)[1].split("</li>", 1)[0]
    assert "✓" in row and "已评分 20%" in row
    assert number(html, "threads") == "1" and number(html, "replies") == "0" and number(html, "submitted") == "1"
    assert f'data-activity="{w["aids"]["video"]}"' in html and "51%" in html
    assert 'class="score">20.00<' in html and "<strong>很好</strong>" in html
    assert XSS not in html  # the tutor's comment is inert Markdown
    # The grade and what is still needed come from the engine (zhenjiang-80-20: not passed yet).
    assert number(html, "passed") == "未合格" and "还需要什么" in html
    assert Decimal(number(html, "points-missing")) > 0
    assert f'href="/w/{w["wid"]}/studio"' in w["people"]["wanglihua"].session.get(w["base"] + "/").text


def test_one_source_of_truth(lti: LtiHarness) -> None:
    """The studio's hours, posts and grade equal what the grade engine read and computed."""
    w = studio_world(lti)
    assert w["host"].get(w["base"] + "/grades").status_code == 200  # the host's table recomputes
    html = w["people"]["wanglihua"].session.get(w["base"] + "/studio").text
    with lti.tool_app.app_context():
        row = db.session.scalars(select(GradeResult).where(GradeResult.member_id == w["ids"]["wanglihua"])).one()
        record = row.explanation["record"]
        total, band, passed = row.total, row.band, row.passed
    assert Decimal(number(html, "total")) == total and number(html, "band") == band
    assert number(html, "passed") == ("合格" if passed else "未合格")
    # zhenjiang-80-20 reads study hours and the required activities' mean completion (seed 004 方案1).
    assert record["hours"] == {"study": number(html, "hours")}
    required = html.split('aria-label="必做活动"', 1)[1].split("</section>", 1)[0]
    completions = [Decimal(c) for c in re.findall(r'data-completion="([^"]*)"', required)]
    assert len(completions) == 3
    mean = sum(completions, Decimal(0)) * 100 / len(completions)
    q = Decimal("0.000001")
    assert mean.quantize(q) == Decimal(record["scores"]["required"]).quantize(q)


def test_who_may_open_a_studio(lti: LtiHarness) -> None:
    w = studio_world(lti)
    wang = w["ids"]["wanglihua"]
    zhou = w["ids"]["zhouting"]
    get = {login: driver.session.get for login, driver in w["people"].items()}
    # The host and her tutor see 王丽华's studio; a classmate and a participant of no class do not.
    assert w["host"].get(f"{w['base']}/studio/{wang}").status_code == 200
    tutor_view = get["huwenbin"](f"{w['base']}/studio/{wang}")
    assert tutor_view.status_code == 200 and "王丽华" in tutor_view.text
    assert get["lijianguo"](f"{w['base']}/studio/{wang}").status_code == 403  # not a leader
    # Made leader of a group holding 王丽华 and 周婷, 李建国 follows both of them up.
    with lti.tool_app.app_context():
        from lti_tool.models import StudyGroup

        group = StudyGroup(workshop_id=w["wid"], name="第一组", leader_member_id=w["ids"]["lijianguo"])
        db.session.add(group)
        db.session.flush()
        for mid in (wang, zhou):
            db.session.get(WorkshopMember, mid).group_id = group.id
        db.session.commit()
    assert get["lijianguo"](f"{w['base']}/studio/{zhou}").status_code == 200
    group_page = get["lijianguo"](f"{w['base']}/group")
    assert f"/studio/{wang}" in group_page.text
    assert f'href="/w/{w["wid"]}/grades/m/' not in get["lijianguo"](f"{w['base']}/studio/{wang}").text
    assert get["huwenbin"](f"{w['base']}/studio/{zhou}").status_code == 404  # not in his class
    assert get["huwenbin"](f"{w['base']}/studio").status_code == 404  # tutors have no studio of their own
    assert w["host"].get(f"{w['base']}/studio/999999").status_code == 404
    assert w["host"].get(f"{w['base']}/studio/{w['ids']['wanglihua'] + 10**12}").status_code == 404
