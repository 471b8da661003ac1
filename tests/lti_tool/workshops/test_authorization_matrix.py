"""Role × route authorization (workshop issue §5), through real launches.

Every `/w/…` rule of the URL map must have an entry below, written from the product's rules (not
read from the decorators): a new route without one fails `test_every_workshop_route_has_an_entry`.
Routes that need no object id are requested by every role here; routes about one object (a
submission, a post, a class, a member) are checked per owner and per class in the feature tests
named in their entry, because who may see them depends on whose object it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ...fixtures.lti import LtiHarness, lti_harness, remove_member
from .test_attendance import workshop_setup
from .test_pages import csrf

HOST, TUTOR, LEADER, PARTICIPANT, OBSERVER = "host", "tutor", "leader", "participant", "observer"
STAFF = {HOST, TUTOR}
MEMBERS = {HOST, TUTOR, LEADER, PARTICIPANT, OBSERVER}

# endpoint → (methods, who is allowed, or the feature test that checks it per object)
GET_ROUTES: dict[str, tuple[str, set[str]]] = {
    "workshop.home": ("/", MEMBERS),
    "workshop.setup": ("/setup", {HOST}),
    "workshop.people": ("/people", {HOST}),
    "workshop.export_people": ("/people/export.xlsx", {HOST}),
    "workshop.people_template": ("/people/template.xlsx", {HOST}),
    "workshop.grades": ("/grades", STAFF),
    "workshop.grades_export": ("/grades/export.csv", {HOST}),  # credit registration is the host's
    # Tutors enter hand-given scores for their own classes (visible_members), the host for all.
    "workshop.manual_scores": ("/grades/manual", STAFF),
    "workshop.grade_settings": ("/grades/settings", {HOST}),
    "workshop.tutor_queue": ("/queue", STAFF),
    "workshop.progress_report": ("/report", STAFF),
    "workshop.progress_report_xlsx": ("/report.xlsx", STAFF),
    "workshop.my_group": ("/group", {HOST, TUTOR, LEADER}),
    "workshop.my_grade": ("/my-grade", {PARTICIPANT, LEADER}),  # only participants are graded
    "workshop.overview": ("/overview", MEMBERS),  # 研修主页: aggregates published to everyone (seed 004)
    "workshop.showcase": ("/excellent", MEMBERS),  # 推优 work is shown to the whole workshop
    "workshop.studio": ("/studio", {PARTICIPANT, LEADER}),  # 研修工作室: a participant's own
}
# POSTs that change the workshop: only hosts. Requested by the others only (a host's POST would
# change what the rest of the matrix sees; the feature tests post as the host).
HOST_POSTS: dict[str, str] = {
    "workshop.add_activity": "/activities",
    "workshop.add_phase": "/phases",
    "workshop.create_class": "/people/classes",
    "workshop.create_group": "/people/groups",
    "workshop.import_people": "/people/import",
    "workshop.sync_people": "/people/sync",
    "workshop.grades_writeback": "/grades/writeback",
    "workshop.setup": "/setup",
    "workshop.grade_settings": "/grades/settings",
}
STAFF_POSTS = {"workshop.manual_scores": "/grades/manual"}
PER_OBJECT: dict[str, str] = {
    "workshop.activity": "test_pages.py",
    "workshop.video_events": "test_pages.py",
    "workshop.reading_completed": "test_pages.py",
    "workshop.edit_phase": "test_setup_edit.py",
    "workshop.delete_phase": "test_setup_edit.py",
    "workshop.edit_activity": "test_setup_edit.py",
    "workshop.delete_activity": "test_setup_edit.py",
    "workshop.assignment": "test_assignments.py",
    "workshop.submit_assignment": "test_assignments.py",
    "workshop.grade_submission": "test_tutor_queue.py",
    "workshop.grade_post": "test_tutor_queue.py",
    "workshop.submission_file": "test_assignments.py",
    "workshop.discussion": "test_discussions.py",
    "workshop.discussion_thread": "test_discussions.py",
    "workshop.discussion_new_thread": "test_discussions.py",
    "workshop.discussion_reply": "test_discussions.py",
    "workshop.discussion_edit": "test_discussions.py",
    "workshop.discussion_moderate": "test_discussions.py",
    "workshop.discussion_state": "test_discussions.py",
    "workshop.offline": "test_attendance.py",
    "workshop.take_attendance": "test_attendance.py",
    "workshop.group_progress": "test_group_leader.py",
    "workshop.member_grade": "grades/test_grade_pages.py",
    "workshop.update_class": "test_people.py",
    "workshop.delete_class": "test_people.py",
    "workshop.update_group": "test_people.py",
    "workshop.delete_group": "test_people.py",
    "workshop.edit_member": "test_people.py",
    "workshop.showcase_item": "test_showcase.py",
    "workshop.member_studio": "test_studio.py",
    "workshop.showcase_comment": "test_showcase.py",
    "workshop.showcase_remove_comment": "test_showcase.py",
}


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def test_every_workshop_route_has_an_entry(tmp_path: Path) -> None:
    from lti_tool import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                      "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t"})
    routed = {r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/w/")}
    listed = set(GET_ROUTES) | set(HOST_POSTS) | set(STAFF_POSTS) | set(PER_OBJECT)
    assert routed - listed == set(), "routes without an authorization entry"
    assert listed - routed == set(), "entries for routes that no longer exist"


def _outcome(status: int) -> str:
    assert status < 500, status
    return "denied" if status in (401, 403, 404) else "allowed"


def test_role_by_route(lti: LtiHarness) -> None:
    w = workshop_setup(lti)
    from lti_tool.extensions import db
    from lti_tool.models import StudyGroup

    with lti.tool_app.app_context():
        db.session.add(StudyGroup(workshop_id=w["wid"], name="第一组", leader_member_id=w["ids"]["wanglihua"]))
        db.session.commit()
    # An outsider: a teacher of the same course who is a member of another workshop only.
    link = lti.state.add_resource_link("other-workshop", "另一个工作坊")
    w["drivers"]["maxiaoyan"].launch("maxiaoyan", resource_link=link.id)
    outsider = lti.driver()
    outsider.launch("sunhao", resource_link=link.id)
    remove_member(lti, w["wid"], "sunhao")
    sessions: dict[str, Any] = {
        HOST: w["drivers"]["maxiaoyan"].session, TUTOR: w["drivers"]["huwenbin"].session,
        LEADER: w["drivers"]["wanglihua"].session, PARTICIPANT: w["drivers"]["lijianguo"].session,
        OBSERVER: w["drivers"]["hezhendong"].session,
    }
    w["drivers"]["maxiaoyan"].launch("maxiaoyan")  # back into the first workshop
    tokens = {role: csrf(s.get(f"{w['base']}/a/{w['video']}").text) for role, s in sessions.items()}
    import requests

    anonymous = requests.Session()
    wrong: list[str] = []
    for endpoint, (path, allowed) in GET_ROUTES.items():
        url = w["base"] + path
        for role, s in sessions.items():
            got = _outcome(s.get(url, allow_redirects=False).status_code)
            if got != ("allowed" if role in allowed else "denied"):
                wrong.append(f"GET {endpoint} as {role}: {got}")
        if (status := outsider.session.get(url, allow_redirects=False).status_code) != 404:
            wrong.append(f"GET {endpoint} as outsider: {status} (must look like no workshop: 404)")
        if (status := anonymous.get(url, allow_redirects=False).status_code) != 401:
            wrong.append(f"GET {endpoint} anonymous: {status}")
    posts = [(e, p, {HOST}) for e, p in HOST_POSTS.items()] + [(e, p, STAFF) for e, p in STAFF_POSTS.items()]
    for endpoint, path, allowed in posts:
        url = w["base"] + path
        for role, s in sessions.items():
            if role == HOST:
                continue
            # An incomplete body: an allowed role gets a 4xx naming the field, never 403/404.
            got = _outcome(s.post(url, data={"csrf_token": tokens[role], "title": "x", "name": "x"}).status_code)
            if got != ("allowed" if role in allowed else "denied"):
                wrong.append(f"POST {endpoint} as {role}: {got}")
        if (status := anonymous.post(url, data={"title": "x"}).status_code) not in (400, 401, 403):
            wrong.append(f"POST {endpoint} anonymous: {status}")
    assert not wrong, "\n".join(wrong)
