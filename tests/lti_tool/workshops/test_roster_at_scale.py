"""A city-sized roster is written in a bounded number of statements: the members read with their
users' ids in one query (a lazy load each was 23,000 queries), and new users and members inserted in
batches on PostgreSQL (a flush each made a first sync of 23,000 take 19 s; SQLite, in process, has
SQLAlchemy insert its rows one by one either way). Counted, not timed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import User, Workshop, WorkshopMember
from lti_tool.workshops.roster import apply_members

from ...fixtures.lti import LtiHarness, lti_harness
from ...fixtures.sql import sql_sent

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def _entries(count: int, status: str = "Active") -> list[dict[str, Any]]:
    return [{"status": status, "user_id": f"city-{i:05d}", "roles": [LEARNER], "name": f"学员{i:05d}"}
            for i in range(count)]


def _statements_of(call: Any) -> tuple[Any, int]:
    """The call's result and how many statements it sent: all of them on PostgreSQL, the reads
    only on SQLite (see above)."""
    every = db.engine.dialect.name == "postgresql"
    with sql_sent(db.engine, lambda sql: every or sql.lstrip().upper().startswith("SELECT")) as sent:
        result = call()
    return result, len(sent)


def test_a_large_roster_is_written_in_a_bounded_number_of_statements(lti: LtiHarness) -> None:
    home = lti.driver().launch("maxiaoyan")
    workshop_id = int(home.url.rstrip("/").rsplit("/", 1)[1])
    size = 1_500
    with lti.tool_app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        before = db.session.scalar(select(func.count()).select_from(WorkshopMember))
        result, first = _statements_of(lambda: (apply_members(workshop, _entries(size)), db.session.commit())[0])
        assert result.created == size
        assert db.session.scalar(select(func.count()).select_from(WorkshopMember)) == before + size
        # Before: one INSERT of a user, one of a member, and for a re-sync one SELECT each.
        assert first < 60, first
        db.session.expire_all()
        workshop = db.session.get(Workshop, workshop_id)
        result, again = _statements_of(lambda: (apply_members(workshop, _entries(size)), db.session.commit())[0])
        assert result.created == 0 and result.updated == 0
        assert again < 20, again
        # Everyone leaves the course: marked inactive, still in one pass.
        db.session.expire_all()
        workshop = db.session.get(Workshop, workshop_id)
        result, gone = _statements_of(lambda: (apply_members(workshop, _entries(size, "Deleted")),
                                               db.session.commit())[0])
        assert result.deactivated == size and gone < 60, gone


def test_the_same_user_listed_twice_is_one_member(lti: LtiHarness) -> None:
    home = lti.driver().launch("maxiaoyan")
    workshop_id = int(home.url.rstrip("/").rsplit("/", 1)[1])
    twice = _entries(3)
    twice.append(dict(twice[0], name="改过的名字"))  # a platform that lists someone twice
    with lti.tool_app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        result = apply_members(workshop, twice)
        db.session.commit()
        assert result.created == 3
        members = db.session.scalars(select(WorkshopMember).join(User).where(User.sub == "city-00000")).all()
        assert len(members) == 1 and members[0].user.name == "改过的名字"
