"""The member form (成员与分组 → one member) refused is shown again like every other host form
(test_form_errors_inline.py): a 400 with the member's page, the message by the form in the page's
language naming the field by its label, the host's choices still selected, nothing saved. It was a
bare error page with a "class_id: 中文 / English" message, and the host chose everything again."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import StudyGroup, WorkshopClass, WorkshopMember

from ...fixtures.lti import LtiHarness, lti_harness
from .test_form_errors_inline import alert, form_of, refused_in_chinese, typed
from .test_people import add_demo_users, host_people, member_id, roster_state


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def class_and_group(s: Any, base: str, token: str, lti: LtiHarness) -> tuple[int, int]:
    """一班 and 第一组, created through the people page; returns their ids."""
    assert s.post(base + "/people/classes", data={"csrf_token": token, "name": "一班"}).status_code == 200
    assert s.post(base + "/people/groups", data={"csrf_token": token, "name": "第一组"}).status_code == 200
    with lti.tool_app.app_context():
        return (db.session.scalars(select(WorkshopClass.id)).one(), db.session.scalars(select(StudyGroup.id)).one())


def shown_again(r: Any, message: str, data: dict[str, str], *, kept: tuple[str, ...]) -> None:
    """The member page, its form with `message` in it and the fields in `kept` as the host sent them."""
    refused_in_chinese(r, message)
    assert alert(r.text) == message
    assert 'class="member-name"' in r.text and "← 成员与分组</a>" in r.text  # the member's page, with the way back
    form = form_of(r.text, 'name="school"')
    assert message in html.unescape(form)
    for name in kept:
        assert typed(form, name) == data[name], (name, form)


def test_each_refusal_keeps_the_hosts_choices(lti: LtiHarness) -> None:
    """The schema's refusals, the host's role, another workshop's class or group: each is named by
    the field's label, and every choice the host made is still in the form."""
    s, base, token = host_people(lti)
    cid, gid = class_and_group(s, base, token, lti)
    learner, host = member_id(lti, "wanglihua"), member_id(lti, "maxiaoyan")
    chosen = {"role": "tutor", "class_id": str(cid), "group_id": str(gid), "school": "城关小学", "town": "城关镇"}

    def but(name: str) -> tuple[str, ...]:
        """The fields kept as sent: all but `name`, whose refused value is no option of its menu."""
        return tuple(field for field in chosen if field != name)

    before = roster_state(lti)
    cases = [
        (learner, {**chosen, "role": "king"}, "角色：请从选项中选择", but("role")),
        (learner, {**chosen, "group_id": "abc"}, "研修小组：请输入整数", but("group_id")),
        (learner, {**chosen, "school": "校" * 201}, "学校：最多 200 个字", tuple(chosen)),
        (learner, {**chosen, "class_id": "9" * 30}, "班级：不是有效的编号", but("class_id")),
        # The host's role comes from the LMS: neither given nor taken here.
        (learner, {**chosen, "role": "host"}, "角色：坊主的身份来自课程平台", but("role")),
        (host, {**chosen, "role": "participant"}, "角色：坊主的身份来自课程平台", but("role")),
        (learner, {**chosen, "class_id": "999"}, "班级：不是本工作坊的班级", but("class_id")),
        (learner, {**chosen, "group_id": "999"}, "研修小组：不是本工作坊的研修小组", but("group_id")),
    ]
    for mid, data, message, kept in cases:
        r = s.post(f"{base}/people/members/{mid}", data={"csrf_token": token, **data})
        shown_again(r, message, data, kept=kept)
    assert roster_state(lti) == before
    # Fixed, the same form saves.
    r = s.post(f"{base}/people/members/{learner}", data={"csrf_token": token, **chosen})
    assert r.status_code == 200 and "已保存" in r.text
    with lti.tool_app.app_context():
        m = db.session.get(WorkshopMember, learner)
        assert (m.role, m.class_id, m.group_id, m.school, m.town) == ("tutor", cid, gid, "城关小学", "城关镇")


def test_a_fourth_cohost_is_refused_on_the_member_page(lti: LtiHarness) -> None:
    """seed 002: at most three 三人行 members; the fourth keeps the role, class and group chosen."""
    s, base, token = host_people(lti)
    cid, gid = class_and_group(s, base, token, lti)
    for login in ("lijianguo", "zhangxiuying", "liuyang"):
        r = s.post(f"{base}/people/members/{member_id(lti, login)}", data={"csrf_token": token, "role": "cohost"})
        assert r.status_code == 200
    before = roster_state(lti)
    data = {"role": "cohost", "class_id": str(cid), "group_id": str(gid), "school": "城关小学", "town": "城关镇"}
    r = s.post(f"{base}/people/members/{member_id(lti, 'wanglihua')}", data={"csrf_token": token, **data})
    shown_again(r, "角色：三人行成员最多 3 位", data, kept=tuple(data))
    assert roster_state(lti) == before


def test_a_full_class_is_refused_on_the_member_page(lti: LtiHarness) -> None:
    """seed 004 方案1: a class holds at most 100 participants; the 101st is refused by the form."""
    add_demo_users(lti, 100)
    s, base, token = host_people(lti)
    cid, gid = class_and_group(s, base, token, lti)
    learner = member_id(lti, "wanglihua")
    with lti.tool_app.app_context():
        for m in db.session.scalars(select(WorkshopMember).where(
                WorkshopMember.role == "participant", WorkshopMember.id != learner).order_by(WorkshopMember.id)
                .limit(100)):
            m.class_id = cid
        db.session.commit()
    before = roster_state(lti)
    data = {"role": "participant", "class_id": str(cid), "group_id": str(gid), "school": "城关小学", "town": ""}
    r = s.post(f"{base}/people/members/{learner}", data={"csrf_token": token, **data})
    shown_again(r, "班级：班级「一班」的人数将超过 100", data, kept=tuple(data))
    assert roster_state(lti) == before


def test_messages_and_labels_follow_an_english_page(lti: LtiHarness) -> None:
    s, base, token = host_people(lti)
    cid, gid = class_and_group(s, base, token, lti)
    url = f"{base}/people/members/{member_id(lti, 'wanglihua')}?lang=en"
    before = roster_state(lti)
    data = {"role": "observer", "class_id": str(cid), "group_id": "999", "school": "Town school", "town": "North"}
    r = s.post(url, data={"csrf_token": token, **data})
    assert r.status_code == 400 and alert(r.text) == "Study group: not a group of this workshop"
    form = form_of(r.text, 'name="school"')
    assert "Study group" in form and "Class" in form  # the labels the message names
    assert [typed(form, name) for name in ("role", "class_id", "school", "town")] == [
        "observer", str(cid), "Town school", "North"]
    r = s.post(url, data={"csrf_token": token, **data, "group_id": str(gid), "role": "king"})
    assert r.status_code == 400 and alert(r.text) == "Role: choose one of the options"
    assert roster_state(lti) == before
