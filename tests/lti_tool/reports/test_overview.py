"""研修主页 through real launches (dashboards issue §2, §5, §6): participation per day from this
workshop's statements, by school, class and group; completion and grades from the same reader and
results as the grade engine (the one-source-of-truth test); rankings only when the host turns them
on; user-written names inert; statements naming another course's workshop never count."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import GradeResult, Statement, WorkshopMember

from ...fixtures.lti import LtiHarness, lti_harness
from ..workshops.test_pages import XSS, csrf
from ..workshops.test_studio import studio_world


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def cell_rows(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body)[1:]]


def number(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert found, element_id
    return found.group(1).strip()


def yesterday_event(lti: LtiHarness, wid: int, member_id: int) -> None:
    """A reading opened yesterday (China time), recorded the way the tool records every event."""
    from lti_tool.models import Workshop
    from lti_tool.statements.events import activity_iri, record_event
    from xapi import ActivityRef, vocab

    with lti.tool_app.test_request_context():
        workshop = db.session.get(Workshop, wid)
        member = db.session.get(WorkshopMember, member_id)
        obj = ActivityRef(activity_iri("reading", 999), "昨日阅读", vocab.ARTICLE)
        record_event("reading.opened", workshop, member, obj, key=f"yesterday:{member_id}",
                     when=datetime.now(UTC) - timedelta(days=1))


def test_overview_counts_participation_and_agrees_with_the_grade_engine(lti: LtiHarness) -> None:
    w = studio_world(lti)
    with lti.tool_app.app_context():  # 张秀英 came yesterday (synced from the roster, no launch today)
        zhang = next(m.id for m in db.session.scalars(select(WorkshopMember).where(
            WorkshopMember.workshop_id == w["wid"])) if m.display_name == "张秀英")
    yesterday_event(lti, w["wid"], zhang)
    assert w["host"].get(w["base"] + "/grades").status_code == 200  # results as the grade table has them
    page = w["people"]["zhouting"].session.get(w["base"] + "/overview")
    assert page.status_code == 200
    html = page.text
    with lti.tool_app.app_context():
        members = db.session.scalars(select(WorkshopMember).where(
            WorkshopMember.workshop_id == w["wid"], WorkshopMember.role == "participant",
            WorkshopMember.active.is_(True))).all()
        rows = {r.member_id: r for r in db.session.scalars(select(GradeResult))}
        # The tool's own statements carry their workshop (indexed for the daily counts).
        assert db.session.scalars(select(Statement.workshop_id).distinct()).all() == [w["wid"]]
        by_class = {}
        for m in members:
            by_class.setdefault(m.workshop_class.name if m.workshop_class else "", []).append(m.id)
    assert int(number(html, "members")) == len(members)
    assert number(html, "started") == "1"  # only 王丽华 has done anything the grade engine reads
    # Launching counts as taking part that day: 王丽华, 李建国 and 周婷 today, 张秀英 yesterday.
    assert number(html, "active-today") == "3" and number(html, "active-week") == "4"
    days = cell_rows(html, "daily")
    assert len(days) == 14 and days[-1][1] == "3" and days[-2][1] == "1" and days[0][1] == "0"
    # One source of truth: each class's completion is the mean of the engine's `scores.required`
    # for its members, and the whole average the mean of the stored totals.
    classes = {r[0]: r for r in cell_rows(html, "by-class")}
    for name, ids in by_class.items():
        expected = sum((Decimal(rows[i].explanation["record"]["scores"]["required"] or 0) for i in ids),
                       Decimal(0)) / len(ids)
        shown = classes[name or "未填写"]
        assert Decimal(shown[5].rstrip("%")) == expected.quantize(Decimal("0.1")), name
        mean = sum((rows[i].total for i in ids), Decimal(0)) / len(ids)
        assert Decimal(shown[7]) == mean.quantize(Decimal("0.01"))
        assert int(shown[6]) == sum(rows[i].passed for i in ids)
    # Rankings are off by default: nobody is named and nothing is ranked.
    assert 'id="top"' not in html and "<th>#</th>" not in html


def test_rankings_only_when_the_host_turns_them_on(lti: LtiHarness) -> None:
    w = studio_world(lti)
    token = csrf(w["host"].get(w["base"] + "/setup").text)
    r = w["host"].post(w["base"] + "/setup", data={
        "csrf_token": token, "title": "小学数学工作坊", "required_hours": "25", "minutes_per_hour": "45",
        "hours_rounding": "proportional", "grading_preset": "zhenjiang-80-20", "rankings_enabled": "1"})
    assert r.status_code == 200 and 'name="rankings_enabled" value="1" checked' in r.text
    html = w["people"]["zhouting"].session.get(w["base"] + "/overview").text
    top = html.split('id="top"', 1)[1].split("</ol>", 1)[0]
    assert top.count("<li>") == 10 and top.index("王丽华") < top.index("<li>", 5)  # she leads
    assert "<th>#</th>" in html


def test_names_are_inert(lti: LtiHarness) -> None:
    w = studio_world(lti)
    with lti.tool_app.app_context():
        db.session.get(WorkshopMember, w["ids"]["wanglihua"]).school = XSS
        db.session.commit()
    html = w["people"]["zhouting"].session.get(w["base"] + "/overview").text
    assert XSS not in html and "&lt;script&gt;" in html


def test_a_client_of_another_course_cannot_count_in_this_workshop(lti: LtiHarness) -> None:
    """xAPI content reporting through /xapi/statements names a workshop in its context; only a
    workshop of the course its credentials belong to is kept."""
    from lti_tool.models import Course, Workshop, XapiClient
    from lti_tool.statements.store import store_statements

    w = studio_world(lti)
    with lti.tool_app.app_context():
        workshop = db.session.get(Workshop, w["wid"])
        other = Course(platform_id=workshop.course.platform_id, deployment_id="x", context_id="another")
        db.session.add(other)
        db.session.flush()
        foreign = XapiClient(name="别的课程", key="k-foreign", secret_hash="0" * 64, course_id=other.id)
        own = XapiClient(name="本课程", key="k-own", secret_hash="0" * 64, course_id=workshop.course_id)
        db.session.add_all([foreign, own])
        db.session.commit()

        def statement(n: int) -> dict[str, Any]:
            return {"actor": {"account": {"homePage": "https://lms.example", "name": f"u{n}"}},
                    "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                    "object": {"id": f"https://h5p.example/content/{n}"},
                    "context": {"contextActivities": {
                        "parent": [{"id": f"{lti.tool_url}/xapi/activities/workshop/{w['wid']}"}]}}}

        foreign_ids = store_statements([statement(1)], client_id=foreign.id).stored
        own_ids = store_statements([statement(2)], client_id=own.id).stored
        stored = dict(db.session.execute(select(Statement.id, Statement.workshop_id).where(
            Statement.id.in_(foreign_ids + own_ids))).all())
    assert stored == {foreign_ids[0]: None, own_ids[0]: w["wid"]}


def test_a_class_homepage_and_the_cache(lti: LtiHarness) -> None:
    """?class=<id> is that class's homepage (班级主页); the figures are kept for
    DASHBOARD_CACHE_SECONDS, and are fresh again when it is 0."""
    w = studio_world(lti)
    with lti.tool_app.app_context():
        from lti_tool.models import WorkshopClass

        klass = db.session.scalars(select(WorkshopClass).where(WorkshopClass.workshop_id == w["wid"])).one()
        in_class = len(db.session.scalars(select(WorkshopMember).where(
            WorkshopMember.class_id == klass.id, WorkshopMember.role == "participant")).all())
    zhou = w["people"]["zhouting"].session
    whole = zhou.get(w["base"] + "/overview").text
    assert f'href="/w/{w["wid"]}/overview?class={klass.id}"' in whole
    page = zhou.get(f"{w['base']}/overview?class={klass.id}")
    assert page.status_code == 200 and number(page.text, "class-name") == "一班"
    assert int(number(page.text, "members")) == in_class == 2  # 王丽华 and 李建国
    assert zhou.get(f"{w['base']}/overview?class=999999").status_code == 404
    assert zhou.get(f"{w['base']}/overview?class=abc").status_code == 404
    # Kept: 李建国's new thread does not show until the cache runs out (or is turned off).
    started = number(page.text, "started")
    li = w["people"]["lijianguo"].session
    with lti.tool_app.app_context():
        from lti_tool.models import Activity

        topic = db.session.scalars(select(Activity.id).where(Activity.kind == "discussion")).one()
    token = csrf(li.get(f"{w['base']}/d/{topic}").text)
    import uuid

    assert li.post(f"{w['base']}/d/{topic}/threads", data={
        "csrf_token": token, "form_key": str(uuid.uuid4()), "title": "我也来", "body": "参与"}).status_code == 200
    assert number(zhou.get(f"{w['base']}/overview?class={klass.id}").text, "started") == started == "1"
    lti.tool_app.config["DASHBOARD_CACHE_SECONDS"] = 0
    assert number(zhou.get(f"{w['base']}/overview?class={klass.id}").text, "started") == "2"
