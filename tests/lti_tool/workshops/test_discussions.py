"""Discussion topics through real launches (workshop issue §3; xAPI issue §1): threads, replies and
quotes, per-class and workshop-wide visibility, tutor/expert answers marked, pin/close/hide by the
tutor of the class, forbidden moderation, other workshops' ids, closed topics, bad input naming the
field, user-written text rendered inert, and one statement per post however often it is sent."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import Activity, Post, Statement, WorkshopClass, WorkshopMember
from lti_tool.models.people import User
from xapi import vocab
from xapi.ids import statement_id

from ...fixtures.lti import LtiHarness, lti_harness, remove_member
from .test_pages import XSS, csrf

LINK = 'bad [link](javascript:alert(1)) and **bold**'


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


@dataclass
class World:
    lti: LtiHarness
    base: str
    aid: int
    people: dict[str, Any]  # login → driver (session holds the tool cookie)
    members: dict[str, int]  # login → workshop member id
    class_a: int
    class_b: int

    tokens: dict[str, str]

    def s(self, login: str) -> Any:
        return self.people[login].session

    def token(self, login: str) -> str:
        """The session's CSRF token (minted at launch), read once from a page with a form."""
        if login not in self.tokens:
            self.tokens[login] = csrf(self.s(login).get(self.list_url()).text)
        return self.tokens[login]

    def list_url(self, aid: int | None = None) -> str:
        return f"{self.base}/d/{aid or self.aid}"


LOGINS = ["maxiaoyan", "huwenbin", "guomeiling", "hezhendong", "wanglihua", "lijianguo", "zhangxiuying"]


def make_world(lti: LtiHarness, *, per_class: bool = True) -> World:
    """Host creates a discussion through the activity form; 一班 (tutor 胡文斌: 王丽华) and 二班
    (tutor 郭美玲: 李建国); 张秀英 has no class; 何振东 is the expert (observer)."""
    people = {login: lti.driver() for login in LOGINS}
    home = people["maxiaoyan"].launch("maxiaoyan")
    base = home.url.rstrip("/")
    host = people["maxiaoyan"].session
    token = csrf(host.get(base + "/setup").text)
    form = {"csrf_token": token, "kind": "discussion", "title": "研讨：如何导入新课 " + XSS,
            "body": "请结合课例谈谈 **导入** 的做法。", "required": "1"}
    if per_class:
        form["per_class"] = "1"
    else:
        form["per_class"] = "0"
    assert host.post(base + "/activities", data=form).status_code == 200
    for login in LOGINS[1:]:
        assert people[login].launch(login).status_code == 200
    with lti.tool_app.app_context():
        wid = int(base.rsplit("/", 1)[1])
        members = {
            login: db.session.scalars(
                select(WorkshopMember.id).join(User, User.id == WorkshopMember.user_id)
                .where(WorkshopMember.workshop_id == wid, User.name == name)).one()
            for login, name in NAMES.items()
        }
        a = WorkshopClass(workshop_id=wid, name="一班", tutor_member_id=members["huwenbin"])
        b = WorkshopClass(workshop_id=wid, name="二班", tutor_member_id=members["guomeiling"])
        db.session.add_all([a, b])
        db.session.flush()
        db.session.get(WorkshopMember, members["wanglihua"]).class_id = a.id
        db.session.get(WorkshopMember, members["lijianguo"]).class_id = b.id
        activity = db.session.scalars(select(Activity).where(Activity.kind == "discussion")).one()
        assert activity.per_class is per_class
        db.session.commit()
        return World(lti, base, activity.id, people, members, a.id, b.id, {})


NAMES = {"maxiaoyan": "马晓燕", "huwenbin": "胡文斌", "guomeiling": "郭美玲", "hezhendong": "何振东",
         "wanglihua": "王丽华", "lijianguo": "李建国", "zhangxiuying": "张秀英"}


@pytest.fixture
def world(lti: LtiHarness) -> World:
    return make_world(lti)


def form_key(html: str) -> str:
    found = re.search(r'name="form_key" value="([^"]+)"', html)
    assert found, "no form key on the page"
    return found.group(1)


def start_thread(w: World, login: str, title: str, body: str, *, aid: int | None = None,
                 **extra: str) -> Any:
    s = w.s(login)
    page = s.get(w.list_url(aid))
    assert page.status_code == 200, page.text[:300]
    data = {"csrf_token": csrf(page.text), "form_key": form_key(page.text), "title": title, "body": body, **extra}
    return s.post(w.list_url(aid) + "/threads", data=data, allow_redirects=False)


def thread_id_of(response: Any) -> int:
    assert response.status_code == 302, (response.status_code, response.text[:500])
    found = re.search(r"/t/(\d+)", response.headers["Location"])
    assert found
    return int(found.group(1))


def reply(w: World, login: str, tid: int, body: str, *, quote: int | None = None, aid: int | None = None,
          key: str | None = None) -> Any:
    s = w.s(login)
    url = f"{w.list_url(aid)}/t/{tid}"
    page = s.get(url)
    assert page.status_code == 200, page.text[:300]
    if key is None:  # a closed thread shows no form: post as a stale page would
        key = form_key(page.text) if 'name="form_key"' in page.text else str(uuid.uuid4())
    data = {"csrf_token": w.token(login), "form_key": key, "body": body}
    if quote is not None:
        data["quote_id"] = str(quote)
    return s.post(url + "/replies", data=data, allow_redirects=False)


def moderate(w: World, login: str, pid: int, action: str, aid: int | None = None) -> Any:
    s = w.s(login)
    token = w.token(login)
    return s.post(f"{w.list_url(aid)}/p/{pid}/moderate", data={"csrf_token": token, "action": action},
                  allow_redirects=False)


def posts(w: World) -> list[Post]:
    with w.lti.tool_app.app_context():
        found = db.session.scalars(select(Post).order_by(Post.id)).all()
        db.session.expunge_all()
        return list(found)


def test_threads_replies_quotes_and_per_class_visibility(world: World) -> None:
    """Each class reads only its own threads; a participant without a class reads the bucket
    without a class; tutors read their classes; the host team and the expert read all (with a class
    filter); quotes show the quoted post's excerpt inline."""
    w = world
    tid = thread_id_of(start_thread(w, "wanglihua", "一班的问题 " + XSS, "我的看法：" + XSS + LINK))
    lone = thread_id_of(start_thread(w, "zhangxiuying", "未分班的问题", "大家好"))
    first = posts(w)
    assert [(p.class_id, p.author_id) for p in first] == [
        (w.class_a, w.members["wanglihua"]), (None, w.members["zhangxiuying"])]

    def sees(login: str, thread: int, url_suffix: str = "") -> bool:
        listing = w.s(login).get(w.list_url() + url_suffix).text
        page = w.s(login).get(f"{w.list_url()}/t/{thread}")
        listed = f'data-thread="{thread}"' in listing
        assert listed == (page.status_code == 200), (login, thread)
        if not listed:
            assert page.status_code == 404
        return listed

    assert sees("wanglihua", tid) and not sees("wanglihua", lone)
    assert not sees("lijianguo", tid) and not sees("lijianguo", lone)
    assert sees("zhangxiuying", lone) and not sees("zhangxiuying", tid)
    assert sees("huwenbin", tid) and not sees("huwenbin", lone)
    assert not sees("guomeiling", tid)
    for login in ("maxiaoyan", "hezhendong"):
        assert sees(login, tid) and sees(login, lone)
    host = w.s("maxiaoyan")
    only_a = host.get(w.list_url() + f"?class={w.class_a}").text
    assert f'data-thread="{tid}"' in only_a and f'data-thread="{lone}"' not in only_a
    no_class = host.get(w.list_url() + "?class=0").text
    assert f'data-thread="{lone}"' in no_class and f'data-thread="{tid}"' not in no_class
    # A tutor may filter only within their classes.
    assert w.s("huwenbin").get(w.list_url() + f"?class={w.class_b}").status_code == 400

    r = reply(w, "huwenbin", tid, "老师的回复：先设问 " + XSS, quote=tid)
    assert r.status_code == 302 and "#p" in r.headers["Location"]
    tutor_reply = posts(w)[-1]
    assert (tutor_reply.parent_id, tutor_reply.quote_id, tutor_reply.class_id) == (tid, tid, w.class_a)
    # The expert reads every class and can answer in it; the reply lands in the thread's bucket.
    assert reply(w, "hezhendong", tid, "专家补充", quote=tutor_reply.id).status_code == 302
    assert posts(w)[-1].class_id == w.class_a
    page = w.s("wanglihua").get(f"{w.list_url()}/t/{tid}").text
    assert "老师的回复" in page and "专家补充" in page
    assert re.search(r'class="quote">\s*<span class="muted">王丽华：</span>我的看法：', page)
    assert re.search(r'class="quote">\s*<span class="muted">胡文斌：</span>老师的回复', page)
    # Inert: no live tag or javascript: link from any user-written field (titles, bodies, quotes).
    for html in (page, w.s("wanglihua").get(w.list_url()).text, w.s("maxiaoyan").get(w.list_url()).text):
        assert "<script>alert" not in html and "<img src=x" not in html and 'href="javascript:' not in html
        assert "&lt;script&gt;" in html
    assert "<strong>bold</strong>" in page  # safe Markdown kept
    # Quoting a post from another thread, or a made-up id, is refused saying why.
    other = thread_id_of(start_thread(w, "wanglihua", "另一个话题", "内容"))
    r = reply(w, "wanglihua", other, "引用别处", quote=tutor_reply.id)
    assert r.status_code == 400 and "只能引用本话题中的帖子" in r.text and "引用别处" in r.text  # draft kept
    assert reply(w, "wanglihua", other, "x", quote=999999).status_code == 400
    # The quote link pre-fills the reply form (no JavaScript needed).
    q = w.s("wanglihua").get(f"{w.list_url()}/t/{tid}?quote={tutor_reply.id}").text
    assert f'name="quote_id" value="{tutor_reply.id}"' in q


def test_participant_without_class_is_in_workshop_wide_bucket(world: World) -> None:
    """A host thread posted to 'no class' is read by participants without a class only."""
    w = world
    tid = thread_id_of(start_thread(w, "maxiaoyan", "致未分班学员", "请尽快联系坊主", class_id=""))
    assert posts(w)[-1].class_id is None
    assert w.s("zhangxiuying").get(f"{w.list_url()}/t/{tid}").status_code == 200
    assert w.s("wanglihua").get(f"{w.list_url()}/t/{tid}").status_code == 404
    # Tutors post into their own class only.
    assert start_thread(w, "huwenbin", "一班通知", "x", class_id=str(w.class_b)).status_code == 400
    tid2 = thread_id_of(start_thread(w, "huwenbin", "一班通知", "请按时完成"))
    assert posts(w)[-1].class_id == w.class_a
    assert w.s("wanglihua").get(f"{w.list_url()}/t/{tid2}").status_code == 200


def test_moderation_by_tutor_answer_pin_close_hide(world: World) -> None:
    """The tutor of the class pins, closes, hides and marks answers; hidden posts stay stored,
    greyed for moderators and invisible to others; a closed thread refuses replies."""
    w = world
    old = thread_id_of(start_thread(w, "wanglihua", "早的话题", "一"))
    tid = thread_id_of(start_thread(w, "wanglihua", "晚的话题", "二"))
    other_class = w.s("lijianguo")
    assert other_class.get(f"{w.list_url()}/t/{tid}").status_code == 404  # another class
    r = other_class.post(f"{w.list_url()}/t/{tid}/replies", data={
        "csrf_token": w.token("lijianguo"), "form_key": str(uuid.uuid4()), "body": "x"})
    assert r.status_code == 404
    assert reply(w, "wanglihua", tid, "学员的回复").status_code == 302
    learner_reply = posts(w)[-1]
    assert reply(w, "huwenbin", tid, "辅导老师答疑：这样做").status_code == 302
    tutor_reply = posts(w)[-1]

    listing = w.s("wanglihua").get(w.list_url()).text
    assert listing.index(f'data-thread="{tid}"') < listing.index(f'data-thread="{old}"')  # newest first
    # Participants may not moderate anything (403), nor mark answers.
    for action in ("pin", "close", "hide", "answer"):
        assert moderate(w, "wanglihua", old if action != "answer" else tutor_reply.id, action).status_code == 403
    # The other class's tutor cannot even see the thread.
    assert moderate(w, "guomeiling", old, "pin").status_code == 404

    assert moderate(w, "huwenbin", old, "pin").status_code == 302
    listing = w.s("wanglihua").get(w.list_url()).text
    assert listing.index(f'data-thread="{old}"') < listing.index(f'data-thread="{tid}"')  # pinned first
    assert "置顶" in listing

    assert moderate(w, "huwenbin", learner_reply.id, "answer").status_code == 400  # not a tutor's post
    assert moderate(w, "huwenbin", tutor_reply.id, "answer").status_code == 302
    page = w.s("wanglihua").get(f"{w.list_url()}/t/{tid}").text
    assert re.search(rf'id="p{tutor_reply.id}" class="card post is-answer"', page)
    assert '<span class="tag answer">答疑</span>' in page
    assert "有答疑" in w.s("wanglihua").get(w.list_url()).text

    assert moderate(w, "huwenbin", learner_reply.id, "hide").status_code == 302
    assert "学员的回复" not in w.s("wanglihua").get(f"{w.list_url()}/t/{tid}").text
    assert "学员的回复" not in w.s("hezhendong").get(f"{w.list_url()}/t/{tid}").text
    for login in ("huwenbin", "maxiaoyan"):
        page = w.s(login).get(f"{w.list_url()}/t/{tid}").text
        assert "学员的回复" in page and re.search(rf'id="p{learner_reply.id}" class="card post is-hidden', page)
        assert "已隐藏" in page
    assert next(p for p in posts(w) if p.id == learner_reply.id).hidden  # stored, not deleted
    # A hidden thread disappears for participants (404) but not for its tutor.
    assert moderate(w, "huwenbin", old, "hide").status_code == 302
    assert w.s("wanglihua").get(f"{w.list_url()}/t/{old}").status_code == 404
    assert w.s("huwenbin").get(f"{w.list_url()}/t/{old}").status_code == 200
    assert moderate(w, "maxiaoyan", old, "unhide").status_code == 302
    assert w.s("wanglihua").get(f"{w.list_url()}/t/{old}").status_code == 200

    assert moderate(w, "huwenbin", learner_reply.id, "close").status_code == 400  # replies can't be closed
    assert moderate(w, "huwenbin", tid, "close").status_code == 302
    before = len(posts(w))
    r = reply(w, "wanglihua", tid, "还想说")
    assert r.status_code == 409 and "关闭" in r.text
    assert len(posts(w)) == before
    assert "已关闭" in w.s("wanglihua").get(f"{w.list_url()}/t/{tid}").text
    assert moderate(w, "huwenbin", tid, "reopen").status_code == 302
    assert reply(w, "wanglihua", tid, "还想说").status_code == 302
    assert moderate(w, "huwenbin", tid, "dance").status_code == 400


def test_expert_marks_only_own_posts(world: World) -> None:
    """学科专家 answer in any class and mark their own posts as answers, nothing else."""
    w = world
    tid = thread_id_of(start_thread(w, "lijianguo", "二班的问题", "请教"))
    assert reply(w, "hezhendong", tid, "专家答复").status_code == 302
    expert_post = posts(w)[-1]
    assert reply(w, "guomeiling", tid, "老师答复").status_code == 302
    tutor_post = posts(w)[-1]
    assert moderate(w, "hezhendong", tutor_post.id, "answer").status_code == 403
    assert moderate(w, "hezhendong", tid, "hide").status_code == 403
    assert moderate(w, "hezhendong", tid, "pin").status_code == 403
    assert moderate(w, "hezhendong", expert_post.id, "answer").status_code == 302
    marked = {p.id: p.is_answer for p in posts(w)}
    assert marked[expert_post.id] and not marked[tutor_post.id]
    assert moderate(w, "hezhendong", expert_post.id, "unanswer").status_code == 302
    assert not {p.id: p.is_answer for p in posts(w)}[expert_post.id]


def test_workshop_wide_topic(lti: LtiHarness) -> None:
    """Workshop-wide: everyone reads every thread; the tutor of the author's class moderates."""
    w = make_world(lti, per_class=False)
    tid = thread_id_of(start_thread(w, "wanglihua", "全坊话题", "大家来谈"))
    for login in LOGINS:
        assert w.s(login).get(f"{w.list_url()}/t/{tid}").status_code == 200, login
    assert reply(w, "lijianguo", tid, "二班来回复").status_code == 302
    assert posts(w)[-1].class_id == w.class_b
    assert moderate(w, "guomeiling", tid, "hide").status_code == 403  # not her class's post
    assert moderate(w, "huwenbin", tid, "pin").status_code == 302
    assert 'name="class"' not in w.s("maxiaoyan").get(w.list_url()).text  # no class filter


def test_closed_topic_refuses_posts(world: World) -> None:
    """A topic the host closes takes no new thread or reply (409); participants cannot close it."""
    w = world
    tid = thread_id_of(start_thread(w, "wanglihua", "关闭前", "内容"))
    learner = w.s("wanglihua")
    token = w.token("wanglihua")
    assert learner.post(w.list_url() + "/state", data={"csrf_token": token, "action": "close"}).status_code == 403
    host = w.s("maxiaoyan")
    host_token = csrf(host.get(w.list_url()).text)
    assert host.post(w.list_url() + "/state", data={"csrf_token": host_token, "action": "nap"}).status_code == 400
    assert host.post(w.list_url() + "/state", data={"csrf_token": host_token, "action": "close"},
                     allow_redirects=False).status_code == 302
    before = len(posts(w))
    page = learner.get(w.list_url()).text
    assert "本讨论已关闭" in page and 'name="form_key"' not in page
    r = learner.post(w.list_url() + "/threads", data={"csrf_token": token, "form_key": str(uuid.uuid4()),
                                                       "title": "t", "body": "b"})
    assert r.status_code == 409
    assert reply(w, "wanglihua", tid, "回复").status_code == 409
    assert len(posts(w)) == before


def test_bad_input_names_the_field(world: World) -> None:
    """Empty or enormous titles and bodies, a missing form key, bad pages and filters: 400 naming
    the field by its label in the page's language, nothing stored."""
    w = world
    cases = [
        ({"title": "", "body": "内容"}, "标题不能为空"),
        ({"title": "   ", "body": "内容"}, "标题不能为空"),
        ({"title": "x" * 201, "body": "内容"}, "标题最多 200 字"),
        ({"title": "标题", "body": " \n\t "}, "内容不能为空"),
        ({"title": "标题", "body": "长" * 10_001}, "内容最多 10000 字"),
    ]
    for fields, shown in cases:
        r = start_thread(w, "wanglihua", fields["title"], fields["body"])
        assert r.status_code == 400 and shown in r.text, (shown, r.status_code)
    assert start_thread(w, "wanglihua", "x" * 200, "长" * 10_000).status_code == 302  # limits inclusive
    tid = posts(w)[-1].id
    s = w.s("wanglihua")
    token = csrf(s.get(w.list_url()).text)
    r = s.post(w.list_url() + "/threads", data={"csrf_token": token, "title": "t", "body": "b"})
    assert r.status_code == 400 and "表单已失效，请刷新页面" in r.text
    r = s.post(w.list_url() + "/threads", data={"title": "t", "body": "b", "form_key": str(uuid.uuid4())})
    assert r.status_code == 400  # no CSRF token
    assert reply(w, "wanglihua", tid, "").status_code == 400
    r = reply(w, "wanglihua", tid, "长" * 10_001)
    assert r.status_code == 400 and "内容最多 10000 字" in r.text and "body:" not in r.text  # the page's language only
    r = reply(w, "wanglihua", tid, "x", key="not-a-uuid")
    assert r.status_code == 400 and "表单已失效" in r.text
    assert len(posts(w)) == 1
    for query, name in (("?page=0", "page"), ("?page=abc", "page"), ("?page=²", "page"), ("?class=abc", "class"),
                        ("?class=²", "class")):
        r = w.s("maxiaoyan").get(w.list_url() + query)
        assert r.status_code == 400 and name in r.text, query
    assert w.s("maxiaoyan").get(f"{w.list_url()}/t/{tid}?page=-1").status_code == 400
    huge = "9" * 30  # past any id column: not found, never a server error
    for path in (f"/d/{huge}", f"/d/{w.aid}/t/{huge}", f"/d/{w.aid}/p/{huge}/edit"):
        assert s.get(w.base + path).status_code == 404, path
    r = s.post(f"{w.list_url()}/t/{tid}/replies", data={"csrf_token": w.token("wanglihua"),
                                                         "form_key": str(uuid.uuid4()), "body": "x", "quote_id": "²"})
    assert r.status_code == 400 and "quote_id" in r.text
    assert s.get(f"{w.list_url()}/t/{tid}?quote=²").status_code == 200  # a bad pre-fill is just ignored
    # A participant cannot pick a bucket: the field is ignored, the post goes to their class.
    thread_id_of(start_thread(w, "wanglihua", "换班？", "x", class_id=str(w.class_b)))
    assert posts(w)[-1].class_id == w.class_a


def test_other_workshops_ids_are_404(world: World) -> None:
    """Ids from another workshop (or of a non-discussion activity) are 404 on every route, for the
    host who belongs to both workshops too; a non-member of that workshop gets 404."""
    w = world
    w.lti.state.add_resource_link("second-ws", "第二个工作坊")
    host = w.people["maxiaoyan"]
    home2 = host.launch("maxiaoyan", resource_link="second-ws")
    base2 = home2.url.rstrip("/")
    assert base2 != w.base
    token = csrf(host.session.get(base2 + "/setup").text)
    host.session.post(base2 + "/activities", data={"csrf_token": token, "kind": "discussion", "title": "别处讨论"})
    with w.lti.tool_app.app_context():
        other_aid = db.session.scalars(select(Activity.id).where(Activity.title == "别处讨论")).one()
    w2 = World(w.lti, base2, other_aid, w.people, w.members, w.class_a, w.class_b, w.tokens)
    other_tid = thread_id_of(start_thread(w2, "maxiaoyan", "别处的话题", "x"))
    host.launch("maxiaoyan")  # back into the first workshop
    mine = thread_id_of(start_thread(w, "wanglihua", "本坊话题", "x"))
    s = host.session
    token = csrf(s.get(w.list_url()).text)
    assert s.get(f"{w.base}/d/{other_aid}").status_code == 404
    assert s.get(f"{w.list_url()}/t/{other_tid}").status_code == 404
    assert s.get(f"{w.base}/d/{other_aid}/t/{mine}").status_code == 404
    assert s.post(f"{w.list_url()}/t/{other_tid}/replies",
                  data={"csrf_token": token, "form_key": str(uuid.uuid4()), "body": "x"}).status_code == 404
    assert s.post(f"{w.list_url()}/p/{other_tid}/moderate",
                  data={"csrf_token": token, "action": "hide"}).status_code == 404
    assert s.post(f"{w.base}/d/{other_aid}/threads", data={"csrf_token": token, "form_key": str(uuid.uuid4()),
                                                          "title": "t", "body": "b"}).status_code == 404
    # A reply id is not a thread id.
    assert reply(w, "wanglihua", mine, "回复").status_code == 302
    assert s.get(f"{w.list_url()}/t/{posts(w)[-1].id}").status_code == 404
    learner = w.s("wanglihua")
    remove_member(w.lti, int(base2.rsplit("/", 1)[1]), "wanglihua")
    assert learner.get(f"{base2}/d/{other_aid}").status_code == 404  # not a member there
    assert learner.get(f"{base2}/d/{other_aid}/t/{other_tid}").status_code == 404
    with w.lti.tool_app.app_context():
        reading = Activity(workshop_id=int(w.base.rsplit("/", 1)[1]), kind="reading", title="读物")
        db.session.add(reading)
        db.session.commit()
        reading_id = reading.id
    assert learner.get(f"{w.base}/d/{reading_id}").status_code == 404
    # The generic activity URL leads to the discussion page.
    r = learner.get(f"{w.base}/a/{w.aid}", allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/d/{w.aid}")
    assert learner.get(f"{w.base.rsplit('/', 1)[0]}/999/d/{w.aid}").status_code == 404  # no such workshop
    assert w.lti.driver().session.get(w.list_url()).status_code == 401


def test_xapi_statements_once_per_post(world: World) -> None:
    """A new thread records 'posted', a reply 'replied' (parent: the thread), with deterministic ids
    from the post and its form key; a double submit creates one post and one statement."""
    w = world
    s = w.s("wanglihua")
    page = s.get(w.list_url()).text
    data = {"csrf_token": csrf(page), "form_key": form_key(page), "title": "双击测试", "body": "内容"}
    first = s.post(w.list_url() + "/threads", data=data, allow_redirects=False)
    second = s.post(w.list_url() + "/threads", data=data, allow_redirects=False)
    tid = thread_id_of(first)
    assert thread_id_of(second) == tid
    key = str(uuid.uuid4())
    assert reply(w, "huwenbin", tid, "回复一次", key=key).status_code == 302
    assert reply(w, "huwenbin", tid, "回复一次", key=key).status_code == 302
    all_posts = posts(w)
    assert len(all_posts) == 2
    thread, answer = all_posts
    with w.lti.tool_app.app_context():
        rows = db.session.scalars(select(Statement).where(
            Statement.verb_id.in_([vocab.POSTED, vocab.REPLIED])).order_by(Statement.seq)).all()
        assert [r.verb_id for r in rows] == [vocab.POSTED, vocab.REPLIED]
        posted, replied = (json.loads(r.body) for r in rows)
    tool = w.lti.tool_url
    posted_key = f"discussion.posted:{w.members['wanglihua']}:{thread.id}:{data['form_key']}"
    assert posted["id"] == statement_id(tool, posted_key)
    assert replied["id"] == statement_id(tool, f"discussion.replied:{w.members['huwenbin']}:{answer.id}:{key}")
    assert posted["object"]["id"] == f"{tool}/xapi/activities/post/{thread.id}"
    assert posted["object"]["definition"]["type"] == vocab.FORUM_TOPIC
    assert posted["object"]["definition"]["name"]["zh-CN"] == "双击测试"
    assert posted["context"]["contextActivities"]["parent"][0]["id"] == f"{tool}/xapi/activities/discussion/{w.aid}"
    assert replied["object"]["definition"]["type"] == vocab.FORUM_REPLY
    assert replied["context"]["contextActivities"]["parent"][0]["id"] == f"{tool}/xapi/activities/post/{thread.id}"
    grouping = [a["id"] for a in posted["context"]["contextActivities"]["grouping"]]
    assert f"{tool}/xapi/activities/class/{w.class_a}" in grouping


def test_paging_and_newest_activity_order(world: World) -> None:
    """20 threads a page, pinned first then by newest visible activity; replies oldest first, paged."""
    w = world
    with w.lti.tool_app.app_context():
        start = datetime(2026, 9, 1, tzinfo=UTC)
        threads = [Post(activity_id=w.aid, class_id=w.class_a, author_id=w.members["wanglihua"], title=f"话题{i:02d}",
                        body="x", created_at=start + timedelta(hours=i)) for i in range(25)]
        db.session.add_all(threads)
        db.session.flush()
        # An old thread bumped by a new reply comes first; a hidden reply bumps nothing.
        db.session.add(Post(activity_id=w.aid, class_id=w.class_a, author_id=w.members["huwenbin"],
                            parent_id=threads[0].id, body="新回复", created_at=start + timedelta(days=5)))
        db.session.add(Post(activity_id=w.aid, class_id=w.class_a, author_id=w.members["huwenbin"],
                            parent_id=threads[1].id, body="隐藏回复", hidden=True,
                            created_at=start + timedelta(days=6)))
        replies = [Post(activity_id=w.aid, class_id=w.class_a, author_id=w.members["wanglihua"],
                        parent_id=threads[2].id, body=f"第{i:02d}楼", created_at=start + timedelta(days=1, minutes=i))
                   for i in range(23)]
        db.session.add_all(replies)
        threads[3].pinned = True
        db.session.commit()
        ids = [t.id for t in threads]
    s = w.s("wanglihua")
    page1 = s.get(w.list_url()).text
    order = [int(x) for x in re.findall(r'data-thread="(\d+)"', page1)]
    assert len(order) == 20
    assert order[:3] == [ids[3], ids[0], ids[2]]
    assert order[3:6] == [ids[24], ids[23], ids[22]]
    page2 = [int(x) for x in re.findall(r'data-thread="(\d+)"', s.get(w.list_url() + "?page=2").text)]
    assert len(page2) == 5 and ids[1] == page2[-1] and not set(page2) & set(order)
    assert 'rel="next"' in page1

    def row(html: str, thread: int) -> str:
        found = re.search(rf'data-thread="{thread}">(.*?)</li>', html, re.S)
        assert found
        return found.group(1)

    # Reply counts and last activity (China time) as this viewer sees them.
    assert "回复 1 · 2026-09-06 08:00" in row(page1, ids[0])
    assert "回复 0 · 2026-09-01 09:00" in row(s.get(w.list_url() + "?page=2").text, ids[1])
    tutor_page2 = w.s("huwenbin").get(w.list_url() + "?page=2").text
    assert "回复 1 · 2026-09-01 09:00" in row(tutor_page2, ids[1])  # hidden reply counted, bumps nothing
    thread_page = s.get(f"{w.list_url()}/t/{ids[2]}").text
    floors = re.findall(r"第(\d\d)楼", thread_page)
    assert floors == [f"{i:02d}" for i in range(20)]
    second = s.get(f"{w.list_url()}/t/{ids[2]}?page=2").text
    assert re.findall(r"第(\d\d)楼", second) == ["20", "21", "22"]
    # Hidden replies are neither counted nor shown to participants.
    with w.lti.tool_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Post).where(Post.parent_id == ids[1])) == 1
    assert "隐藏回复" not in s.get(f"{w.list_url()}/t/{ids[1]}").text


def test_parallel_double_submit_and_reused_form_key(world: World) -> None:
    """Four simultaneous sends of one form make one post and one statement (the unique form key
    decides the race); a form key already used for another thread is refused, naming form_key."""
    w = world
    s = w.s("wanglihua")
    page = s.get(w.list_url()).text
    data = {"csrf_token": csrf(page), "form_key": form_key(page), "title": "并发", "body": "同一次点击"}
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: s.post(w.list_url() + "/threads", data=data, allow_redirects=False),
                                range(4)))
    assert {thread_id_of(r) for r in answers} == {posts(w)[0].id}
    assert len(posts(w)) == 1
    with w.lti.tool_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Statement)
                                 .where(Statement.verb_id == vocab.POSTED)) == 1
    tid = posts(w)[0].id
    r = reply(w, "wanglihua", tid, "用旧表单回复", key=data["form_key"])
    assert r.status_code == 400 and "form_key" in r.text
    assert len(posts(w)) == 1


def test_author_edits_own_post_for_30_minutes(world: World) -> None:
    """Authors edit their own post (title and body, same limits) within 30 minutes; nobody else
    edits it (403); later the edit is refused (409)."""
    w = world
    tid = thread_id_of(start_thread(w, "wanglihua", "原标题", "原内容"))
    assert reply(w, "wanglihua", tid, "原回复").status_code == 302
    reply_id = posts(w)[-1].id
    s = w.s("wanglihua")
    url = f"{w.list_url()}/p/{tid}/edit"
    form = s.get(url)
    assert form.status_code == 200 and "原内容" in form.text
    token = w.token("wanglihua")
    r = s.post(url, data={"csrf_token": token, "title": "", "body": "新内容"})
    assert r.status_code == 400 and "标题不能为空" in r.text and "must not be empty" not in r.text
    r = s.post(url, data={"csrf_token": token, "title": "新标题 " + XSS, "body": "新内容 " + XSS},
               allow_redirects=False)
    assert r.status_code == 302
    r = s.post(f"{w.list_url()}/p/{reply_id}/edit", data={"csrf_token": token, "body": "长" * 10_001})
    assert r.status_code == 400 and "内容最多 10000 字" in r.text
    page = s.get(f"{w.list_url()}/t/{tid}").text
    assert "新标题" in page and "新内容" in page and "（已编辑）" in page and "原内容" not in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    edited = {p.id: p for p in posts(w)}
    assert edited[tid].edited_at is not None and edited[reply_id].edited_at is None
    # Another person, even the class's tutor, may not edit it.
    tutor = w.s("huwenbin")
    assert tutor.get(url).status_code == 403
    assert tutor.post(url, data={"csrf_token": w.token("huwenbin"), "title": "x", "body": "y"}).status_code == 403
    assert w.s("lijianguo").get(url).status_code == 404  # cannot even see it
    with w.lti.tool_app.app_context():
        db.session.get(Post, reply_id).created_at = datetime.now(UTC) - timedelta(minutes=31)
        db.session.commit()
    r = s.post(f"{w.list_url()}/p/{reply_id}/edit", data={"csrf_token": token, "body": "太晚了"})
    assert r.status_code == 409
    assert "原回复" in s.get(f"{w.list_url()}/t/{tid}").text
