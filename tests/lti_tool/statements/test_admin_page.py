"""The host's xAPI page (/admin/xapi/, linked from 工作坊设置): what each LRS is owed, its last
error and, while it rests after a failure, when the forwarder tries it next; and the credentials
content (H5P, cmi5) reports with. Hosts only; the form needs its CSRF token; names are escaped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from lti_tool.china import china_time
from lti_tool.extensions import db
from lti_tool.models import Lrs, Membership, Workshop, XapiClient
from lti_tool.statements import admin
from lti_tool.statements.clients import create_client
from lti_tool.statements.forwarder import add_lrs
from lti_tool.statements.store import store_statements
from lti_tool.statements.worker_lease import WorkerLease

from ...fixtures.lti import LtiHarness, lti_harness
from ...fixtures.workshops import course_with_workshop
from ..workshops.test_pages import csrf
from .test_read_scope import stmt

XSS = "<script>alert(1)</script>"


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def _page(lti: LtiHarness) -> str:
    return lti.tool_url + "/admin/xapi/"


def test_the_host_finds_the_page_and_sees_an_lrs_resting(lti: LtiHarness) -> None:
    host = lti.driver()
    home = host.launch("maxiaoyan")
    setup = host.session.get(home.url.rstrip("/") + "/setup")
    assert setup.status_code == 200 and 'href="/admin/xapi/"' in setup.text
    page = host.session.get(_page(lti))
    assert page.status_code == 200 and "尚未配置外部 LRS" in page.text
    assert 'id="no-worker"' in page.text  # the test's tool runs no background worker: the host is told
    with lti.tool_app.app_context():
        lease = WorkerLease(db.engine)
        assert lease.held()
        try:
            assert 'id="no-worker"' not in host.session.get(_page(lti)).text
        finally:
            lease.release()
    until = datetime.now(UTC) + timedelta(minutes=7)
    with lti.tool_app.app_context():
        lrs = add_lrs(lti.tool_app.config["SECRET_KEY"], "https://lrs.city.example.cn/xAPI/", "u", "p")
        lrs.last_error, lrs.resting_until = f"HTTP 429: {XSS}", until
        db.session.commit()
    page = host.session.get(_page(lti))
    assert "https://lrs.city.example.cn/xAPI/" in page.text and XSS not in page.text
    assert "下次尝试" in page.text and china_time(until) in page.text
    with lti.tool_app.app_context():
        db.session.scalars(select(Lrs)).one().resting_until = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    assert "下次尝试" not in host.session.get(_page(lti)).text  # rested: nothing to announce


def test_the_host_creates_credentials_with_the_forms_token(lti: LtiHarness) -> None:
    host = lti.login("maxiaoyan").session
    token = csrf(host.get(_page(lti)).text)
    refused = host.post(_page(lti), data={"name": "H5P"})
    assert refused.status_code == 400
    assert host.post(_page(lti), data={"csrf_token": token, "name": "  "}).status_code == 400
    made = host.post(_page(lti), data={"csrf_token": token, "name": f"H5P {XSS}"})
    assert made.status_code == 200 and XSS not in made.text and "&lt;script&gt;" in made.text
    with lti.tool_app.app_context():
        client = db.session.scalars(select(XapiClient)).one()
    assert client.key in made.text and "密钥只显示这一次" in made.text
    assert "密钥只显示这一次" not in host.get(_page(lti)).text  # the secret is shown once


def test_only_hosts(lti: LtiHarness) -> None:
    assert requests.get(_page(lti), timeout=10).status_code == 401
    from ..workshops.test_attendance import workshop_setup

    w = workshop_setup(lti)
    for login in ("huwenbin", "lijianguo"):  # a tutor, a participant
        session = w["drivers"][login].session
        token = csrf(session.get(f"{w['base']}/a/{w['video']}").text)  # a valid token of their own
        assert session.get(_page(lti)).status_code == 403
        assert session.post(_page(lti), data={"csrf_token": token, "name": "x"}).status_code == 403
    with lti.tool_app.app_context():
        assert db.session.scalars(select(XapiClient)).all() == []


def test_the_host_sees_the_statements_of_the_course_only(lti: LtiHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    """About its workshops or stored by its content's clients: what those clients read back. Not the
    tool's whole store (another course's was counted too, a second's count at 17,000,000)."""
    host = lti.login("maxiaoyan").session
    before = int(_stored(host.get(_page(lti)).text))  # the tool's own, of the launch
    with lti.tool_app.app_context():
        course_id = db.session.scalars(select(Membership.course_id)).first()
        ours = db.session.scalars(select(Workshop.id).where(Workshop.course_id == course_id)).one()
        theirs = course_with_workshop("https://moodle.other.example.cn", "别的课程工作坊")
        db.session.commit()
        h5p = create_client("H5P", course_id=course_id)
        other = create_client("别的课程 H5P", course_id=theirs.course_id)
        store_statements([stmt("王老师", ours), stmt("刘老师", ours)])
        store_statements([stmt("张老师")], client_id=h5p.client.id)
        store_statements([stmt("李老师", theirs.id), stmt("赵老师")])
        store_statements([stmt("钱老师")], client_id=other.client.id)
    assert _stored(host.get(_page(lti)).text) == str(before + 3)
    monkeypatch.setattr(admin, "COUNTED", before + 3)
    assert _stored(host.get(_page(lti)).text) == f"超过 {before + 3:,} 条"


def _stored(page: str) -> str:
    return page.split('<strong id="stored">', 1)[1].split("</strong>", 1)[0]
