"""A roster larger than ROSTER_INLINE_MEMBERS is synced by the background worker, never inside a host's
launch or click (a city's NRPS pages could outlast the request); the people page says it is under
way, or why it failed. Small rosters sync at once, as before (test_people.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lti_tool.devlms.demo_data import DEMO_COURSE
from lti_tool.extensions import db
from lti_tool.models import Workshop, WorkshopMember
from lti_tool.workshops.roster import sync_requested

from ...fixtures.lti import LtiHarness, lti_harness
from .test_pages import csrf

PENDING = "后台同步中"


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        harness.tool_app.config["ROSTER_INLINE_MEMBERS"] = 0  # every roster is "large"
        yield harness


def _workshop(lti: LtiHarness) -> tuple[int | None, bool, bool, str | None]:
    """The one workshop's member count, whether synced and asked, and its last sync error."""
    with lti.tool_app.app_context():
        workshop = db.session.scalars(select(Workshop)).one()
        count = db.session.scalar(select(func.count()).select_from(WorkshopMember))
        return (count, workshop.roster_synced_at is not None,
                workshop.roster_sync_requested_at is not None, workshop.roster_sync_error)


def _run_worker_job(lti: LtiHarness) -> int:
    with lti.tool_app.app_context():
        try:
            return sync_requested()
        finally:
            db.session.remove()


def test_a_hosts_launch_asks_the_worker_and_the_worker_syncs(lti: LtiHarness) -> None:
    driver = lti.driver()
    home = driver.launch("maxiaoyan")
    assert home.status_code == 200
    members, synced, asked, error = _workshop(lti)
    assert (members, synced, asked, error) == (1, False, True, None)  # only the host, and a request
    base = home.url.rstrip("/")
    assert PENDING in driver.session.get(base + "/people").text
    assert _run_worker_job(lti) == 1
    members, synced, asked, error = _workshop(lti)
    assert members == len(DEMO_COURSE.users) and synced and error is None
    assert PENDING not in driver.session.get(base + "/people").text
    assert _run_worker_job(lti) == 0  # nothing pending any more
    # Another launch within the interval asks nothing.
    lti.driver().launch("maxiaoyan")
    assert _run_worker_job(lti) == 0


def test_the_sync_button_hands_a_large_roster_to_the_worker(lti: LtiHarness) -> None:
    driver = lti.driver()
    base = driver.launch("maxiaoyan").url.rstrip("/")
    assert _run_worker_job(lti) == 1  # the launch's request
    page = driver.session.get(base + "/people")
    r = driver.session.post(base + "/people/sync", data={"csrf_token": csrf(page.text)})
    assert r.status_code == 200 and "已交给后台同步" in r.text and PENDING in r.text
    members, _, asked, _ = _workshop(lti)
    assert asked and members == len(DEMO_COURSE.users)
    # Asked twice while pending: one request, one sync.
    driver.session.post(base + "/people/sync", data={"csrf_token": csrf(page.text)})
    assert _run_worker_job(lti) == 1 and _run_worker_job(lti) == 0


def test_a_failed_background_sync_is_shown_and_not_retried_every_turn(lti: LtiHarness) -> None:
    driver = lti.driver()
    base = driver.launch("maxiaoyan").url.rstrip("/")
    lti.state.fail_next("memberships", 503)
    assert _run_worker_job(lti) == 1
    members, synced, asked, error = _workshop(lti)
    assert (members, synced, asked) == (1, False, False)
    assert error is not None and "503" in error
    page = driver.session.get(base + "/people").text
    assert "上次后台同步失败" in page and "503" in page and PENDING not in page
    assert _run_worker_job(lti) == 0  # dropped: the next launch or click asks again
    r = driver.session.post(base + "/people/sync", data={"csrf_token": csrf(page)})
    assert r.status_code == 200
    assert _run_worker_job(lti) == 1
    members, synced, _, error = _workshop(lti)
    assert members == len(DEMO_COURSE.users) and synced and error is None
    assert "上次后台同步失败" not in driver.session.get(base + "/people").text


def test_the_worker_turn_runs_the_job(lti: LtiHarness) -> None:
    from lti_tool.statements.forwarder import Forwarder, _turn

    lti.driver().launch("maxiaoyan")
    app = lti.tool_app
    assert _turn(app, Forwarder(app.config["SECRET_KEY"]), purge=False) == "done"
    members, synced, _, _ = _workshop(lti)
    assert members == len(DEMO_COURSE.users) and synced


def test_a_database_error_in_the_background_shows_no_sql(lti: LtiHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    def broken(*_: object, **__: object) -> None:
        raise OperationalError("UPDATE workshop_members SET secret_column = ?", ("王丽华",), Exception("locked"))

    lti.driver().launch("maxiaoyan")
    monkeypatch.setattr("lti_tool.workshops.roster.apply_members", broken)
    assert _run_worker_job(lti) == 1
    members, synced, asked, error = _workshop(lti)
    assert (members, synced, asked) == (1, False, False)
    assert error is not None and "sync again later" in error
    assert "UPDATE" not in error and "王丽华" not in error
