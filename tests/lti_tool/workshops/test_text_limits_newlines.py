"""Text limits count a line break once, as the browser's maxlength does: a textarea submits each
break as CRLF, so a body the browser let through at 10,000 characters arrived as 10,199 and was
refused. Line breaks are checked, and stored, as LF."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ...fixtures.lti import LtiHarness, lti_harness
from .test_discussions import World, make_world, posts, reply, start_thread, thread_id_of

LINES = 200


def full_body(limit: int, newline: str) -> str:
    """`limit` characters as the browser counts them (each break one), in LINES lines."""
    width = (limit - (LINES - 1)) // LINES
    lines = ["长" * width] * LINES
    lines[-1] += "长" * (limit - (LINES - 1) - width * LINES)
    text = newline.join(lines)
    assert len(text.replace(newline, "\n")) == limit
    return text


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


@pytest.fixture
def world(lti: LtiHarness) -> World:
    return make_world(lti)


def test_discussion_body_at_the_limit_with_crlf_is_accepted_and_stored_with_lf(world: World) -> None:
    w = world
    body = full_body(10_000, "\r\n")
    assert len(body) == 10_000 + LINES - 1  # what the server used to count
    tid = thread_id_of(start_thread(w, "wanglihua", "标题", body))
    stored = posts(w)[-1]
    assert stored.body == body.replace("\r\n", "\n") and len(stored.body) == 10_000
    # Replies and edits alike; a lone CR (old Mac) is a line break too.
    assert reply(w, "wanglihua", tid, full_body(10_000, "\r")).status_code == 302
    reply_post = posts(w)[-1]
    assert "\r" not in reply_post.body and len(reply_post.body) == 10_000
    s = w.s("wanglihua")
    r = s.post(f"{w.list_url()}/p/{reply_post.id}/edit", allow_redirects=False,
               data={"csrf_token": w.token("wanglihua"), "body": "一\r\n二\r三"})
    assert r.status_code == 302
    assert posts(w)[-1].body == "一\n二\n三"


def test_one_character_over_is_still_refused(world: World) -> None:
    w = world
    r = start_thread(w, "wanglihua", "标题", full_body(10_001, "\r\n"))
    assert r.status_code == 400 and "内容最多 10000 字" in r.text
    tid = thread_id_of(start_thread(w, "wanglihua", "标题", "内容"))
    s = w.s("wanglihua")
    r = s.post(f"{w.list_url()}/t/{tid}/replies", data={
        "csrf_token": w.token("wanglihua"), "form_key": str(uuid.uuid4()), "body": full_body(10_001, "\r\n")})
    assert r.status_code == 400 and "内容最多 10000 字" in r.text
    assert len(posts(w)) == 1


def test_assignment_text_and_showcase_comment_at_their_limits_with_crlf(lti: LtiHarness) -> None:
    """The same for an assignment's text (20,000), the tutor's comment (5,000) and a comment on
    recommended work (1,000)."""
    from lti_tool.extensions import db
    from lti_tool.models import SubmissionComment

    from .test_assignments import make_space, only_submission
    from .test_showcase import comment, recommended

    space = make_space(lti)
    text = full_body(20_000, "\r\n")
    assert space.submit("wanglihua", text=text).status_code == 200
    with space.db():
        stored = only_submission(space).text
    assert stored == text.replace("\r\n", "\n") and len(stored) == 20_000
    from .test_tutor_queue import grade

    assert grade(space, "huwenbin", only_id(space), action="return",
                 comment=full_body(5_000, "\r\n")).status_code == 200
    with space.db():
        returned = only_submission(space).comment
    assert "\r" not in returned and len(returned) == 5_000
    sid = recommended(space, "lijianguo")
    assert comment(space, "zhouting", sid, full_body(1_000, "\r\n")).status_code == 200
    with space.db():
        body = db.session.scalars(select(SubmissionComment.body)).one()
    assert "\r" not in body and len(body) == 1_000


def only_id(space: Any) -> int:
    from .test_assignments import only_submission

    with space.db():
        return int(only_submission(space).id)
