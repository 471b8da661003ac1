"""Per-class discussions (seed 004 方案4) when teachers post before the host assigns classes (QA: 王丽华's
thread written without a class vanished for her new classmates; they got 404).

The rule: a thread written without a class (bucket NULL) is read in its author's current class too,
by her classmates and their tutor, who can open it and reply; participants still without a class keep
reading it; other classes do not. A thread written inside a class keeps its class."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ...fixtures.lti import LtiHarness, lti_harness
from .test_discussion_class_moves import count, listed, opens, put_in_class, sees
from .test_discussions import World, make_world, posts, reply, start_thread, thread_id_of


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


@pytest.fixture
def world(lti: LtiHarness) -> World:
    return make_world(lti)


def test_thread_written_without_class_is_read_by_her_new_class(world: World) -> None:
    """张秀英 posts without a class, then joins 一班: her classmate 王丽华 and 一班's tutor list it,
    open it and reply; 二班 (李建国, 郭美玲) neither lists nor opens it."""
    w = world
    tid = thread_id_of(start_thread(w, "zhangxiuying", "未分班时的问题", "请教导入"))
    assert posts(w)[-1].class_id is None
    put_in_class(w, "zhangxiuying", w.class_a)

    assert sees(w, "wanglihua", tid) and count(w, "wanglihua") == 1
    assert sees(w, "huwenbin", tid) and count(w, "huwenbin") == 1
    assert reply(w, "wanglihua", tid, "同班同学的回复").status_code == 302
    assert reply(w, "huwenbin", tid, "辅导老师的回复").status_code == 302
    page = w.s("wanglihua").get(f"{w.list_url()}/t/{tid}").text
    assert "同班同学的回复" in page and "辅导老师的回复" in page
    for login in ("lijianguo", "guomeiling"):
        assert not listed(w, login, tid) and not opens(w, login, tid), login
        assert count(w, login) == 0, login
    data = {"csrf_token": w.token("lijianguo"), "form_key": str(uuid.uuid4()), "body": "别班"}
    assert w.s("lijianguo").post(f"{w.list_url()}/t/{tid}/replies", data=data).status_code == 404


def test_thread_follows_its_author_to_her_current_class(world: World) -> None:
    """Two participants without a class read each other's threads (unchanged); once 张秀英 is put in
    二班 her thread is read by 二班 and still by 王丽华, who has no class yet; moved on to 一班, it is
    read by 一班, and 二班 keeps it only where someone took part in it."""
    w = world
    put_in_class(w, "wanglihua", None)
    tid = thread_id_of(start_thread(w, "zhangxiuying", "先来的问题", "内容"))
    assert sees(w, "wanglihua", tid)

    put_in_class(w, "zhangxiuying", w.class_b)
    assert sees(w, "lijianguo", tid) and sees(w, "guomeiling", tid)
    assert sees(w, "wanglihua", tid)  # still without a class: the NULL bucket keeps it
    assert not sees(w, "huwenbin", tid)

    assert reply(w, "lijianguo", tid, "二班同学回复").status_code == 302
    put_in_class(w, "wanglihua", w.class_a)
    put_in_class(w, "zhangxiuying", w.class_a)
    assert sees(w, "wanglihua", tid) and sees(w, "huwenbin", tid)
    assert sees(w, "lijianguo", tid)  # he replied in it
    assert sees(w, "guomeiling", tid)  # her learner 李建国 replied in it


def test_thread_written_in_a_class_keeps_its_class(world: World) -> None:
    """Only threads written without a class follow their author: 李建国's 二班 thread stays with 二班
    when he moves to 一班 (一班's classmates do not read it), while 张秀英's thread written without a
    class joins 一班 with her."""
    w = world
    in_b = thread_id_of(start_thread(w, "lijianguo", "二班时的话题", "内容"))
    unassigned = thread_id_of(start_thread(w, "zhangxiuying", "未分班时的话题", "内容"))
    put_in_class(w, "lijianguo", w.class_a)
    put_in_class(w, "zhangxiuying", w.class_a)

    assert sees(w, "wanglihua", unassigned)
    assert not sees(w, "wanglihua", in_b)
    assert sees(w, "huwenbin", in_b) and sees(w, "guomeiling", in_b) and sees(w, "lijianguo", in_b)
    assert not sees(w, "guomeiling", unassigned)
    assert count(w, "wanglihua") == 1
