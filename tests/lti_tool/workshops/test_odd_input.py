"""Odd input a person can type, or a hand-edited link can carry, gets a 4xx that names the problem,
never a 500 (each case here was a 500, found by fuzzing every route with every role, December 2026):
Unicode digits and 23-digit numbers as ids, dates at the calendar's ends, blank required text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lti_tool.extensions import db
from lti_tool.models import Workshop

from ...fixtures.lti import LtiHarness, lti_harness
from .test_attendance import token, workshop_setup

ODD_IDS = ("²", "٣", "99999999999999999999999")  # '²' and '٣' pass str.isdigit, int() refuses '²'


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


@pytest.fixture
def world(lti: LtiHarness) -> dict[str, Any]:
    """The attendance tests' workshop, graded by dawukou-80-20 (it has scores entered by hand)."""
    w = workshop_setup(lti)
    with lti.tool_app.app_context():
        db.session.get(Workshop, w["wid"]).grading_preset = "dawukou-80-20"
        db.session.commit()
    return w


def _get(w: dict[str, Any], login: str, path: str, **params: str) -> Any:
    return w["drivers"][login].session.get(w["base"] + path, params=params)


def test_odd_class_ids_in_links(world: dict[str, Any]) -> None:
    w = world
    roll = f"/o/{w['aid']}/attendance"
    for odd in ODD_IDS:
        # Not a class of this workshop: the report says so as for another workshop's class.
        for login, path in (("maxiaoyan", "/report"), ("maxiaoyan", "/report.xlsx"), ("huwenbin", "/report")):
            assert _get(w, login, path, **{"class": odd}).status_code == 404, (path, odd)
        # Filters that match nobody.
        for path in ("/grades", "/grades/manual"):
            page = _get(w, "maxiaoyan", path, **{"class": odd})
            assert page.status_code == 200, (path, odd)
            assert "王丽华" not in page.text
        refused = _get(w, "maxiaoyan", roll, **{"class": odd})
        assert refused.status_code == 400 and "class:" in refused.text, odd
        queue = _get(w, "maxiaoyan", "/queue", class_id=odd)
        assert queue.status_code == 400 and "class_id:" in queue.text, odd
    # The real ids still work.
    one = str(w["classes"]["一班"])
    for path in ("/grades", "/grades/manual"):
        assert "王丽华" in _get(w, "maxiaoyan", path, **{"class": one}).text, path
    assert _get(w, "maxiaoyan", roll, **{"class": one}).status_code == 200


def test_odd_member_ids_in_a_roll_call(world: dict[str, Any]) -> None:
    w = world
    session = w["drivers"]["huwenbin"].session
    url = f"{w['base']}/o/{w['aid']}/attendance"
    for odd in ODD_IDS:
        for data in ({"members": odd}, {"members": str(w["ids"]["wanglihua"]), f"status:{odd}": "present"}):
            resp = session.post(url, data={"csrf_token": token(w, "huwenbin"), **data})
            assert resp.status_code == 400 and "members:" in resp.text, (odd, data)


@pytest.mark.parametrize("query", [{"to": "0001-01-01"}, {"from": "0001-01-01", "to": "0001-01-03"},
                                   {"from": "9999-12-30", "to": "9999-12-31"}, {"to": "2101-01-01"}])
def test_report_dates_at_the_ends_of_the_calendar(world: dict[str, Any], query: dict[str, str]) -> None:
    for path in ("/report", "/report.xlsx"):
        resp = _get(world, "maxiaoyan", path, **query)
        assert resp.status_code == 400, (path, query)
        assert "2000" in resp.text and "2100" in resp.text


def test_report_dates_within_the_century_still_work(world: dict[str, Any]) -> None:
    assert _get(world, "maxiaoyan", "/report", **{"from": "2000-01-01", "to": "2000-01-07"}).status_code == 200


def test_blank_required_text_and_impossible_dates_in_the_host_forms(world: dict[str, Any]) -> None:
    w = world
    host = w["drivers"]["maxiaoyan"].session
    csrf = token(w, "maxiaoyan")
    settings = {"required_hours": "50", "minutes_per_hour": "45", "hours_rounding": "proportional"}
    cases = [
        ("/setup", {"title": "   ", **settings}, "名称：不能为空"),
        ("/phases", {"title": " \t "}, "阶段名称：不能为空"),
        ("/phases", {"title": "第二阶段", "starts_on": "0001-01-01"}, "开始日期：应在 2000 至 2100 年之间"),
        ("/activities", {"kind": "reading", "title": "  "}, "标题：不能为空"),
        ("/activities", {"kind": "assignment", "title": "作业", "due_at": "0001-01-01T00:00:00"},
         "截止时间：应在 2000 至 2100 年之间"),
        ("/activities", {"kind": "offline", "title": "集中研修", "session_date": "9999-12-31"},
         "日期：应在 2000 至 2100 年之间"),
        ("/people/classes", {"name": "  "}, "名称：不能为空"),
    ]
    for path, data, message in cases:
        resp = host.post(w["base"] + path, data={"csrf_token": csrf, **data})
        assert resp.status_code == 400, (path, data, resp.status_code)
        assert message in resp.text, (path, resp.text[:500])
        assert "无法进入" not in resp.text, path  # the form's own page again, not the bare error page
    # Blank optional text is simply left empty.
    saved = host.post(w["base"] + "/setup", data={"csrf_token": csrf, "title": "工作坊", "subject": "  ", **settings})
    assert saved.status_code == 200 and "已保存" in saved.text
