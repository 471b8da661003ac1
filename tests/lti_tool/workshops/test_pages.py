"""Workshop pages through real launches: host setup, participant progress from the video player's
events, authorization by role, user-written text rendered inert (workshop issue §1, §3–§5)."""

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
from lti_tool.models import Activity, Statement, VideoProgress

from ...fixtures.lti import LtiHarness, lti_harness

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'data-csrf="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def host_setup(lti: LtiHarness) -> tuple[Any, str]:
    """The host launches, creates a phase and a 10-minute video activity; returns (session, base)."""
    driver = lti.driver()
    home = driver.launch("maxiaoyan")
    base = home.url.rstrip("/")
    s = driver.session
    page = s.get(base + "/setup")
    assert page.status_code == 200
    token = csrf(page.text)
    r = s.post(base + "/setup", data={"csrf_token": token, "title": "小学数学工作坊", "subject": "数学",
                                      "term": "2026", "required_hours": "25", "minutes_per_hour": "45",
                                      "hours_rounding": "proportional", "grading_preset": "zhenjiang-80-20"})
    assert r.status_code == 200 and "已保存" in r.text
    assert s.post(base + "/phases", data={"csrf_token": token, "title": "第一阶段：观看课程",
                                          "planned_hours": "5"}).status_code == 200
    with lti.tool_app.app_context():
        from lti_tool.models import Phase

        phase_id = db.session.scalars(select(Phase.id)).one()
    r = s.post(base + "/activities", data={
        "csrf_token": token, "kind": "video", "phase_id": str(phase_id), "title": "课例：分数的初步认识",
        "body": "**重点**：观察师生互动 " + XSS, "required": "1", "video_url": "https://media.example.cn/v1.mp4",
        "video_seconds": "600"})
    assert r.status_code == 200
    return s, base


def test_host_sets_up_and_participant_watches(lti: LtiHarness) -> None:
    _, base = host_setup(lti)
    learner = lti.driver()
    home = learner.launch("wanglihua")
    assert "课例：分数的初步认识" in home.text and "第一阶段：观看课程" in home.text
    assert 'id="hours">0.00<' in home.text
    tutor = lti.driver().launch("huwenbin").text  # no study of their own: no 我的进度, no 下一步
    assert "课例：分数的初步认识" in tutor and 'id="hours"' not in tutor and "我的进度" not in tutor
    with lti.tool_app.app_context():
        video = db.session.scalars(select(Activity)).one()
    page = learner.session.get(f"{base}/a/{video.id}")
    assert page.status_code == 200
    token = csrf(page.text)
    session_id = str(uuid.uuid4())

    def send(events: list[dict[str, Any]]) -> Any:
        return learner.session.post(f"{base}/a/{video.id}/video-events", json=events,
                                    headers={"X-CSRF-Token": token})

    paused = {"key": str(uuid.uuid4()), "verb": "paused", "session_id": session_id, "time": 300,
              "progress": 0.5, "segments": [[0, 300]]}
    assert send([{"key": str(uuid.uuid4()), "verb": "played", "session_id": session_id, "time": 0}, paused]).ok
    assert send([paused]).ok  # the queue re-sends after a network drop: stored once

    def stored() -> int:
        with lti.tool_app.app_context():
            return len(db.session.scalars(select(Statement.id)).all())

    before = stored()
    played = {"key": str(uuid.uuid4()), "verb": "played", "session_id": session_id, "time": 300}
    assert send([paused, played, played]).ok  # re-sent, new and doubled in one flush: the new one once
    assert stored() == before + 1
    seek = {"key": str(uuid.uuid4()), "verb": "seeked", "session_id": session_id, "time_from": 300, "time_to": 590}
    end = {"key": str(uuid.uuid4()), "verb": "paused", "session_id": session_id, "time": 600, "progress": 0.55,
           "segments": [[0, 300], [590, 600], [100, 200]]}
    body = send([seek, end]).json()
    assert Decimal(body["watched_seconds"]) == Decimal(310)  # replays and the skipped part count nothing
    with lti.tool_app.app_context():
        assert db.session.scalars(select(VideoProgress)).one().watched_seconds == Decimal(310)
        ids = db.session.scalars(select(Statement.id)).all()
        assert len(ids) == len(set(ids))
    home = learner.session.get(base + "/")
    assert 'id="hours">0.11<' in home.text  # 310 s / 45 min = 0.1148 → 0.11 学时


def test_video_events_bad_input(lti: LtiHarness) -> None:
    _, base = host_setup(lti)
    learner = lti.driver()
    learner.launch("wanglihua")
    with lti.tool_app.app_context():
        video_id = db.session.scalars(select(Activity.id)).one()
    page = learner.session.get(f"{base}/a/{video_id}")
    token = csrf(page.text)
    url = f"{base}/a/{video_id}/video-events"
    good = {"key": "k" * 10, "verb": "paused", "session_id": "s" * 10, "time": 1, "progress": 0.1,
            "segments": [[0, 1]]}
    cases = [
        ({**good, "verb": "danced"}, "verb"),
        ({**good, "segments": [[0, 9999]]}, "segments"),
        ({**good, "progress": 3}, "progress"),
        ({**good, "key": "<script>"}, "key"),
    ]
    for event, field in cases:
        r = learner.session.post(url, json=[event], headers={"X-CSRF-Token": token})
        assert r.status_code == 400 and field in r.text, (field, r.status_code)
    assert learner.session.post(url, json=[good]).status_code == 400  # no CSRF token
    # A batch is all-or-nothing, and the answer names each bad event so the player can drop it.
    r = learner.session.post(url, json=[good, {**good, "key": "bad-event-1", "progress": 3}, "junk"],
                             headers={"X-CSRF-Token": token})
    assert r.status_code == 400
    assert [(x["index"], x["key"]) for x in r.json()["rejected"]] == [(1, "bad-event-1"), (2, None)]
    assert r.json()["message"].startswith("events[1].progress")
    with lti.tool_app.app_context():
        assert db.session.scalars(select(VideoProgress)).first() is None


def test_user_written_text_is_inert(lti: LtiHarness) -> None:
    s, base = host_setup(lti)
    token = csrf(s.get(base + "/setup").text)
    s.post(base + "/activities", data={"csrf_token": token, "kind": "reading", "title": XSS, "body": XSS})
    learner = lti.driver()
    home = learner.launch("wanglihua")
    assert "<script>alert" not in home.text and "&lt;script&gt;" in home.text
    with lti.tool_app.app_context():
        reading = db.session.scalars(select(Activity).where(Activity.kind == "reading")).one()
        video = db.session.scalars(select(Activity).where(Activity.kind == "video")).one()
    for activity_id in (reading.id, video.id):
        page = learner.session.get(f"{base}/a/{activity_id}").text
        assert "<script>alert" not in page and "<img src=x" not in page
    assert "<strong>重点</strong>" in learner.session.get(f"{base}/a/{video.id}").text  # safe Markdown kept


ROUTES = ["/", "/setup", "/a/{aid}"]


@pytest.mark.parametrize(
    ("login", "expected"),
    [
        ("maxiaoyan", {"/": 200, "/setup": 200, "/a/{aid}": 200}),
        ("huwenbin", {"/": 200, "/setup": 403, "/a/{aid}": 200}),
        ("wanglihua", {"/": 200, "/setup": 403, "/a/{aid}": 200}),
        ("hezhendong", {"/": 200, "/setup": 403, "/a/{aid}": 200}),
    ],
)
def test_authorization_matrix(lti: LtiHarness, login: str, expected: dict[str, int]) -> None:
    """Role × route; and nobody reaches another workshop (404) or posts host forms."""
    _, base = host_setup(lti)
    with lti.tool_app.app_context():
        aid = db.session.scalars(select(Activity.id)).one()
    who = lti.driver()
    who.launch(login)
    for route, status in expected.items():
        assert who.session.get(base + route.format(aid=aid)).status_code == status, route
    token = csrf(who.session.get(base + f"/a/{aid}").text) if login != "maxiaoyan" else None
    if token:
        r = who.session.post(base + "/phases", data={"csrf_token": token, "title": "x"})
        assert r.status_code == 403
    other = base.rsplit("/", 1)[0] + "/999"
    assert who.session.get(other + "/").status_code == 404
    anonymous = lti.driver().session.get(base + "/")
    assert anonymous.status_code == 401


def test_setup_bad_input_names_the_field(lti: LtiHarness) -> None:
    s, base = host_setup(lti)
    token = csrf(s.get(base + "/setup").text)
    r = s.post(base + "/setup", data={"csrf_token": token, "title": "", "required_hours": "-3",
                                      "minutes_per_hour": "45", "hours_rounding": "proportional"})
    assert r.status_code == 400 and "title" in r.text and "required_hours" in r.text
    r = s.post(base + "/activities", data={"csrf_token": token, "kind": "video", "title": "无地址"})
    assert r.status_code == 400 and "video_url" in r.text
    r = s.post(base + "/phases", data={"csrf_token": token, "title": "x", "starts_on": "2026-09-10",
                                       "ends_on": "2026-09-01"})
    assert r.status_code == 400 and "ends_on" in r.text


def test_pages_do_not_rewrite_the_session_cookie(lti: LtiHarness) -> None:
    """Only the launch writes the cookie: a page's parallel sub-requests (favicon, player posts)
    must not put back an older cookie and lose the CSRF token minted at launch."""
    _, base = host_setup(lti)
    learner = lti.driver()
    learner.launch("wanglihua")
    for path in ("/", "/favicon.ico", "/no-such-page"):
        r = learner.session.get(base + path if path == "/" else lti.tool_url + path)
        assert "Set-Cookie" not in r.headers, path


def test_finishing_a_reading_is_one_completed_statement(lti: LtiHarness) -> None:
    """"我已读完" stores `reading.completed` (issue 4 §1) once however often it is pressed; only a
    reading has the button, another kind's id is 404, and another person's session states nothing."""
    s, base = host_setup(lti)
    token = csrf(s.get(base + "/setup").text)
    s.post(base + "/activities", data={"csrf_token": token, "kind": "reading", "title": "课标解读", "body": "读"})
    with lti.tool_app.app_context():
        reading = db.session.scalars(select(Activity.id).where(Activity.kind == "reading")).one()
        video = db.session.scalars(select(Activity.id).where(Activity.kind == "video")).one()
    learner = lti.login("wanglihua").session
    page = learner.get(f"{base}/a/{reading}")
    assert 'id="reading-done"' in page.text
    for _ in range(2):
        r = learner.post(f"{base}/a/{reading}/read", data={"csrf_token": csrf(page.text)})
        assert r.status_code == 200 and "已记录：读完了" in r.text
    assert learner.post(f"{base}/a/{video}/read", data={"csrf_token": csrf(page.text)}).status_code == 404
    assert learner.post(f"{base}/a/{reading}/read", data={}).status_code == 400  # no CSRF token
    with lti.tool_app.app_context():
        completed = db.session.scalars(select(Statement).where(
            Statement.verb_id == "http://adlnet.gov/expapi/verbs/completed")).all()
        assert len(completed) == 1 and completed[0].object_id.endswith(f"/reading/{reading}")
