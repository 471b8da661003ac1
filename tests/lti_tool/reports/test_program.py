"""The county / program view (dashboards issue §3) through real launches: only a platform
administrator's launch opens it; it lists every workshop of that platform and no other's; its
statuses, backlog and participation are the workshop pages' own figures; the XLSX opens with
openpyxl, with the Chinese headers and the same totals."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Platform, Workshop

from ...fixtures.lti import LtiHarness, lti_harness
from ...fixtures.workshops import course_with_workshop
from ..workshops.test_studio import studio_world


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def number(html: str, element_id: str) -> int:
    found = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert found, element_id
    return int(found.group(1))


def test_the_program_manager_sees_every_workshop_of_the_platform(lti: LtiHarness) -> None:
    w = studio_world(lti)
    # Another platform's workshop must never appear.
    with lti.tool_app.app_context():
        course_with_workshop("https://other.example", "别的平台的工作坊", preset=None)
        db.session.commit()
    admin = lti.driver()
    admin.launch("linhai")
    page = admin.session.get(lti.tool_url + "/program/")
    assert page.status_code == 200, page.text[:300]
    html = page.text
    assert "别的平台的工作坊" not in html and f'data-workshop="{w["wid"]}"' in html
    report = w["host"].get(w["base"] + "/report").text  # the workshop's own 情况通报
    for status in ("not_started", "behind", "on_track", "done"):
        assert number(html, f"status-{status}") == number(report, f"count-{status}"), status
    members = number(html, "members")
    assert members == sum(number(html, f"status-{s}") for s in ("not_started", "behind", "on_track", "done"))
    # 王丽华's work was graded: no backlog; 胡文斌 appears with his class and one graded submission.
    row = html.split(f'data-workshop="{w["wid"]}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="num backlog">0<' in row
    tutors = html.split('id="tutors"', 1)[1].split("</table>", 1)[0]
    assert "胡文斌" in tutors and "一班" in tutors
    assert 'id="days-town"' in html and 'id="days-school"' in html
    # The program link is in the administrator's workshop navigation, and nobody else's.
    assert "/program/" in admin.session.get(w["base"] + "/").text
    assert "/program/" not in w["host"].get(w["base"] + "/").text

    from openpyxl import load_workbook

    xlsx = admin.session.get(lti.tool_url + "/program/export.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["工作坊", "学校", "镇街", "辅导老师"]
    sheet = book["工作坊"]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["课程", "工作坊", "学员", "已开始", "近7天参与率%", "必做完成度%"]
    assert sum(r[2] for r in sheet.iter_rows(min_row=2, values_only=True)) == members
    schools = book["学校"]
    assert sum(r[1] for r in schools.iter_rows(min_row=2, values_only=True)) == members
    assert [c.value for c in book["辅导老师"][1]][:3] == ["工作坊", "辅导老师", "班级"]


def test_only_a_platform_administrator_opens_it(lti: LtiHarness) -> None:
    import requests

    w = studio_world(lti)
    assert w["host"].get(lti.tool_url + "/program/").status_code == 403  # a course teacher
    assert w["people"]["wanglihua"].session.get(lti.tool_url + "/program/").status_code == 403
    assert w["people"]["huwenbin"].session.get(lti.tool_url + "/program/export.xlsx").status_code == 403
    assert requests.get(lti.tool_url + "/program/", timeout=10).status_code == 401
    with lti.tool_app.app_context():
        assert db.session.scalars(select(Workshop)).first() is not None


def test_the_cached_view_serves_the_page_after_the_xlsx(lti: LtiHarness) -> None:
    """The view is cached (DASHBOARD_CACHE_SECONDS, 120 s here as by default). It held the ORM rows
    of the request that computed it, so a page after the XLSX asked a detached member for its user:
    a 500. Now it holds plain values: page after XLSX, and XLSX after page, both from the cache."""
    from openpyxl import load_workbook

    w = studio_world(lti)
    assert lti.tool_app.config["DASHBOARD_CACHE_SECONDS"] > 0
    admin = lti.driver()
    admin.launch("linhai")
    first = admin.session.get(lti.tool_url + "/program/export.xlsx")
    assert first.status_code == 200
    page = admin.session.get(lti.tool_url + "/program/")
    assert page.status_code == 200, page.text[:300]
    assert "胡文斌" in page.text.split('id="tutors"', 1)[1] and f'data-workshop="{w["wid"]}"' in page.text
    hosts = page.text.split("坊主与三人行", 1)[1]
    assert "马晓燕" in hosts  # the host, by name, from the cached rows
    again = admin.session.get(lti.tool_url + "/program/export.xlsx")
    assert again.status_code == 200
    book = load_workbook(io.BytesIO(again.content))
    assert [r[1] for r in book["辅导老师"].iter_rows(min_row=2, values_only=True)] == ["胡文斌"]


def test_the_view_has_a_json_form_that_gives_it_back_whole(lti: LtiHarness) -> None:
    """What Redis keeps for every worker (shared_cache.py): JSON, and decoded equal to what was computed."""
    import json

    from lti_tool.china import china_today
    from lti_tool.reports.program import build_program
    from lti_tool.reports.program_views import PROGRAM

    studio_world(lti)
    with lti.tool_app.app_context():
        platform_id = db.session.scalars(select(Platform.id)).one()
        program = build_program(platform_id, china_today())
        db.session.remove()
    assert program.tutors and program.workshops[0].hosts and program.statuses
    plain = json.loads(json.dumps(PROGRAM.encode(program)))
    assert PROGRAM.decode(plain) == program


def test_teachers_in_two_workshops_are_counted_once(lti: LtiHarness) -> None:
    """A course's second workshop (a second phase of the same training) with the same teachers: the
    rows count enrolments (人次), the summary also each teacher once."""
    w = studio_world(lti)
    link = lti.state.add_resource_link("phase-two", "第二期工作坊")
    for login in ("maxiaoyan", "wanglihua", "lijianguo"):
        lti.driver().launch(login, resource_link=link.id)
    admin = lti.driver()
    admin.launch("linhai")
    html = admin.session.get(lti.tool_url + "/program/").text
    with lti.tool_app.app_context():
        from lti_tool.grades.service import graded_members

        enrolments = [m.user_id for ws in db.session.scalars(select(Workshop)) for m in graded_members(ws)]
    assert len(enrolments) > len(set(enrolments)) >= 2  # somebody is in both
    assert number(html, "members") == len(enrolments)
    assert number(html, "teachers") == len(set(enrolments))
    assert f'data-workshop="{w["wid"]}"' in html
