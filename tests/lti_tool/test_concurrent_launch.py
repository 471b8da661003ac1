"""First launches into a new activity at the same moment (the first evening of a workshop: everyone
clicks the new link; a teacher double-clicks it) all get in, and each user, course, link, workshop
and member is created once. Real threads against the threaded tool server, SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import Course, Membership, ResourceLink, User, Workshop, WorkshopMember

from ..fixtures.lti import LtiHarness, lti_harness

# The host and a tutor with participants, one participant twice (a double click).
LOGINS = ["maxiaoyan", "huwenbin", "wanglihua", "lijianguo", "zhangxiuying", "chenjing", "zhouting", "zhouting"]


@pytest.fixture
def moodle(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance", profile="moodle") as harness:
        yield harness


def test_first_launches_at_the_same_moment_all_get_in_and_create_everything_once(moodle: LtiHarness) -> None:
    start = threading.Barrier(len(LOGINS))
    answers: list[tuple[str, int, str]] = []
    errors: list[BaseException] = []

    def launch(login: str) -> None:
        driver = moodle.driver()
        try:
            step = driver.authorize(driver.begin(login))  # the platform's part first, then all at once
            start.wait()
            resp = driver.post(step, follow=True)
            answers.append((login, resp.status_code, resp.url))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=launch, args=(login,)) for login in LOGINS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(code for _, code, _ in answers) == [200] * len(LOGINS), answers
    assert len({url for _, _, url in answers}) == 1  # the same workshop for everyone
    with moodle.tool_app.app_context():
        count = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                 for model in (Course, ResourceLink, Membership, Workshop)}
        # The host's launch also syncs the roster, which adds the course's other people.
        launched = db.session.scalars(select(User.sub).join(WorkshopMember, WorkshopMember.user_id == User.id)
                                      .where(WorkshopMember.last_seen_at.isnot(None))).all()
    assert count == {"Course": 1, "ResourceLink": 1, "Membership": len(set(LOGINS)), "Workshop": 1}
    expected = {str(moodle.state.course.user(login).moodle_id) for login in LOGINS}  # type: ignore[union-attr]
    assert sorted(launched) == sorted(expected)  # one member each, the double click's too
