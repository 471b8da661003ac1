"""People & groups through real launches: the NRPS roster sync against the strict development
platform (paging, roles, missing names, cached tokens, platform down), the host's forms for
classes, groups and roles (issue 3 §2, §4), and who may reach them (host and 三人行 only)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from lti_tool.devlms.demo_data import DEMO_COURSE
from lti_tool.extensions import db
from lti_tool.models import Activity, StudyGroup, User, Workshop, WorkshopClass, WorkshopMember

from ...fixtures.lti import LtiHarness, lti_harness
from .test_pages import XSS, csrf, host_setup


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def host_people(lti: LtiHarness, sync: bool = True) -> tuple[Any, str, str]:
    """The host launches and syncs the roster; returns (session, workshop base URL, CSRF token)."""
    driver = lti.driver()
    home = driver.launch("maxiaoyan")
    assert home.status_code == 200
    base = home.url.rstrip("/")
    s = driver.session
    page = s.get(base + "/people")
    assert page.status_code == 200
    token = csrf(page.text)
    if sync:
        r = s.post(base + "/people/sync", data={"csrf_token": token})
        assert r.status_code == 200 and "名单已同步" in r.text, r.text[:2000]
    return s, base, token


def member_id(lti: LtiHarness, login: str) -> int:
    user = DEMO_COURSE.user(login) or lti.state.users[login]
    with lti.tool_app.app_context():
        return db.session.scalars(select(WorkshopMember.id).join(User).where(
            User.sub == lti.state.subject(user))).one()


def roster_state(lti: LtiHarness) -> list[tuple[Any, ...]]:
    """Everything an import or a sync may change, to compare before/after."""
    with lti.tool_app.app_context():
        members = db.session.execute(select(
            WorkshopMember.id, WorkshopMember.role, WorkshopMember.role_source, WorkshopMember.school,
            WorkshopMember.town, WorkshopMember.class_id, WorkshopMember.group_id, WorkshopMember.roster_name,
            WorkshopMember.active).order_by(WorkshopMember.id)).all()
        classes = db.session.execute(select(WorkshopClass.id, WorkshopClass.name, WorkshopClass.tutor_member_id)
                                     .order_by(WorkshopClass.id)).all()
        groups = db.session.execute(select(StudyGroup.id, StudyGroup.name, StudyGroup.leader_member_id)
                                    .order_by(StudyGroup.id)).all()
        users = db.session.execute(select(User.id, User.sub, User.name, User.email).order_by(User.id)).all()
    return [tuple(r) for r in [*members, ("classes",), *classes, ("groups",), *groups, ("users",), *users]]


def add_demo_users(lti: LtiHarness, count: int, prefix: str = "t") -> list[str]:
    """More participants on the platform (copies of a demo participant with new ids)."""
    base = DEMO_COURSE.user("sunhao")
    assert base is not None
    logins = []
    for i in range(count):
        login = f"{prefix}{i:03d}"
        lti.state.users[login] = replace(base, login=login, name=f"学员{prefix}{i:03d}", moodle_id=1000 + i)
        logins.append(login)
    return logins


# -- NRPS sync ------------------------------------------------------------------------------------
def test_sync_creates_members_with_mapped_roles(lti: LtiHarness) -> None:
    """NRPS members become workshop members with roles mapped like a launch (TA → tutor, Mentor →
    observer, Learner → participant, Instructor/admin → host) and the LMS names."""
    host_people(lti)
    with lti.tool_app.app_context():
        rows = dict(db.session.execute(select(User.name, WorkshopMember.role).join(User)).all())
        assert len(rows) == len(DEMO_COURSE.users)
        assert rows["马晓燕"] == "host" and rows["林海"] == "host"
        assert rows["胡文斌"] == "tutor" and rows["郭美玲"] == "tutor"
        assert rows["何振东"] == "observer" and rows["王丽华"] == "participant"
        assert db.session.scalars(select(Workshop.roster_synced_at)).one() is not None


def test_sync_follows_paging_and_reuses_the_token(lti: LtiHarness) -> None:
    """Every `Link: rel="next"` page is fetched; a second sync uses the cached access token (no
    new token request: platforms rate-limit them)."""
    lti.tool_app.config["ROSTER_PAGE_SIZE"] = 5
    add_demo_users(lti, 8)
    s, base, token = host_people(lti)
    pages = [p for (_, p, _) in lti.state.request_log if "memberships" in p]
    assert len(pages) >= 5 and any("from=20" in p for p in pages)
    with lti.tool_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WorkshopMember)) == len(DEMO_COURSE.users) + 8
    issued = lti.state.tokens_issued
    assert s.post(base + "/people/sync", data={"csrf_token": token}).status_code == 200
    assert lti.state.tokens_issued == issued


def test_sync_keeps_host_assigned_roles_and_marks_leavers_inactive(lti: LtiHarness) -> None:
    """A co-host assigned in the workshop stays co-host after a sync; a learner the LMS no longer
    lists is kept but marked inactive, and comes back when listed again."""
    s, base, token = host_people(lti)
    mid = member_id(lti, "wanglihua")
    r = s.post(f"{base}/people/members/{mid}", data={"csrf_token": token, "role": "cohost"})
    assert r.status_code == 200
    gone = lti.state.users.pop("sunhao")
    assert s.post(base + "/people/sync", data={"csrf_token": token}).status_code == 200
    with lti.tool_app.app_context():
        assert db.session.get(WorkshopMember, mid).role == "cohost"
        leaver = db.session.get(WorkshopMember, member_id(lti, "sunhao"))
        assert leaver.active is False
    page = s.get(base + "/people?status=inactive")
    assert "孙浩" in page.text and "王丽华" not in page.text
    lti.state.users["sunhao"] = gone
    s.post(base + "/people/sync", data={"csrf_token": token})
    with lti.tool_app.app_context():
        assert db.session.get(WorkshopMember, member_id(lti, "sunhao")).active is True


def test_inactive_and_deleted_statuses(lti: LtiHarness) -> None:
    """NRPS status Inactive/Deleted marks an existing member inactive and creates nobody."""
    host_people(lti)
    from lti_tool.workshops.roster import apply_members

    with lti.tool_app.app_context():
        workshop = db.session.scalars(select(Workshop)).one()
        sub = lti.state.subject(DEMO_COURSE.user("wanglihua"))  # type: ignore[arg-type]
        entries = [{"user_id": sub, "status": "Deleted", "roles": ["Learner"]},
                   {"user_id": "ghost", "status": "Inactive", "roles": ["Learner"]}]
        result = apply_members(workshop, entries)
        db.session.commit()
        assert result.deactivated >= 1 and result.created == 0
        assert db.session.scalars(select(User).where(User.sub == "ghost")).first() is None
        assert db.session.scalars(select(WorkshopMember.active).join(User).where(User.sub == sub)).one() is False


def test_sync_without_names(database_url: str, tmp_path: Path) -> None:
    """Open edX shares no names by default: members are created anyway, shown by an anonymous id,
    and a name given by a launch or an import is never erased by a sync."""
    with lti_harness(database_url, tmp_path / "instance", profile="openedx") as lti:
        s, base, token = host_people(lti)
        with lti.tool_app.app_context():
            assert db.session.scalar(select(func.count()).select_from(WorkshopMember)) == len(DEMO_COURSE.users)
            assert db.session.scalars(select(User).where(User.name.is_not(None))).first() is None
            member = db.session.get(WorkshopMember, member_id(lti, "wanglihua"))
            member.roster_name = "王丽华"
            db.session.commit()
        assert s.post(base + "/people/sync", data={"csrf_token": token}).status_code == 200
        page = s.get(base + "/people")
        assert "王丽华" in page.text and "#" in page.text


def test_platform_down_leaves_roster_unchanged(lti: LtiHarness) -> None:
    """A platform failing on any page (the first, or the second after paging) gives a clear message
    on the page and writes nothing."""
    lti.tool_app.config["ROSTER_PAGE_SIZE"] = 5
    s, base, token = host_people(lti, sync=False)
    before = roster_state(lti)
    lti.state.fail_next("memberships", 503)
    r = s.post(base + "/people/sync", data={"csrf_token": token})
    assert r.status_code == 502 and "无法从课程平台获取名单" in r.text and "503" in r.text
    lti.state.fail_next("from=5", 500)
    r = s.post(base + "/people/sync", data={"csrf_token": token})
    assert r.status_code == 502 and "500" in r.text
    assert roster_state(lti) == before
    assert "Bearer " not in r.text


def test_sync_on_host_launch_hook(lti: LtiHarness) -> None:
    """A host's launch syncs the roster (workshop_landing calls `sync_on_host_launch`); a
    participant's never does; within the interval a host's does not sync again, after it it does."""
    from datetime import UTC, datetime

    from lti_tool.workshops.roster import LAUNCH_SYNC_INTERVAL, sync_on_host_launch

    host_people(lti, sync=False)
    with lti.tool_app.app_context():
        workshop = db.session.scalars(select(Workshop)).one()
        assert workshop.roster_synced_at is not None  # the launch itself synced
        assert db.session.scalar(select(func.count()).select_from(WorkshopMember)) == len(DEMO_COURSE.users)
        host = db.session.get(WorkshopMember, member_id(lti, "maxiaoyan"))
        assert sync_on_host_launch(workshop, host) is None  # synced a moment ago
        workshop.roster_synced_at = None
        db.session.commit()
    lti.driver().launch("wanglihua")
    with lti.tool_app.app_context():
        workshop = db.session.scalars(select(Workshop)).one()
        assert workshop.roster_synced_at is None  # a participant's launch leaves the roster alone
        learner = db.session.get(WorkshopMember, member_id(lti, "wanglihua"))
        assert sync_on_host_launch(workshop, learner) is None
        host = db.session.get(WorkshopMember, member_id(lti, "maxiaoyan"))
        workshop.roster_synced_at = datetime.now(UTC) - LAUNCH_SYNC_INTERVAL * 2
        db.session.commit()
        assert sync_on_host_launch(workshop, host) is not None  # stale: synced again


# -- pages and forms ------------------------------------------------------------------------------
@pytest.mark.parametrize("login", ["huwenbin", "wanglihua", "hezhendong"])
def test_only_hosts_reach_people_pages(lti: LtiHarness, login: str) -> None:
    """Tutor, participant, observer → 403 on every people route; another workshop → 404."""
    host_setup(lti)  # a video activity, whose page carries the viewer's own CSRF token
    s, base, token = host_people(lti)
    mid = member_id(lti, "wanglihua")
    s.post(base + "/people/classes", data={"csrf_token": token, "name": "一班"})
    with lti.tool_app.app_context():
        cid = db.session.scalars(select(WorkshopClass.id)).one()
        aid = db.session.scalars(select(Activity.id)).one()
    who = lti.driver()
    who.launch(login)
    other_token = csrf(who.session.get(f"{base}/a/{aid}").text)
    gets = ["/people", "/people/export.csv", "/people/export.xlsx", "/people/template.xlsx", f"/people/members/{mid}"]
    for path in gets:
        assert who.session.get(base + path).status_code == 403, path
    posts = ["/people/sync", "/people/classes", f"/people/classes/{cid}", f"/people/classes/{cid}/delete",
             "/people/groups", f"/people/members/{mid}", "/people/import"]
    for path in posts:
        assert who.session.post(base + path, data={"csrf_token": other_token, "name": "x"}).status_code == 403, path
    assert who.session.get(base + "/people").status_code == 403
    other = base.rsplit("/", 1)[0] + "/999"
    assert s.get(other + "/people").status_code == 404
    nav = who.session.get(base + "/").text
    assert "成员与分组" not in nav


def test_cohost_has_host_rights(lti: LtiHarness) -> None:
    """A 三人行 member reaches the people page; the nav link shows for them."""
    s, base, token = host_people(lti)
    s.post(f"{base}/people/members/{member_id(lti, 'lijianguo')}", data={"csrf_token": token, "role": "cohost"})
    cohost = lti.driver()
    home = cohost.launch("lijianguo")
    assert "成员与分组" in home.text
    assert cohost.session.get(base + "/people").status_code == 200


def test_classes_groups_and_roles(lti: LtiHarness) -> None:
    """Create/rename/delete classes with a tutor (who must be a tutor), groups with a leader (who
    must be in the group); set a member's class, group, school and role."""
    s, base, token = host_people(lti)
    tutor, learner, other = member_id(lti, "huwenbin"), member_id(lti, "wanglihua"), member_id(lti, "lijianguo")
    assert s.post(base + "/people/classes", data={"csrf_token": token, "name": "一班",
                                                   "tutor_member_id": str(tutor)}).status_code == 200
    r = s.post(base + "/people/classes", data={"csrf_token": token, "name": "二班", "tutor_member_id": str(learner)})
    assert r.status_code == 400 and "辅导老师：须为本工作坊的辅导老师" in r.text
    r = s.post(base + "/people/classes", data={"csrf_token": token, "name": "一班"})
    assert r.status_code == 400 and "名称：已有同名班级" in r.text
    assert s.post(base + "/people/groups", data={"csrf_token": token, "name": "第一组"}).status_code == 200
    with lti.tool_app.app_context():
        cid = db.session.scalars(select(WorkshopClass.id)).one()
        gid = db.session.scalars(select(StudyGroup.id)).one()
    r = s.post(f"{base}/people/groups/{gid}",
               data={"csrf_token": token, "name": "第一组", "leader_member_id": str(learner)})
    assert r.status_code == 400 and "研修组长：须是本组成员" in r.text  # not in the group yet
    r = s.post(f"{base}/people/members/{learner}", data={
        "csrf_token": token, "role": "participant", "class_id": str(cid), "group_id": str(gid), "school": "城关小学",
        "town": "城关镇"})
    assert r.status_code == 200
    assert s.post(f"{base}/people/groups/{gid}", data={"csrf_token": token, "name": "第一小组",
                                                        "leader_member_id": str(learner)}).status_code == 200
    assert s.post(f"{base}/people/classes/{cid}", data={"csrf_token": token, "name": "数学一班",
                                                         "tutor_member_id": str(tutor)}).status_code == 200
    with lti.tool_app.app_context():
        m = db.session.get(WorkshopMember, learner)
        assert (m.class_id, m.group_id, m.school, m.town) == (cid, gid, "城关小学", "城关镇")
        assert db.session.get(StudyGroup, gid).leader_member_id == learner
        assert db.session.get(WorkshopClass, cid).name == "数学一班"
    # The tutor now sees the class (access.py reads the class's tutor).
    tutor_session = lti.driver()
    tutor_session.launch("huwenbin")
    # Leaving the group ends the leadership; a tutor made participant stops tutoring.
    s.post(f"{base}/people/members/{learner}", data={"csrf_token": token, "role": "participant"})
    s.post(f"{base}/people/members/{tutor}", data={"csrf_token": token, "role": "participant"})
    with lti.tool_app.app_context():
        assert db.session.get(StudyGroup, gid).leader_member_id is None
        assert db.session.get(WorkshopClass, cid).tutor_member_id is None
        assert db.session.get(WorkshopMember, tutor).role_source == "host"
    # Deleting a class keeps its members, without a class.
    s.post(f"{base}/people/members/{other}", data={"csrf_token": token, "role": "participant", "class_id": str(cid)})
    assert s.post(f"{base}/people/classes/{cid}/delete", data={"csrf_token": token}).status_code == 200
    assert s.post(f"{base}/people/groups/{gid}/delete", data={"csrf_token": token}).status_code == 200
    with lti.tool_app.app_context():
        assert db.session.get(WorkshopMember, other).class_id is None
        assert db.session.scalars(select(WorkshopClass)).first() is None


def test_member_form_bad_input(lti: LtiHarness) -> None:
    """Bad role, the host's role, a 4th co-host, another workshop's class: 400 naming the field by
    its label, nothing stored; unknown ids → 404 (the page shown again: test_member_form_inline.py)."""
    s, base, token = host_people(lti)
    learner = member_id(lti, "wanglihua")
    before = roster_state(lti)
    cases = [
        (learner, {"role": "king"}, "角色：请从选项中选择"),
        (member_id(lti, "maxiaoyan"), {"role": "participant"}, "角色：坊主的身份来自课程平台"),
        (learner, {"role": "host"}, "角色：坊主的身份来自课程平台"),
        (learner, {"role": "participant", "class_id": "999"}, "班级：不是本工作坊的班级"),
        (learner, {"role": "participant", "group_id": "abc"}, "研修小组：请输入整数"),
        (learner, {"role": "participant", "school": "校" * 201}, "学校：最多 200 个字"),
        (learner, {"role": "participant", "class_id": "9" * 30}, "班级：不是有效的编号"),  # was a 500: no such integer
        (learner, {"role": "participant", "group_id": str(2**31)}, "研修小组：不是有效的编号"),
    ]
    for mid, data, field in cases:
        r = s.post(f"{base}/people/members/{mid}", data={"csrf_token": token, **data})
        assert r.status_code == 400 and field in r.text, (data, r.status_code)
    assert roster_state(lti) == before
    assert s.post(f"{base}/people/members/99999", data={"csrf_token": token, "role": "participant"}).status_code == 404
    assert s.post(f"{base}/people/classes/99999", data={"csrf_token": token, "name": "x"}).status_code == 404
    assert s.post(f"{base}/people/groups/99999/delete", data={"csrf_token": token}).status_code == 404
    assert s.post(f"{base}/people/members/{learner}", data={"role": "cohost"}).status_code == 400  # no CSRF
    for login in ("lijianguo", "zhangxiuying", "liuyang"):
        r = s.post(f"{base}/people/members/{member_id(lti, login)}", data={"csrf_token": token, "role": "cohost"})
        assert r.status_code == 200
    r = s.post(f"{base}/people/members/{learner}", data={"csrf_token": token, "role": "cohost"})
    assert r.status_code == 400 and "角色：三人行成员最多 3 位" in r.text
    assert s.get(base + "/people?page=x").status_code == 400
    assert s.get(base + "/people?status=zzz").status_code == 400


def test_ids_beyond_the_columns_range_are_a_400_naming_the_field(lti: LtiHarness) -> None:
    """Each of these was a 500 on both databases: PostgreSQL's integer stops at 2**31 - 1, and
    SQLite's driver cannot bind a number beyond 64 bits."""
    s, base, token = host_people(lti)
    assert s.post(base + "/people/groups", data={"csrf_token": token, "name": "一组"}).status_code == 200
    with lti.tool_app.app_context():
        group = db.session.scalars(select(StudyGroup.id)).one()
    before = roster_state(lti)
    for path, data, field in [
        ("/people/classes", {"name": "一班", "tutor_member_id": "9" * 30}, "辅导老师"),
        ("/people/classes", {"name": "一班", "tutor_member_id": str(2**31)}, "辅导老师"),
        (f"/people/groups/{group}", {"name": "一组", "leader_member_id": "9" * 30}, "研修组长"),
        ("/activities", {"kind": "reading", "title": "读", "phase_id": "9" * 30}, "阶段"),
        ("/activities", {"kind": "reading", "title": "读", "phase_id": "0"}, "阶段"),
    ]:
        r = s.post(base + path, data={"csrf_token": token, **data})
        assert r.status_code == 400 and f"{field}：不是有效的编号" in r.text, (path, data, r.status_code)
    for query in ("class_id=" + "9" * 30, "group_id=" + "9" * 30, "class_id=0", "class_id=-5"):
        r = s.get(f"{base}/people?{query}")
        field = query.split("=")[0]
        assert r.status_code == 400 and f"{field}: 不是有效的编号" in r.text and "not a valid id" not in r.text, query
    r = s.get(f"{base}/people?class_id=0&lang=en")
    assert r.status_code == 400 and "not a valid id" in r.text  # the English half on an English page
    assert s.get(f"{base}/people?class_id=none").status_code == 200  # "no class" is still a filter
    assert roster_state(lti) == before
    with lti.tool_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_ids_of_another_workshop_are_404(lti: LtiHarness) -> None:
    """A class, group or member of another workshop is never reachable through this one."""
    s, base, token = host_people(lti)
    s.post(base + "/people/classes", data={"csrf_token": token, "name": "一班"})
    s.post(base + "/people/groups", data={"csrf_token": token, "name": "一组"})
    # A second workshop (another resource link of the course) for the same host.
    link = lti.state.add_resource_link("second-link", "第二个工作坊")
    second = lti.driver()
    home = second.launch("maxiaoyan", resource_link=link.id)
    base2 = home.url.rstrip("/")
    token2 = csrf(second.session.get(base2 + "/people").text)
    with lti.tool_app.app_context():
        cid = db.session.scalars(select(WorkshopClass.id)).one()
        gid = db.session.scalars(select(StudyGroup.id)).one()
        mid = member_id_in(lti, base, "wanglihua")
    for path in (f"/people/classes/{cid}", f"/people/classes/{cid}/delete", f"/people/groups/{gid}",
                 f"/people/groups/{gid}/delete", f"/people/members/{mid}"):
        r = second.session.post(base2 + path, data={"csrf_token": token2, "name": "x", "role": "participant"})
        assert r.status_code == 404, path
    assert second.session.get(f"{base2}/people/members/{mid}").status_code == 404
    host2 = member_id_in(lti, base2, "maxiaoyan")
    r = second.session.post(f"{base2}/people/members/{host2}", data={"csrf_token": token2, "role": "host",
                                                                     "class_id": str(cid)})
    assert r.status_code == 400 and "班级：不是本工作坊的班级" in r.text


def member_id_in(lti: LtiHarness, base: str, login: str) -> int:
    wid = int(base.rsplit("/", 1)[1])
    user = DEMO_COURSE.user(login)
    with lti.tool_app.app_context():
        return db.session.scalars(select(WorkshopMember.id).join(User).where(
            WorkshopMember.workshop_id == wid, User.sub == lti.state.subject(user))).one()  # type: ignore[arg-type]


def test_xss_in_class_group_and_school_is_inert(lti: LtiHarness) -> None:
    """Names from the LMS roster, of classes and groups, and a member's school are shown escaped."""
    lti.state.users["evil"] = replace(DEMO_COURSE.user("sunhao"), login="evil", name=XSS, moodle_id=999)  # type: ignore[type-var]
    s, base, token = host_people(lti)
    assert s.get(f"{base}/people/members/{member_id(lti, 'evil')}").status_code == 200
    learner = member_id(lti, "wanglihua")
    assert s.post(base + "/people/classes", data={"csrf_token": token, "name": XSS[:100]}).status_code == 200
    assert s.post(base + "/people/groups", data={"csrf_token": token, "name": XSS[:100]}).status_code == 200
    s.post(f"{base}/people/members/{learner}", data={"csrf_token": token, "role": "participant", "school": XSS,
                                                     "town": XSS})
    for path in ("/people", f"/people/members/{learner}", f"/people/members/{member_id(lti, 'evil')}",
                 "/people?school=" + XSS):
        page = s.get(base + path).text
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;" in page, path


def test_people_page_filters_and_paging(lti: LtiHarness) -> None:
    """Filters by class, group, school and role; 50 a page."""
    add_demo_users(lti, 60)
    s, base, token = host_people(lti)
    s.post(base + "/people/classes", data={"csrf_token": token, "name": "一班"})
    with lti.tool_app.app_context():
        cid = db.session.scalars(select(WorkshopClass.id)).one()
    s.post(f"{base}/people/members/{member_id(lti, 'wanglihua')}",
           data={"csrf_token": token, "role": "participant", "class_id": str(cid), "school": "城关小学"})
    page = s.get(f"{base}/people?class_id={cid}").text
    assert "王丽华" in page and "李建国" not in page
    page = s.get(base + "/people?role=tutor").text
    assert "胡文斌" in page and "郭美玲" in page and "王丽华" not in page
    page = s.get(base + "/people?school=城关小学").text
    assert "王丽华" in page and "李建国" not in page
    first = s.get(base + "/people").text
    assert len(re.findall(r'class="member-name"', first)) == 50 and "1 / 2" in first
    second = s.get(base + "/people?page=2").text
    assert len(re.findall(r'class="member-name"', second)) == len(DEMO_COURSE.users) + 60 - 50


def test_the_pages_choices_are_the_tutors_the_groups_members_and_the_schools(lti: LtiHarness) -> None:
    """The class forms offer every tutor, each group's leader choice its own members, the school
    filter every school once, in order: read for the page without loading every member."""
    s, base, token = host_people(lti)
    learner, other, third = member_id(lti, "wanglihua"), member_id(lti, "lijianguo"), member_id(lti, "zhangxiuying")
    assert s.post(base + "/people/groups", data={"csrf_token": token, "name": "第一组"}).status_code == 200
    with lti.tool_app.app_context():
        gid = db.session.scalars(select(StudyGroup.id)).one()
        tutors = sorted(db.session.scalars(select(WorkshopMember.id).where(WorkshopMember.role == "tutor")).all())
    for who, school, group in ((learner, "城关小学", str(gid)), (other, "实验小学", str(gid)), (third, "城关小学", "")):
        assert s.post(f"{base}/people/members/{who}", data={"csrf_token": token, "role": "participant",
                                                              "school": school, "group_id": group}).status_code == 200
    page = s.get(base + "/people").text
    new_class = page.split('name="tutor_member_id"')[-1].split("</select>")[0]
    assert sorted(int(v) for v in re.findall(r'<option value="(\d+)"', new_class)) == tutors and tutors
    leader = page.split('name="leader_member_id"')[1].split("</select>")[0]
    assert sorted(int(v) for v in re.findall(r'<option value="(\d+)"', leader)) == sorted([learner, other])
    school_filter = page.split('name="school"')[1].split("</select>")[0]
    assert re.findall(r"<option[^>]*>([^<]+)</option>", school_filter)[-2:] == ["城关小学", "实验小学"]
    assert school_filter.count("城关小学") == 1
