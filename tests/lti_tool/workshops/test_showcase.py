"""优秀作业 through real launches (dashboards issue §2 "the excellent assignments on show"; xAPI issue
§1 `discussion.commented`): recommended work is visible to the whole workshop without its score,
comments are inert Markdown and one statement each, a double submit stores one, removal is for the
author and staff only, and withdrawn or other workshops' work is a 404."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Statement, SubmissionComment, User
from xapi import vocab

from ...fixtures.lti import LtiHarness, lti_harness
from .test_assignments import XSS, Space, make_space
from .test_tutor_queue import grade, submitted


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def recommended(space: Space, who: str = "wanglihua", text: str = "我的**单元设计**") -> int:
    sid = submitted(space, who, text)
    tutor = "guomeiling" if who == "zhouting" else "huwenbin"
    assert grade(space, tutor, sid, action="score", score="93.75", comment="秘密评语").status_code == 200
    assert grade(space, tutor, sid, action="excellent").status_code == 200
    return sid


def with_token(space: Space, who: str, sid: int) -> None:
    """Observers and other classes' tutors have no assignment form: take the token from this page."""
    if who not in space.tokens:
        found = re.search(r'name="csrf_token" value="([^"]+)"', space.get(who, f"/excellent/{sid}").text)
        assert found, who
        space.tokens[who] = found.group(1)


def comment(space: Space, who: str, sid: int, body: str, key: str | None = None) -> Any:
    with_token(space, who, sid)
    return space.post(who, f"/excellent/{sid}/comments", {"body": body, "form_key": key or str(uuid.uuid4())})


def comment_statements() -> list[dict[str, Any]]:
    rows = db.session.scalars(select(Statement).where(Statement.verb_id == vocab.COMMENTED)).all()
    return [json.loads(r.body) for r in rows]


def test_recommended_work_is_shown_to_the_workshop_without_its_score(lti: LtiHarness) -> None:
    space = make_space(lti)
    sid = recommended(space)
    submitted(space, "lijianguo", "未推优的作业")  # not recommended: never listed
    # 周婷 is in another class: she sees the work and may open its file, but not score or tutor comment.
    listing = space.get("zhouting", "/excellent")
    assert listing.status_code == 200 and f'data-submission="{sid}"' in listing.text
    assert "王丽华" in listing.text and "未推优的作业" not in listing.text and 'id="total">共 1 份' in listing.text
    item = space.get("zhouting", f"/excellent/{sid}")
    assert item.status_code == 200 and "<strong>单元设计</strong>" in item.text
    assert "93.75" not in item.text and "秘密评语" not in item.text
    assert space.get("zhouting", f"/submissions/{sid}/v/1/file").status_code == 200
    # Every role of the workshop reaches the showcase; the nav offers it.
    for who in ("maxiaoyan", "huwenbin", "hezhendong", "lijianguo"):
        assert space.get(who, f"/excellent/{sid}").status_code == 200, who
    assert f'href="/w/{space.workshop_id}/excellent"' in space.get("zhouting", "/").text
    # Withdrawn: gone from the list and a 404, its file closed again to others.
    assert grade(space, "huwenbin", sid, action="excellent").status_code == 200
    assert f'data-submission="{sid}"' not in space.get("zhouting", "/excellent").text
    assert space.get("zhouting", f"/excellent/{sid}").status_code == 404
    assert space.get("zhouting", f"/submissions/{sid}/v/1/file").status_code == 404


def test_a_comment_is_inert_markdown_and_one_commented_statement(lti: LtiHarness) -> None:
    space = make_space(lti)
    sid = recommended(space)
    key = str(uuid.uuid4())
    r = comment(space, "zhouting", sid, "**设计清楚**，值得学习 " + XSS, key)
    assert r.status_code == 200 and 'id="comment-count">1<' in r.text
    assert "<strong>设计清楚</strong>" in r.text and "&lt;img src=x onerror=alert(1)&gt;" in r.text
    assert '<script>alert("x")' not in r.text and "<img src=x" not in r.text
    assert comment(space, "zhouting", sid, "**设计清楚**，值得学习 " + XSS, key).status_code == 200  # double click
    assert comment(space, "hezhendong", sid, "专家点评：结构完整").status_code == 200
    with space.db():
        assert len(db.session.scalars(select(SubmissionComment)).all()) == 2
        found = comment_statements()
        expert_sub = db.session.scalars(select(User.sub).where(User.name == "何振东")).one()
    assert len(found) == 2
    by_expert = next(s for s in found if s["actor"]["account"]["name"] == expert_sub)
    assert by_expert["object"]["id"].endswith(f"/xapi/activities/submission/{sid}")
    parents = by_expert["context"]["contextActivities"]["parent"]
    assert any(p["id"].endswith(f"/xapi/activities/assignment/{space.activity_id}") for p in parents)
    page = space.get("wanglihua", f"/excellent/{sid}")
    assert 'id="comment-count">2<' in page.text and "专家" in page.text


@pytest.mark.parametrize(("body", "shown", "status"), [
    ("", "点评内容不能为空", 400),
    ("   ", "点评内容不能为空", 400),
    ("长" * 1001, "点评最多 1000 字", 400),
])
def test_bad_comments_say_why_and_store_nothing(lti: LtiHarness, body: str, shown: str, status: int) -> None:
    space = make_space(lti)
    sid = recommended(space)
    r = comment(space, "zhouting", sid, body)
    assert r.status_code == status and shown in r.text and "body:" not in r.text  # the page's language only
    stale = space.post("zhouting", f"/excellent/{sid}/comments", {"body": "好", "form_key": "not-a-uuid"})
    assert stale.status_code == 400 and "表单已失效，请刷新页面" in stale.text
    with space.db():
        assert db.session.scalars(select(SubmissionComment)).all() == [] and comment_statements() == []


def test_only_the_author_or_staff_remove_a_comment(lti: LtiHarness) -> None:
    space = make_space(lti)
    sid = recommended(space)
    comment(space, "zhouting", sid, "第一条")
    comment(space, "lijianguo", sid, "第二条")
    with space.db():
        ids = {c.body: c.id for c in db.session.scalars(select(SubmissionComment))}
    first, second = ids["第一条"], ids["第二条"]
    # Another participant and another class's tutor may not; the form is not even offered.
    with_token(space, "guomeiling", sid)
    assert space.post("lijianguo", f"/excellent/{sid}/comments/{first}/remove", {}).status_code == 403
    assert space.post("guomeiling", f"/excellent/{sid}/comments/{first}/remove", {}).status_code == 403
    page = space.get("lijianguo", f"/excellent/{sid}").text
    assert len(re.findall(r"/comments/\d+/remove", page)) == 1  # only their own
    # The author removes their own; the work's tutor removes anyone's; removed means gone from view.
    assert space.post("zhouting", f"/excellent/{sid}/comments/{first}/remove", {}).status_code == 200
    assert space.post("huwenbin", f"/excellent/{sid}/comments/{second}/remove", {}).status_code == 200
    assert space.post("huwenbin", f"/excellent/{sid}/comments/{second}/remove", {}).status_code == 404
    page = space.get("zhouting", f"/excellent/{sid}").text
    assert "第一条" not in page and "第二条" not in page and 'id="comment-count">0<' in page
    # Without the CSRF token nothing changes.
    r = space.post("zhouting", f"/excellent/{sid}/comments", {"body": "无令牌", "form_key": str(uuid.uuid4())},
                   token=False)
    assert r.status_code == 400
    with space.db():
        assert {c.hidden for c in db.session.scalars(select(SubmissionComment))} == {True}


def test_other_workshops_and_unknown_ids_are_404(lti: LtiHarness) -> None:
    space = make_space(lti)
    sid = recommended(space)
    link = lti.state.add_resource_link("other-workshop", "另一个工作坊")
    other = space.people["maxiaoyan"].launch("maxiaoyan", resource_link=link.id)
    other_base = other.url.rstrip("/")
    host = space.people["maxiaoyan"].session
    assert host.get(f"{other_base}/excellent/{sid}").status_code == 404  # work of another workshop
    assert host.get(f"{other_base}/excellent").status_code == 200
    space.people["maxiaoyan"].launch("maxiaoyan")
    assert space.get("zhouting", "/excellent/999999").status_code == 404
    assert space.get("zhouting", "/excellent/99999999999").status_code == 404
    assert space.get("zhouting", "/excellent?page=abc").status_code == 400
    assert space.get("zhouting", "/excellent?activity_id=abc").status_code == 200
