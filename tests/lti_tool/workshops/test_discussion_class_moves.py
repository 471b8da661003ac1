"""Discussion threads when the host puts an author in a class or moves her to another one (QA on the
demo: a thread written before 王丽华 got a class vanished for her and her tutor).

The rule: a post stays in the bucket it was written in; on top of that, everyone reads the threads
they took part in, and a tutor reads and moderates their current learners' threads and posts. Other
participants still read only their own bucket."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ...fixtures.lti import LtiHarness, lti_harness
from .test_discussions import World, make_world, moderate, posts, reply, start_thread, thread_id_of
from .test_pages import csrf


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


@pytest.fixture
def world(lti: LtiHarness) -> World:
    return make_world(lti)


def put_in_class(w: World, login: str, class_id: int | None) -> None:
    """The host sets the member's class through the people page."""
    host = w.s("maxiaoyan")
    url = f"{w.base}/people/members/{w.members[login]}"
    token = csrf(host.get(url).text)
    r = host.post(url, data={"csrf_token": token, "role": "participant",
                             "class_id": "" if class_id is None else str(class_id)}, allow_redirects=False)
    assert r.status_code == 302, (r.status_code, r.text[:300])


def listed(w: World, login: str, tid: int, query: str = "") -> bool:
    return f'data-thread="{tid}"' in w.s(login).get(w.list_url() + query).text


def opens(w: World, login: str, tid: int) -> bool:
    status = w.s(login).get(f"{w.list_url()}/t/{tid}").status_code
    assert status in (200, 404), (login, status)
    return status == 200


def sees(w: World, login: str, tid: int) -> bool:
    """Listed and openable agree: a thread is either both or neither."""
    shown, page = listed(w, login, tid), opens(w, login, tid)
    assert shown == page, (login, tid, shown, page)
    return shown


def count(w: World, login: str) -> int:
    found = re.search(r"（(\d+)）", w.s(login).get(w.list_url()).text)
    assert found
    return int(found.group(1))


def test_thread_written_without_class_follows_author_and_her_new_tutor(world: World) -> None:
    """张秀英 posts without a class, then the host puts her in 一班: she still reads and opens her
    thread, 一班's tutor reads and moderates it, her new classmates read it (written before she had a
    class, it follows her: test_discussion_unassigned.py); other classes do not; the host finds it
    under both 未分班 and 一班."""
    w = world
    tid = thread_id_of(start_thread(w, "zhangxiuying", "未分班时的问题", "请教导入"))
    assert posts(w)[-1].class_id is None
    put_in_class(w, "zhangxiuying", w.class_a)

    assert sees(w, "zhangxiuying", tid) and count(w, "zhangxiuying") == 1
    assert sees(w, "huwenbin", tid) and count(w, "huwenbin") == 1
    assert "未分班" in w.s("huwenbin").get(w.list_url()).text  # the bucket it was written in is named
    assert sees(w, "wanglihua", tid)  # a classmate in 一班
    for login in ("lijianguo", "guomeiling"):
        assert not sees(w, login, tid), login
    assert sees(w, "maxiaoyan", tid) and sees(w, "hezhendong", tid)
    assert listed(w, "maxiaoyan", tid, "?class=0") and listed(w, "maxiaoyan", tid, f"?class={w.class_a}")
    assert not listed(w, "maxiaoyan", tid, f"?class={w.class_b}")

    # She keeps the conversation going; her tutor answers and moderates.
    assert reply(w, "zhangxiuying", tid, "补充一点").status_code == 302
    own_reply = posts(w)[-1]
    assert own_reply.class_id is None  # replies stay in the thread's bucket
    assert reply(w, "huwenbin", tid, "辅导老师答疑").status_code == 302
    tutor_reply = posts(w)[-1]
    assert moderate(w, "huwenbin", tid, "pin").status_code == 302
    assert moderate(w, "huwenbin", tutor_reply.id, "answer").status_code == 302
    assert moderate(w, "huwenbin", own_reply.id, "hide").status_code == 302
    assert "补充一点" in w.s("huwenbin").get(f"{w.list_url()}/t/{tid}").text  # greyed, still shown to him
    assert "补充一点" not in w.s("zhangxiuying").get(f"{w.list_url()}/t/{tid}").text
    by_id = {p.id: p for p in posts(w)}
    assert by_id[tid].pinned and by_id[tutor_reply.id].is_answer and by_id[own_reply.id].hidden
    # Another class's tutor neither reads nor moderates it.
    assert moderate(w, "guomeiling", tid, "close").status_code == 404
    # A hidden thread of hers stays visible to her current tutor.
    assert moderate(w, "huwenbin", tid, "hide").status_code == 302
    assert sees(w, "huwenbin", tid) and not sees(w, "zhangxiuying", tid)


def test_thread_moves_class_with_neither_old_nor_new_classmates_losing_or_gaining(world: World) -> None:
    """王丽华 moves from 一班 to 二班: her 一班 thread stays with 一班 (classmates and tutor keep it),
    she and 二班's tutor read it too, 二班's participants do not; she now reads 二班's threads."""
    w = world
    tid = thread_id_of(start_thread(w, "wanglihua", "一班时的话题", "内容"))
    assert reply(w, "huwenbin", tid, "一班老师回复").status_code == 302
    old_tutor_reply = posts(w)[-1]
    b_thread = thread_id_of(start_thread(w, "lijianguo", "二班的话题", "内容"))
    put_in_class(w, "wanglihua", w.class_b)
    put_in_class(w, "zhangxiuying", w.class_a)  # a new 一班 member reads what was written in 一班

    assert sees(w, "wanglihua", tid) and sees(w, "wanglihua", b_thread)
    assert sees(w, "huwenbin", tid) and sees(w, "zhangxiuying", tid)
    assert sees(w, "guomeiling", tid)
    assert not sees(w, "lijianguo", tid)  # another class's thread, whoever wrote it
    assert not sees(w, "huwenbin", b_thread) and not sees(w, "zhangxiuying", b_thread)
    # The new tutor moderates her learner's thread but not the old tutor's reply in it.
    assert moderate(w, "guomeiling", tid, "close").status_code == 302
    assert moderate(w, "guomeiling", old_tutor_reply.id, "hide").status_code == 403
    assert moderate(w, "huwenbin", tid, "reopen").status_code == 302  # the old one still does


def test_reply_in_another_bucket_keeps_the_thread_readable(world: World) -> None:
    """A thread she only replied to (the host's thread for participants without a class) stays
    readable to her and, once she is in 一班, to 一班's tutor; not to 一班's other participants."""
    w = world
    tid = thread_id_of(start_thread(w, "maxiaoyan", "致未分班学员", "请尽快联系坊主", class_id=""))
    assert reply(w, "zhangxiuying", tid, "收到").status_code == 302
    put_in_class(w, "zhangxiuying", w.class_a)
    assert sees(w, "zhangxiuying", tid) and sees(w, "huwenbin", tid)
    assert not sees(w, "wanglihua", tid) and not sees(w, "guomeiling", tid)
    # Her tutor moderates her reply, not the host's thread.
    assert moderate(w, "huwenbin", posts(w)[-1].id, "hide").status_code == 302
    assert moderate(w, "huwenbin", tid, "pin").status_code == 403


def test_workshop_wide_topic_moderated_by_current_tutor(lti: LtiHarness) -> None:
    """Workshop-wide: a post keeps the class it was written in; the tutor of its author's current
    class moderates it too."""
    w = make_world(lti, per_class=False)
    tid = thread_id_of(start_thread(w, "lijianguo", "全坊话题", "二班时写的"))
    assert posts(w)[-1].class_id == w.class_b
    put_in_class(w, "lijianguo", w.class_a)
    assert moderate(w, "huwenbin", tid, "hide").status_code == 302
    assert moderate(w, "guomeiling", tid, "unhide").status_code == 302
    assert sees(w, "wanglihua", tid)  # unhidden: everyone reads the workshop-wide topic again
