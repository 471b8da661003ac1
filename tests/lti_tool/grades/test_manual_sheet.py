"""The hand-entry sheet of a large workshop comes a class and fifty learners at a time: a save
keeps its page and class, names a bad row by its place on that page, saves nothing of a sheet with
an error, and never writes a score for a learner the viewer may not grade."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.grades.views import PAGE_SIZE
from lti_tool.models import ManualScore, WorkshopClass, WorkshopMember

from ...fixtures.lti import LtiHarness, lti_harness
from ..workshops.test_pages import csrf
from .test_grade_pages import graded_workshop, member
from .test_grade_table import _large_class


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def _hand_entered(lti: LtiHarness) -> tuple[Any, str, dict[str, Any]]:
    """dawukou-80-20 (written 0–100 and practice 0–20 entered by hand) and 130 more participants."""
    host, base, _ = graded_workshop(lti)
    token = csrf(host.get(base + "/setup").text)
    assert host.post(base + "/setup", data={"csrf_token": token, "title": "工作坊", "required_hours": "25",
                                            "minutes_per_hour": "45", "hours_rounding": "proportional",
                                            "grading_preset": "dawukou-80-20"}).status_code == 200
    return host, base, _large_class(lti, base, 130)


def _rows(page: str) -> list[int]:
    """The member ids of the sheet's rows, in order."""
    return [int(i) for i in dict.fromkeys(re.findall(r'name="score:(\d+):written"', page))]


def _sheet_ids(lti: LtiHarness, workshop_id: int, class_id: int | None = None) -> list[int]:
    with lti.tool_app.app_context():
        query = select(WorkshopMember.id).where(WorkshopMember.workshop_id == workshop_id,
                                                WorkshopMember.role == "participant", WorkshopMember.active.is_(True))
        if class_id is not None:
            query = query.where(WorkshopMember.class_id == class_id)
        return list(db.session.scalars(query.order_by(WorkshopMember.id)))


def test_the_sheet_comes_a_page_and_a_class_at_a_time(lti: LtiHarness) -> None:
    host, base, made = _hand_entered(lti)
    everyone = _sheet_ids(lti, made["workshop_id"])
    assert len(everyone) > 2 * PAGE_SIZE
    first, third = host.get(base + "/grades/manual"), host.get(base + "/grades/manual?page=3")
    assert _rows(first.text) == everyone[:PAGE_SIZE] and _rows(third.text) == everyone[2 * PAGE_SIZE:]
    assert f"学员 {len(everyone)}" in first.text and "第 1 / 3 页" in first.text
    klass = made["classes"][2]
    in_class = _sheet_ids(lti, made["workshop_id"], klass)
    assert _rows(host.get(base + f"/grades/manual?class={klass}").text) == in_class[:PAGE_SIZE]
    assert _rows(host.get(base + "/grades/manual?class=nonsense").text) == []


def test_a_save_names_the_row_on_its_page_keeps_the_page_and_saves_all_or_nothing(lti: LtiHarness) -> None:
    host, base, made = _hand_entered(lti)
    second = _sheet_ids(lti, made["workshop_id"])[PAGE_SIZE : 2 * PAGE_SIZE]
    page = host.get(base + "/grades/manual?page=2")
    token = csrf(page.text)
    fields = {f"score:{second[0]}:written": "90", f"score:{second[2]}:practice": "25"}  # practice is 0–20
    bad = host.post(base + "/grades/manual?page=2", data={"csrf_token": token, **fields})
    assert bad.status_code == 400 and "第 2 行" in bad.text and "0–20" in bad.text  # second of the rows sent
    with lti.tool_app.app_context():
        assert db.session.scalars(select(ManualScore)).first() is None
    good = host.post(base + "/grades/manual?page=2", data={"csrf_token": token, **fields,
                                                          f"score:{second[2]}:practice": "19.5"},
                     allow_redirects=False)
    assert good.status_code == 302 and good.headers["Location"].endswith("/grades/manual?page=2")
    with lti.tool_app.app_context():
        saved = {(s.member_id, s.key): s.score for s in db.session.scalars(select(ManualScore))}
    assert saved == {(second[0], "written"): Decimal("90.00"), (second[2], "practice"): Decimal("19.50")}
    shown = host.get(base + "/grades/manual?page=2").text
    assert f'name="score:{second[2]}:practice" inputmode="decimal" size="6" value="19.50"' in shown


def test_a_tutor_saves_only_for_their_class(lti: LtiHarness) -> None:
    _host, base, made = _hand_entered(lti)
    tutor = lti.driver()
    tutor.launch("huwenbin")
    with lti.tool_app.app_context():
        klass = db.session.get(WorkshopClass, made["classes"][0])
        klass.tutor_member_id = member(lti, "胡文斌").id
        db.session.commit()
    mine = _sheet_ids(lti, made["workshop_id"], made["classes"][0])
    other = _sheet_ids(lti, made["workshop_id"], made["classes"][1])
    page = tutor.session.get(base + "/grades/manual")
    assert _rows(page.text) == mine[:PAGE_SIZE]
    r = tutor.session.post(base + "/grades/manual", data={"csrf_token": csrf(page.text),
                                                         f"score:{mine[0]}:written": "80",
                                                         f"score:{other[0]}:written": "80"},
                           allow_redirects=False)
    assert r.status_code == 302
    with lti.tool_app.app_context():
        saved = [(s.member_id, s.score) for s in db.session.scalars(select(ManualScore))]
    assert saved == [(mine[0], Decimal("80.00"))]
