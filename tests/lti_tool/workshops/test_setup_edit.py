"""The host changes or deletes a phase or an activity after adding it; deleting never takes
learners' work with it (their rows would cascade away), and only the host may do either."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Activity, Phase, Submission, WorkshopMember

from ...fixtures.lti import LtiHarness, lti_harness
from .test_form_errors_inline import alert, count, form_of, host, typed
from .test_pages import XSS, csrf


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def set_up(lti: LtiHarness) -> tuple[Any, str, str, int, int]:
    """A phase and an assignment in it; returns (host session, base, token, phase id, activity id)."""
    s, base, token = host(lti)
    s.post(base + "/phases", data={"csrf_token": token, "title": "第一阶段", "planned_hours": "5"})
    with lti.tool_app.app_context():
        phase_id = db.session.scalars(select(Phase.id)).one()
    s.post(base + "/activities", data={"csrf_token": token, "kind": "assignment", "phase_id": str(phase_id),
                                       "title": "教学设计", "required": "1", "max_score": "100"})
    with lti.tool_app.app_context():
        activity_id = db.session.scalars(select(Activity.id)).one()
    return s, base, token, phase_id, activity_id


def test_host_adds_dates_to_a_phase_and_changes_an_activity(lti: LtiHarness) -> None:
    s, base, token, phase_id, activity_id = set_up(lti)
    setup = s.get(base + "/setup").text
    assert f"/setup/phases/{phase_id}" in setup and f"/setup/activities/{activity_id}" in setup  # 修改 links
    page = s.get(f"{base}/setup/phases/{phase_id}")
    assert page.status_code == 200 and typed(form_of(page.text, 'id="phase-form"'), "title") == "第一阶段"
    r = s.post(f"{base}/setup/phases/{phase_id}", data={"csrf_token": token, "title": "第一阶段" + XSS,
                                                         "starts_on": "2026-11-20", "ends_on": "2026-12-05",
                                                         "planned_hours": "10"})
    assert r.status_code == 200 and r.history[0].headers["Location"].endswith("/setup#saved")
    assert "已保存阶段「第一阶段&lt;script&gt;" in r.text and "<script>alert" not in r.text
    page = s.get(f"{base}/setup/activities/{activity_id}")
    form = form_of(page.text, 'id="activity-form"')
    assert typed(form, "max_score") == "100" and 'name="kind"' not in form  # the kind is shown, not offered
    r = s.post(f"{base}/setup/activities/{activity_id}", data={
        "csrf_token": token, "kind": "video", "phase_id": str(phase_id), "title": "教学设计（修订）",
        "max_score": "50", "due_at": "2026-12-31T18:00"})
    assert r.status_code == 200 and "已保存活动「教学设计（修订）」" in r.text
    with lti.tool_app.app_context():
        phase = db.session.get(Phase, phase_id)
        assert phase is not None and str(phase.starts_on) == "2026-11-20" and phase.planned_hours == 10
        activity = db.session.get(Activity, activity_id)
        assert activity is not None and activity.kind == "assignment" and activity.max_score == 50
        assert activity.required is False  # unticked, as the form sent it
        assert activity.due_at == datetime(2026, 12, 31, 10, 0, tzinfo=UTC)  # 18:00 China time
    again = form_of(s.get(f"{base}/setup/activities/{activity_id}").text, 'id="activity-form"')
    assert typed(again, "due_at") == "2026-12-31T18:00" and typed(again, "max_score") == "50"


def test_a_refused_change_keeps_what_was_typed(lti: LtiHarness) -> None:
    s, base, token, phase_id, activity_id = set_up(lti)
    r = s.post(f"{base}/setup/phases/{phase_id}", data={"csrf_token": token, "title": "改名",
                                                         "starts_on": "2026-12-10", "ends_on": "2026-12-01"})
    assert r.status_code == 400 and alert(r.text) == "结束日期：早于开始日期"
    assert typed(form_of(r.text, 'id="phase-form"'), "title") == "改名"
    with lti.tool_app.app_context():
        member = db.session.scalars(select(WorkshopMember.id)).first()
        db.session.add(Submission(activity_id=activity_id, member_id=member, text="设计", state="graded",
                                  score=Decimal(80)))
        db.session.commit()
    r = s.post(f"{base}/setup/activities/{activity_id}", data={"csrf_token": token, "title": "教学设计",
                                                               "max_score": "60", "required": "1"})
    assert r.status_code == 400 and alert(r.text) == "满分：已有成绩 80 分，高于新的满分"
    assert typed(form_of(r.text, 'id="activity-form"'), "max_score") == "60"
    with lti.tool_app.app_context():
        assert db.session.get(Phase, phase_id).title == "第一阶段"  # type: ignore[union-attr]
        assert db.session.get(Activity, activity_id).max_score == 100  # type: ignore[union-attr]


def test_delete_never_takes_learners_work(lti: LtiHarness) -> None:
    s, base, token, phase_id, activity_id = set_up(lti)
    r = s.post(f"{base}/setup/phases/{phase_id}/delete", data={"csrf_token": token})
    assert r.status_code == 409 and alert(r.text) == "本阶段还有 1 个活动：先把它们移到其他阶段或删除，再删除本阶段"
    with lti.tool_app.app_context():
        member = db.session.scalars(select(WorkshopMember.id)).first()
        db.session.add(Submission(activity_id=activity_id, member_id=member, text="设计", state="submitted"))
        db.session.commit()
    r = s.post(f"{base}/setup/activities/{activity_id}/delete", data={"csrf_token": token})
    assert r.status_code == 409 and "已有学员的记录（1 份作业），不能删除" in alert(r.text)
    assert count(lti, Activity) == 1 and count(lti, Submission) == 1
    with lti.tool_app.app_context():
        db.session.execute(Submission.__table__.delete())
        db.session.commit()
    r = s.post(f"{base}/setup/activities/{activity_id}/delete", data={"csrf_token": token})
    assert r.status_code == 200 and "已删除活动「教学设计」" in r.text and count(lti, Activity) == 0
    r = s.post(f"{base}/setup/phases/{phase_id}/delete", data={"csrf_token": token})
    assert r.status_code == 200 and "已删除阶段「第一阶段」" in r.text and count(lti, Phase) == 0


def test_only_the_host_changes_or_deletes(lti: LtiHarness) -> None:
    s, base, token, phase_id, activity_id = set_up(lti)
    s.post(base + "/activities", data={"csrf_token": token, "kind": "reading", "title": "拓展阅读"})
    with lti.tool_app.app_context():
        reading = db.session.scalars(select(Activity.id).where(Activity.kind == "reading")).one()
    urls = [f"/setup/phases/{phase_id}", f"/setup/activities/{activity_id}",
            f"/setup/phases/{phase_id}/delete", f"/setup/activities/{activity_id}/delete"]
    for login in ("huwenbin", "wanglihua"):
        driver = lti.driver()
        driver.launch(login)
        theirs = csrf(driver.session.get(f"{base}/a/{reading}").text)  # the 我已读完 form's
        for url in urls:
            if not url.endswith("/delete"):
                assert driver.session.get(base + url).status_code == 403, (login, url)
            r = driver.session.post(base + url, data={"csrf_token": theirs, "title": "改", "max_score": "1"})
            assert r.status_code == 403, (login, url)
    assert s.get(f"{base}/setup/phases/999999").status_code == 404
    assert s.get(f"{base}/setup/activities/999999").status_code == 404
    assert count(lti, Phase) == 1 and count(lti, Activity) == 2
