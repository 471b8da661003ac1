"""The group leader's page through real launches (issue 3 §4–§5: "a group leader their group's
progress"): a leader sees their own group only, a tutor the members of their classes in the
groups that hold them, the host every group; anyone else 403, other groups 404."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import StudyGroup, Submission, WorkshopMember

from ...fixtures.lti import LtiHarness, lti_harness, remove_member
from .test_attendance import post_roll, workshop_setup
from .test_pages import XSS, csrf


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def groups_setup(lti: LtiHarness, first_name: str = "第一组") -> dict[str, Any]:
    """On top of `workshop_setup`: 第一组 led by 王丽华 with 李建国 (一班) and 陈静 (二班);
    第二组 led by 张秀英 with 刘洋 (both 一班); one required assignment; 李建国 attended the
    offline session (4 h) and submitted the assignment."""
    w = workshop_setup(lti)
    ids = w["ids"]
    host = w["drivers"]["maxiaoyan"].session
    token = csrf(host.get(w["base"] + "/setup").text)
    assert host.post(w["base"] + "/activities", data={"csrf_token": token, "kind": "assignment",
                                                      "title": "单元教学设计", "required": "1"}).status_code == 200
    with lti.tool_app.app_context():
        one = StudyGroup(workshop_id=w["wid"], name=first_name, leader_member_id=ids["wanglihua"])
        two = StudyGroup(workshop_id=w["wid"], name="第二组", leader_member_id=ids["zhangxiuying"])
        db.session.add_all([one, two])
        db.session.flush()
        for login, group in (("wanglihua", one), ("lijianguo", one), ("chenjing", one), ("zhangxiuying", two),
                             ("liuyang", two)):
            db.session.get(WorkshopMember, ids[login]).group_id = group.id
        from lti_tool.models import Activity

        assignment = db.session.scalars(select(Activity.id).where(Activity.kind == "assignment")).one()
        db.session.add(Submission(activity_id=assignment, member_id=ids["lijianguo"], text="我的设计"))
        db.session.commit()
        w["groups"] = {"one": one.id, "two": two.id}
    assert post_roll(w, "huwenbin", {"lijianguo": ("present", ""), "wanglihua": ("absent", "")}).status_code == 200
    return w


def row(page: str, member_id: int) -> str:
    found = re.search(rf'<tr id="member-{member_id}"[^>]*>(.*?)</tr>', page, re.S)
    assert found, f"no row for member {member_id}"
    return found.group(1)


def cell(row_html: str, name: str) -> str:
    found = re.search(rf'<td [^>]*class="num {name}">([^<]*)</td>', row_html)
    assert found, name
    return found.group(1).strip()


def test_leader_sees_their_groups_progress(lti: LtiHarness) -> None:
    """A leader's /group shows their group: each member's hours (video + offline) against the
    requirement, posts, assignments submitted and missing, attendance; nobody of another group."""
    w = groups_setup(lti)
    ids = w["ids"]
    leader = w["drivers"]["wanglihua"].session
    home = leader.get(w["base"] + "/").text
    assert "我的小组" in home  # the navigation offers it to leaders
    assert "我的小组" not in w["drivers"]["lijianguo"].session.get(w["base"] + "/").text
    page = leader.get(w["base"] + "/group")
    assert page.status_code == 200
    assert 'id="group-name">第一组<' in page.text
    assert "王丽华" in page.text and "李建国" in page.text and "陈静" in page.text
    assert "张秀英" not in page.text and "刘洋" not in page.text
    assert 'id="member-count">3<' in page.text
    li = row(page.text, ids["lijianguo"])
    assert cell(li, "hours") == "4.00" and cell(li, "offline") == "4.00"
    assert cell(li, "submitted") == "1" and cell(li, "missing") == "0" and cell(li, "attended") == "1 / 1"
    wang = row(page.text, ids["wanglihua"])
    assert cell(wang, "hours") == "0.00" and cell(wang, "missing") == "1" and cell(wang, "absent") == "1"
    assert cell(wang, "posts") == "0"
    chen = row(page.text, ids["chenjing"])
    assert cell(chen, "attended") == "0 / 0" and cell(chen, "offline") == "0.00"
    direct = leader.get(f"{w['base']}/group/{w['groups']['one']}")
    assert direct.status_code == 200 and 'id="member-count">3<' in direct.text


def test_leader_cannot_see_another_group(lti: LtiHarness) -> None:
    """Another group of the same workshop, an unknown id, or a group of another workshop → 404."""
    w = groups_setup(lti)
    leader = w["drivers"]["wanglihua"].session
    assert leader.get(f"{w['base']}/group/{w['groups']['two']}").status_code == 404
    assert leader.get(f"{w['base']}/group/999999").status_code == 404
    second_link = list(lti.state.resource_links)[1]
    other_base = w["drivers"]["maxiaoyan"].launch("maxiaoyan", resource_link=second_link).url.rstrip("/")
    other_wid = int(other_base.rsplit("/", 1)[1])
    with lti.tool_app.app_context():
        other = StudyGroup(workshop_id=other_wid, name="外坊小组")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    host = w["drivers"]["maxiaoyan"].session
    assert host.get(f"{w['base']}/group/{other_id}").status_code == 404  # even the host, via this workshop
    remove_member(lti, other_wid, "wanglihua")
    assert leader.get(f"{other_base}/group").status_code == 404  # not a member of the other workshop


@pytest.mark.parametrize("login", ["lijianguo", "hezhendong"])
def test_participant_who_leads_no_group_gets_403(lti: LtiHarness, login: str) -> None:
    """A participant leading no group, or an observer: 403 on the list and on any group page."""
    w = groups_setup(lti)
    s = w["drivers"][login].session
    assert s.get(w["base"] + "/group").status_code == 403
    assert s.get(f"{w['base']}/group/{w['groups']['one']}").status_code == 403


def test_host_sees_every_group(lti: LtiHarness) -> None:
    """The host gets the list of all groups and every member of each."""
    w = groups_setup(lti)
    host = w["drivers"]["maxiaoyan"].session
    page = host.get(w["base"] + "/group")
    assert page.status_code == 200 and "第一组" in page.text and "第二组" in page.text
    assert "小组进度" in host.get(w["base"] + "/").text
    two = host.get(f"{w['base']}/group/{w['groups']['two']}").text
    assert "张秀英" in two and "刘洋" in two and 'id="member-count">2<' in two


def test_tutor_sees_only_their_class_members(lti: LtiHarness) -> None:
    """A tutor sees the groups holding participants of their classes, and in them only those
    participants; a group without any of them → 404."""
    w = groups_setup(lti)
    hu = w["drivers"]["huwenbin"].session
    listing = hu.get(w["base"] + "/group").text
    assert "第一组" in listing and "第二组" in listing
    one = hu.get(f"{w['base']}/group/{w['groups']['one']}").text
    assert "李建国" in one and "王丽华" in one and "陈静" not in one and 'id="member-count">2<' in one
    guo = w["drivers"]["guomeiling"].session
    only = guo.get(w["base"] + "/group")  # one visible group: shown directly
    assert only.status_code == 200 and "陈静" in only.text and "李建国" not in only.text
    assert guo.get(f"{w['base']}/group/{w['groups']['two']}").status_code == 404


def test_group_name_is_inert(lti: LtiHarness) -> None:
    """A group name with HTML (entered by a host elsewhere) is shown as text."""
    w = groups_setup(lti, first_name=XSS[:100])
    page = w["drivers"]["wanglihua"].session.get(w["base"] + "/group").text
    assert "<script>alert" not in page and "&lt;script&gt;" in page


MATRIX = {
    # login: (session page, roll call, /group, first group, second group)
    "maxiaoyan": (200, 200, 200, 200, 200),  # host
    "huwenbin": (200, 200, 200, 200, 200),  # tutor of 一班 (members in both groups)
    "wanglihua": (200, 403, 200, 200, 404),  # participant leading 第一组
    "lijianguo": (200, 403, 403, 403, 403),  # participant leading nothing
    "hezhendong": (200, 403, 403, 403, 403),  # observer
}


def test_authorization_matrix(lti: LtiHarness) -> None:
    """Role × route for the offline and group pages; a co-host (三人行) has the host's rights:
    every group, and attendance for members of any class."""
    w = groups_setup(lti)
    with lti.tool_app.app_context():
        cohost = db.session.get(WorkshopMember, w["ids"]["guomeiling"])
        cohost.role, cohost.role_source = "cohost", "host"
        db.session.commit()
    expected = {**MATRIX, "guomeiling": (200, 200, 200, 200, 200)}  # co-host (三人行): host rights
    base, aid, groups = w["base"], w["aid"], w["groups"]
    routes = (f"/o/{aid}", f"/o/{aid}/attendance", "/group", f"/group/{groups['one']}", f"/group/{groups['two']}")
    for login, statuses in expected.items():
        s = w["drivers"][login].session
        got = tuple(s.get(base + route).status_code for route in routes)
        assert got == statuses, login
    assert post_roll(w, "guomeiling", {"liuyang": ("present", "")}).status_code == 200  # 一班, not theirs as tutor
    assert lti.driver().session.get(f"{base}/group").status_code == 401  # no session at all
