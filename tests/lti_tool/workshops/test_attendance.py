"""Offline sessions and attendance through real launches (issue 3 §3 offline sessions, issue 4 §1
offline.attended): who may take attendance, all-or-nothing roll calls with each bad row named,
hours reaching the participant's progress, one xAPI statement per revision of a record."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from lti_tool.devlms import DEMO_COURSE
from lti_tool.extensions import db
from lti_tool.models import Activity, Attendance, Statement, User, Workshop, WorkshopClass, WorkshopMember

from ...fixtures.lti import LtiHarness, lti_harness, remove_member
from .test_pages import XSS, csrf

ATTENDED = "http://adlnet.gov/expapi/verbs/attended"


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def add_offline(lti: LtiHarness, host: Any, base: str, **fields: str) -> int:
    """The host creates an offline activity through the setup form; returns its id."""
    token = csrf(host.get(base + "/setup").text)
    data = {"csrf_token": token, "kind": "offline", "title": "集中培训：单元教学设计工作坊", "required": "1",
            "body": "**议程**：上午专家讲座，下午分组研讨", "session_date": "2026-10-17",
            "place": "县教师发展中心 3 楼报告厅", "planned_hours": "4", **fields}
    r = host.post(base + "/activities", data=data)
    assert r.status_code == 200, r.text[:300]
    with lti.tool_app.app_context():
        return int(db.session.scalars(select(Activity.id).where(Activity.kind == "offline")
                                      .order_by(Activity.id.desc())).first())


def member_ids(lti: LtiHarness, workshop_id: int) -> dict[str, int]:
    """login → workshop member id, for everyone who has launched into the workshop."""
    with lti.tool_app.app_context():
        rows = db.session.execute(select(User.name, WorkshopMember.id).join(User, User.id == WorkshopMember.user_id)
                                  .where(WorkshopMember.workshop_id == workshop_id)).all()
    by_name = dict(rows)
    return {u.login: by_name[u.name] for u in DEMO_COURSE.users if u.name in by_name}


def workshop_setup(lti: LtiHarness, **offline: str) -> dict[str, Any]:
    """Host makes the workshop and one offline session (4 planned hours); two tutors and five
    participants launch; class 一班 (胡文斌): 王丽华 李建国 张秀英 刘洋, class 二班 (郭美玲): 陈静.
    Classes are set directly in the database (the people pages are built elsewhere)."""
    host = lti.driver()
    base = host.launch("maxiaoyan").url.rstrip("/")
    aid = add_offline(lti, host.session, base, **offline)
    # A video page carries the session's CSRF token for everyone (the session page has no form),
    # so a refused post is refused for its role, not for a missing token.
    setup_token = csrf(host.session.get(base + "/setup").text)
    assert host.session.post(base + "/activities", data={
        "csrf_token": setup_token, "kind": "video", "title": "课例", "video_url": "https://media.example.cn/v.mp4",
        "video_seconds": "600"}).status_code == 200
    with lti.tool_app.app_context():
        video = int(db.session.scalars(select(Activity.id).where(Activity.kind == "video")).one())
    drivers = {"maxiaoyan": host}
    for login in ("huwenbin", "guomeiling", "hezhendong", "wanglihua", "lijianguo", "zhangxiuying", "liuyang",
                  "chenjing"):
        drivers[login] = lti.login(login)
    wid = int(base.rsplit("/", 1)[1])
    # The host's launch synced the whole demo course (NRPS); this setup is about the people above.
    for login in set(lti.state.users) - set(drivers):
        remove_member(lti, wid, login)
    ids = member_ids(lti, wid)
    with lti.tool_app.app_context():
        one = WorkshopClass(workshop_id=wid, name="一班", tutor_member_id=ids["huwenbin"])
        two = WorkshopClass(workshop_id=wid, name="二班", tutor_member_id=ids["guomeiling"])
        db.session.add_all([one, two])
        db.session.flush()
        for login in ("wanglihua", "lijianguo", "zhangxiuying", "liuyang"):
            db.session.get(WorkshopMember, ids[login]).class_id = one.id
        db.session.get(WorkshopMember, ids["chenjing"]).class_id = two.id
        db.session.commit()
        classes = {"一班": one.id, "二班": two.id}
    return {"base": base, "aid": aid, "wid": wid, "ids": ids, "drivers": drivers, "classes": classes,
            "video": video, "tool": lti.tool_url}


def token(w: dict[str, Any], login: str) -> str:
    return csrf(w["drivers"][login].session.get(f"{w['base']}/a/{w['video']}").text)


def roll(w: dict[str, Any], login: str, query: str = "") -> Any:
    return w["drivers"][login].session.get(f"{w['base']}/o/{w['aid']}/attendance{query}")


def post_roll(w: dict[str, Any], login: str, rows: dict[str, tuple[str, str]], **extra: str) -> Any:
    """Post a roll call as `login`: rows = {participant login: (status, hours)}."""
    session = w["drivers"][login].session
    data: list[tuple[str, str]] = [("csrf_token", token(w, login)),
                                   ("members", ",".join(str(w["ids"][who]) for who in rows))]
    for who, (status, hours) in rows.items():
        mid = w["ids"][who]
        if status:
            data.append((f"status:{mid}", status))
        data.append((f"hours:{mid}", hours))
    data += list(extra.items())
    return session.post(f"{w['base']}/o/{w['aid']}/attendance", data=data)


def records(lti: LtiHarness) -> dict[int, Attendance]:
    with lti.tool_app.app_context():
        rows = db.session.scalars(select(Attendance)).all()
        db.session.expunge_all()
    return {r.member_id: r for r in rows}


def attended_statements(lti: LtiHarness) -> list[dict[str, Any]]:
    with lti.tool_app.app_context():
        bodies = db.session.scalars(select(Statement.body).where(Statement.verb_id == ATTENDED)
                                    .order_by(Statement.stored)).all()
    return [json.loads(b) for b in bodies]


def test_tutor_takes_attendance_and_hours_reach_progress(lti: LtiHarness) -> None:
    """A tutor takes attendance for their class: present earns the planned hours, late the hours
    entered, absent and excused 0 whatever the box says; the hours reach the participant's home."""
    w = workshop_setup(lti)
    page = roll(w, "huwenbin")
    assert page.status_code == 200
    assert "王丽华" in page.text and "刘洋" in page.text and "陈静" not in page.text  # only their class
    assert f'name="hours:{w["ids"]["wanglihua"]}" inputmode="decimal" value="4.00"' in page.text  # planned default
    r = post_roll(w, "huwenbin", {"wanglihua": ("present", ""), "lijianguo": ("late", "2.5"),
                                  "zhangxiuying": ("absent", "4"), "liuyang": ("excused", "4.00")})
    assert r.status_code == 200 and "已保存" in r.text
    got = records(lti)
    ids = w["ids"]
    assert {mid: (rec.status, rec.hours) for mid, rec in got.items()} == {
        ids["wanglihua"]: ("present", Decimal("4.00")), ids["lijianguo"]: ("late", Decimal("2.50")),
        ids["zhangxiuying"]: ("absent", Decimal("0.00")), ids["liuyang"]: ("excused", Decimal("0.00"))}
    assert {rec.recorded_by_id for rec in got.values()} == {ids["huwenbin"]}
    again = roll(w, "huwenbin").text  # the saved roll call comes back as recorded
    assert f'name="hours:{ids["lijianguo"]}" inputmode="decimal" value="2.50"' in again
    # An absent row offers the planned hours, so switching it to present does not credit 0.
    assert f'name="hours:{ids["zhangxiuying"]}" inputmode="decimal" value="4.00"' in again
    assert f'name="status:{ids["zhangxiuying"]}" value="absent" checked' in again
    learner = w["drivers"]["wanglihua"].session
    assert 'id="hours">4.00<' in learner.get(w["base"] + "/").text  # offline hours count as study hours
    mine = learner.get(f"{w['base']}/o/{w['aid']}").text
    assert 'data-status="present"' in mine and 'id="my-hours">4.00<' in mine
    late = w["drivers"]["lijianguo"].session.get(f"{w['base']}/o/{w['aid']}").text
    assert 'data-status="late"' in late and 'id="my-hours">2.50<' in late
    assert 'id="count-present"' not in mine  # a participant sees no one else's summary
    summary = w["drivers"]["huwenbin"].session.get(f"{w['base']}/o/{w['aid']}").text
    for status, count in (("present", 1), ("late", 1), ("absent", 1), ("excused", 1), ("missing", 0)):
        assert f'id="count-{status}">{count}<' in summary, status
    assert 'id="total-hours">6.50<' in summary
    host = w["drivers"]["maxiaoyan"].session.get(f"{w['base']}/o/{w['aid']}").text
    assert 'id="count-missing">1<' in host  # the host's summary includes 陈静 of 二班, not yet taken
    # Once 陈静 is recorded, the host counts her and the tutor of 一班 still does not.
    assert post_roll(w, "maxiaoyan", {"chenjing": ("present", "")}).status_code == 200
    host = w["drivers"]["maxiaoyan"].session.get(f"{w['base']}/o/{w['aid']}").text
    assert 'id="count-present">2<' in host and 'id="count-missing">0<' in host
    summary = w["drivers"]["huwenbin"].session.get(f"{w['base']}/o/{w['aid']}").text
    assert 'id="count-present">1<' in summary and 'id="total-hours">6.50<' in summary


def test_generic_activity_link_leads_to_the_session_page(lti: LtiHarness) -> None:
    """/w/<id>/a/<aid> of an offline activity redirects to its own page (registered kind page)."""
    w = workshop_setup(lti)
    r = w["drivers"]["wanglihua"].session.get(f"{w['base']}/a/{w['aid']}")
    assert r.status_code == 200 and r.url.endswith(f"/o/{w['aid']}")
    assert "县教师发展中心 3 楼报告厅" in r.text and "2026-10-17" in r.text and 'id="planned-hours">4.00<' in r.text
    assert "<strong>议程</strong>" in r.text and "尚未点名" in r.text


@pytest.mark.parametrize("login", ["wanglihua", "hezhendong"])
def test_participant_and_observer_cannot_take_attendance(lti: LtiHarness, login: str) -> None:
    """Only the host, co-hosts and tutors take attendance: a participant or an observer gets 403
    on the page and on the post, and nothing is stored."""
    w = workshop_setup(lti)
    assert roll(w, login).status_code == 403
    r = post_roll(w, login, {"wanglihua": ("present", "4")})
    assert r.status_code == 403
    assert records(lti) == {} and attended_statements(lti) == []
    page = w["drivers"][login].session.get(f"{w['base']}/o/{w['aid']}").text
    assert f"/o/{w['aid']}/attendance" not in page  # no roll-call link offered


def test_tutor_cannot_record_another_class(lti: LtiHarness) -> None:
    """A tutor posting a member of another class → 403 and nothing saved, not even the rows of
    their own class in the same post; filtering the page to another class → 403."""
    w = workshop_setup(lti)
    r = post_roll(w, "huwenbin", {"wanglihua": ("present", "4"), "chenjing": ("absent", "0")})
    assert r.status_code == 403
    assert records(lti) == {} and attended_statements(lti) == []
    # Naming the other class's member only in a status field (a hand-made post) is caught too.
    chen = w["ids"]["chenjing"]
    r = w["drivers"]["huwenbin"].session.post(f"{w['base']}/o/{w['aid']}/attendance", data={
        "csrf_token": token(w, "huwenbin"), "members": str(w["ids"]["wanglihua"]),
        f"status:{w['ids']['wanglihua']}": "present", f"status:{chen}": "absent"})
    assert r.status_code == 403 and records(lti) == {}
    assert roll(w, "huwenbin", f"?class={w['classes']['二班']}").status_code == 403
    assert roll(w, "huwenbin", "?class=none").status_code == 403
    assert roll(w, "guomeiling").status_code == 200 and "陈静" in roll(w, "guomeiling").text
    # The host may record anyone, and filter by class.
    page = roll(w, "maxiaoyan", f"?class={w['classes']['二班']}")
    assert page.status_code == 200 and "陈静" in page.text and "王丽华" not in page.text
    assert post_roll(w, "maxiaoyan", {"chenjing": ("present", "4")}).status_code == 200
    assert records(lti)[w["ids"]["chenjing"]].recorded_by_id == w["ids"]["maxiaoyan"]


@pytest.mark.parametrize(
    ("hours", "needle"),
    [("abc", "不是数字"), ("-1", "不能为负"), ("4.5", "不能超过计划学时 4.00"), ("1.234", "最多两位小数"),
     ("NaN", "不是数字"), ("Infinity", "不是数字"), ("1e400", "不能超过计划学时 4.00")],
)
def test_bad_hours_name_the_row_and_save_nothing(lti: LtiHarness, hours: str, needle: str) -> None:
    """Hours that are not a number, negative, above the planned hours (refused, not capped) or
    finer than 0.01 → 400 naming the row and the field; the good rows of the same post are not
    saved either (all-or-nothing)."""
    w = workshop_setup(lti)
    r = post_roll(w, "huwenbin", {"wanglihua": ("present", "4"), "lijianguo": ("late", hours)})
    assert r.status_code == 400
    assert f"第 2 行（李建国）学时：{needle}" in r.text and "row 2" not in r.text  # the page's language only
    assert records(lti) == {} and attended_statements(lti) == []
    assert f'value="{hours}"' in r.text  # what was typed is shown again for correction


def test_bad_status_and_member_ids(lti: LtiHarness) -> None:
    """An unknown status names the row and the field; a non-numeric member id → 400; a member
    who is not a participant (the other tutor) → 400 naming the row; nothing saved."""
    w = workshop_setup(lti)
    r = post_roll(w, "maxiaoyan", {"wanglihua": ("present", "4"), "lijianguo": ("sleeping", "1")})
    assert r.status_code == 400 and "第 2 行（李建国）状态：应为 出勤/迟到/缺勤/请假 之一" in r.text
    session = w["drivers"]["maxiaoyan"].session
    url = f"{w['base']}/o/{w['aid']}/attendance"
    r = session.post(url, data={"csrf_token": token(w, "maxiaoyan"), "members": "12<script>", "status:x": "present"})
    assert r.status_code == 400 and "<script>" not in r.text
    r = post_roll(w, "maxiaoyan", {"huwenbin": ("present", "4")})
    assert r.status_code == 400 and "成员：只为学员点名" in r.text
    assert session.post(url, data={"members": str(w["ids"]["wanglihua"]),
                                   f"status:{w['ids']['wanglihua']}": "present"}).status_code == 400  # no CSRF
    assert records(lti) == {}


def test_resaving_updates_and_each_change_is_a_new_statement(lti: LtiHarness) -> None:
    """Re-saving updates the one record per person and session (revision counted, recorder and
    time kept); each change is a new offline.attended statement, an unchanged re-save none;
    absent is recorded too, with success false."""
    w = workshop_setup(lti)
    mid = w["ids"]["lijianguo"]
    assert post_roll(w, "huwenbin", {"lijianguo": ("present", "")}).status_code == 200
    first = records(lti)[mid]
    assert (first.status, first.hours, first.revision) == ("present", Decimal("4.00"), 1)
    assert post_roll(w, "huwenbin", {"lijianguo": ("present", "4")}).status_code == 200  # same again
    assert len(attended_statements(lti)) == 1 and records(lti)[mid].recorded_at == first.recorded_at
    assert post_roll(w, "maxiaoyan", {"lijianguo": ("late", "3")}).status_code == 200
    second = records(lti)[mid]
    assert len(records(lti)) == 1
    assert (second.status, second.hours, second.revision) == ("late", Decimal("3.00"), 2)
    assert second.recorded_by_id == w["ids"]["maxiaoyan"] and second.recorded_at >= first.recorded_at
    assert post_roll(w, "huwenbin", {"lijianguo": ("absent", "")}).status_code == 200
    statements = attended_statements(lti)
    assert len(statements) == 3 and len({s["id"] for s in statements}) == 3
    results = [(s["result"]["success"], next(v for k, v in s["result"]["extensions"].items() if k.endswith("/hours")))
               for s in statements]
    assert results == [(True, 4), (True, 3), (False, 0)]
    assert all(s["object"]["id"].endswith(f"/xapi/activities/offline/{w['aid']}") for s in statements)
    assert all(s["actor"]["name"] == "李建国" for s in statements)
    learner = w["drivers"]["lijianguo"].session
    assert 'id="hours">0.00<' in learner.get(w["base"] + "/").text


def test_mark_everyone_else_present(lti: LtiHarness) -> None:
    """The shortcut marks every listed person without a chosen status present with the planned
    hours, and keeps the statuses chosen by hand."""
    w = workshop_setup(lti)
    r = post_roll(w, "huwenbin", {"wanglihua": ("", "4.00"), "lijianguo": ("absent", "4.00"),
                                  "zhangxiuying": ("", "4.00"), "liuyang": ("late", "1")}, all_present="1")
    assert r.status_code == 200
    got = {mid: (rec.status, rec.hours) for mid, rec in records(lti).items()}
    ids = w["ids"]
    assert got == {ids["wanglihua"]: ("present", Decimal("4.00")), ids["lijianguo"]: ("absent", Decimal("0.00")),
                   ids["zhangxiuying"]: ("present", Decimal("4.00")), ids["liuyang"]: ("late", Decimal("1.00"))}
    # Without the shortcut a row left blank is simply not recorded.
    r = post_roll(w, "guomeiling", {"chenjing": ("", "4.00")})
    assert r.status_code == 200 and ids["chenjing"] not in records(lti)


def test_user_written_text_is_inert(lti: LtiHarness) -> None:
    """HTML in the title, place and description of a session is shown as text, everywhere the
    session appears (participant page, roll call)."""
    w = workshop_setup(lti, title=XSS, place=XSS, body="**要点** " + XSS)
    for login, path in (("wanglihua", f"/o/{w['aid']}"), ("huwenbin", f"/o/{w['aid']}/attendance"),
                        ("maxiaoyan", f"/o/{w['aid']}")):
        page = w["drivers"][login].session.get(w["base"] + path)
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, (login, path)
        assert "&lt;script&gt;" in page.text
    assert "<strong>要点</strong>" in w["drivers"]["wanglihua"].session.get(f"{w['base']}/o/{w['aid']}").text
    assert post_roll(w, "huwenbin", {"wanglihua": ("present", "")}).status_code == 200
    assert attended_statements(lti)[0]["object"]["definition"]["name"]["zh-CN"] == XSS  # data, kept verbatim


def test_other_workshop_ids_are_404(lti: LtiHarness) -> None:
    """Objects of another workshop through this workshop's URLs → 404: its offline session, its
    members in a roll call, its classes in the filter; a non-offline activity → 404 too."""
    w = workshop_setup(lti)
    second_link = list(lti.state.resource_links)[1]
    host = w["drivers"]["maxiaoyan"]
    other_base = host.launch("maxiaoyan", resource_link=second_link).url.rstrip("/")
    assert other_base != w["base"]
    other_aid = add_offline(lti, host.session, other_base)
    other_wid = int(other_base.rsplit("/", 1)[1])
    learner = w["drivers"]["wanglihua"]
    learner.launch("wanglihua", resource_link=second_link)
    with lti.tool_app.app_context():
        other_member = member_ids(lti, other_wid)["wanglihua"]
        other_class = WorkshopClass(workshop_id=other_wid, name="外坊一班")
        db.session.add(other_class)
        db.session.commit()
        other_class_id = other_class.id
        assert db.session.get(Workshop, other_wid) is not None
    s = host.session
    assert s.get(f"{w['base']}/o/{other_aid}").status_code == 404
    assert s.get(f"{w['base']}/o/{other_aid}/attendance").status_code == 404
    assert s.get(f"{w['base']}/o/{w['aid']}/attendance?class={other_class_id}").status_code == 404
    r = s.post(f"{w['base']}/o/{w['aid']}/attendance",
               data={"csrf_token": token(w, "maxiaoyan"), "members": str(other_member),
                     f"status:{other_member}": "present"})
    assert r.status_code == 404 and records(lti) == {}
    # A participant of the first workshop only, asking for the second one: 404 as well.
    remove_member(lti, other_wid, "lijianguo")  # the host's launch had synced the course into it
    assert w["drivers"]["lijianguo"].session.get(f"{other_base}/o/{other_aid}").status_code == 404
    token2 = csrf(s.get(w["base"] + "/setup").text)
    s.post(w["base"] + "/activities", data={"csrf_token": token2, "kind": "reading", "title": "阅读"})
    with lti.tool_app.app_context():
        reading = db.session.scalars(select(Activity.id).where(Activity.kind == "reading")).one()
    assert s.get(f"{w['base']}/o/{reading}").status_code == 404
    assert s.get(f"{w['base']}/o/999999").status_code == 404


def test_members_who_left_are_not_called(lti: LtiHarness) -> None:
    """A participant the LMS roster no longer lists (inactive, kept with their records) is not on
    the roll call any more; their earlier record stays."""
    w = workshop_setup(lti)
    assert post_roll(w, "huwenbin", {"liuyang": ("present", "")}).status_code == 200
    with lti.tool_app.app_context():
        db.session.get(WorkshopMember, w["ids"]["liuyang"]).active = False
        db.session.commit()
    page = roll(w, "huwenbin").text
    assert "刘洋" not in page and "王丽华" in page
    assert w["ids"]["liuyang"] in records(lti)

def test_long_roll_call_is_paged(lti: LtiHarness) -> None:
    """A roll call of more people than a page holds (200) is split into pages, each saved on its
    own, so one post stays under the form-part limit; saving returns to the same page."""
    w = workshop_setup(lti)
    with lti.tool_app.app_context():
        issuer = db.session.get(User, db.session.get(WorkshopMember, w["ids"]["wanglihua"]).user_id).issuer
        for n in range(205):
            user = User(issuer=issuer, sub=f"bulk-{n:03d}", name=f"学员{n:03d}")
            db.session.add(user)
            db.session.flush()
            db.session.add(WorkshopMember(workshop_id=w["wid"], user_id=user.id, role="participant"))
        db.session.commit()
    host = w["drivers"]["maxiaoyan"].session
    first = roll(w, "maxiaoyan")
    assert first.text.count('inputmode="decimal" value="4.00" aria-label') == 200
    second = roll(w, "maxiaoyan", "?page=2")
    assert second.text.count('inputmode="decimal" value="4.00" aria-label') == 10
    members = re.search(r'name="members" value="([0-9,]+)"', second.text)
    assert members and len(members.group(1).split(",")) == 10
    action = re.search(r'<form method="post" action="([^"]+)"', second.text)
    assert action and "page=2" in action.group(1)
    r = host.post(w["tool"] + action.group(1).replace("&amp;", "&"),
                  data={"csrf_token": token(w, "maxiaoyan"), "members": members.group(1), "all_present": "1"})
    assert r.status_code == 200 and r.url.endswith("page=2") and "已保存，10" in r.text
    assert len(records(lti)) == 10

@pytest.mark.browser
def test_roll_call_on_a_phone(lti: LtiHarness, tmp_path: Path) -> None:
    """Attendance taken in headless Chromium on a phone-sized window (issue 3, browser tests): the
    tutor marks one person late with fewer hours, one absent, and the rest present in one tap."""
    from playwright.sync_api import sync_playwright

    from ...browser.test_player import CHROMIUM_ARGS

    w = workshop_setup(lti)
    ids = w["ids"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 375, "height": 740})
        page = context.new_page()
        page.goto(lti.platform_url + "/launch?user=huwenbin&message=resource")
        page.wait_for_url("**/w/*/")
        page.goto(f"{w['base']}/o/{w['aid']}")
        page.click('a.button[href$="/attendance"]')
        page.wait_for_url("**/attendance")
        page.check(f'input[name="status:{ids["lijianguo"]}"][value="late"]')
        page.fill(f'input[name="hours:{ids["lijianguo"]}"]', "2.5")
        page.check(f'input[name="status:{ids["liuyang"]}"][value="absent"]')
        page.screenshot(path=str(tmp_path / "roll-call.png"), full_page=True)
        page.click('button[name="all_present"]')
        page.wait_for_selector("text=已保存")
        assert page.is_checked(f'input[name="status:{ids["wanglihua"]}"][value="present"]')
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375, "the roll call fits a phone without sideways scrolling"
        browser.close()
    got = {mid: (rec.status, rec.hours) for mid, rec in records(lti).items()}
    assert got == {ids["wanglihua"]: ("present", Decimal("4.00")), ids["lijianguo"]: ("late", Decimal("2.50")),
                   ids["zhangxiuying"]: ("present", Decimal("4.00")), ids["liuyang"]: ("absent", Decimal("0.00"))}


def test_roll_call_pages_and_summary_match_a_plain_reading(lti: LtiHarness) -> None:
    """The roll call is sorted, paged and summed in the database: every page, joined, is everyone in
    the order Python gives (class, school, name by code point, id; names from the LMS, the roster or
    the LMS id), and the summary is the plain count and the exact sum of the records' hours."""
    from datetime import UTC, datetime

    from lti_tool.workshops.access import Viewer
    from lti_tool.workshops.attendance import roll_count, roll_page, roll_query, roll_summary

    w = workshop_setup(lti)
    with lti.tool_app.app_context():
        if db.engine.dialect.name == "postgresql":
            # The suite's cluster sorts by code point (initdb --locale=C); a production database
            # made with a locale would not. This test's own database gets a locale's collation (ICU,
            # Chinese) on the columns sorted, so the order holds only if the query names its own.
            for table, column, size in (("users", "name", 200), ("workshop_members", "roster_name", 200),
                                        ("workshop_members", "school", 200)):
                db.session.execute(sa.text(f'ALTER TABLE {table} ALTER COLUMN {column} '
                                           f'TYPE varchar({size}) COLLATE "zh-x-icu"'))
            db.session.commit()
    names = ["张三", "Zhang", "zhang", "Émile", "", None, "李四", "张三", "阿", "#z"]
    schools = [None, "", "B校", "a校", "实验小学", "实验小学"]
    with lti.tool_app.app_context():
        issuer = db.session.get(User, db.session.get(WorkshopMember, w["ids"]["wanglihua"]).user_id).issuer
        for n in range(40):
            user = User(issuer=issuer, sub=f"sort-{n:02d}-{'x' * n}", name=names[n % len(names)])
            db.session.add(user)
            db.session.flush()
            db.session.add(WorkshopMember(
                workshop_id=w["wid"], user_id=user.id, role="participant", school=schools[n % len(schools)],
                roster_name=("花名册" + str(n % 3)) if n % 4 == 0 else None,
                class_id=[None, *w["classes"].values()][n % 3]))
        db.session.flush()
        everyone = db.session.scalars(select(WorkshopMember).where(
            WorkshopMember.workshop_id == w["wid"], WorkshopMember.role == "participant")).all()
        for n, m in enumerate(everyone[::3]):
            db.session.add(Attendance(activity_id=w["aid"], member_id=m.id, status=["present", "late", "absent"][n % 3],
                                      hours=[Decimal("1.15"), Decimal("0.35"), Decimal(0)][n % 3], revision=1,
                                      recorded_by_id=w["ids"]["maxiaoyan"], recorded_at=datetime.now(UTC)))
        db.session.commit()
    with lti.tool_app.test_request_context():
        host = db.session.get(WorkshopMember, w["ids"]["maxiaoyan"])
        viewer = Viewer(db.session.get(Workshop, w["wid"]), host, frozenset(), frozenset())
        everyone = db.session.scalars(select(WorkshopMember).where(
            WorkshopMember.workshop_id == w["wid"], WorkshopMember.role == "participant",
            WorkshopMember.active.is_(True))).all()
        expected = sorted(everyone, key=lambda m: (m.class_id or 0, m.school or "", m.display_name, m.id))
        query = roll_query(viewer)
        assert query is not None and roll_count(query) == len(everyone) == 45
        paged = [m.id for page in range(1, 8) for m in roll_page(query, page, 7)]
        assert paged == [m.id for m in expected]
        one = roll_query(viewer, str(w["classes"]["一班"]))
        assert one is not None and [m.id for m in roll_page(one, 1, 100)] == [
            m.id for m in expected if m.class_id == w["classes"]["一班"]]
        rows = db.session.scalars(select(Attendance).where(Attendance.activity_id == w["aid"])).all()
        summary = roll_summary(db.session.get(Activity, w["aid"]), query, len(everyone))
        assert summary["recorded"] == len(rows) == 15 and summary["missing"] == 30
        assert summary["hours"] == sum((Decimal(r.hours) for r in rows), Decimal(0)) == Decimal("7.50")
        assert summary["counts"] == {"present": 5, "late": 5, "absent": 5, "excused": 0}


def test_roll_call_errors_in_the_page_language(lti: LtiHarness) -> None:
    """Each row's refusal in one language: "第 2 行（李建国）学时：…" or "row 2 (李建国), Hours: …",
    where the page said both at once."""
    w = workshop_setup(lti)
    session, li = w["drivers"]["huwenbin"].session, w["ids"]["lijianguo"]
    r = session.post(f"{w['base']}/o/{w['aid']}/attendance?lang=en", data={
        "csrf_token": token(w, "huwenbin"), "members": str(li), f"status:{li}": "late", f"hours:{li}": "9"})
    assert r.status_code == 400 and "row 1 (李建国), Hours: must not exceed the planned 4.00 hours" in r.text
    assert "不能超过" not in r.text and "第 1 行" not in r.text
