"""An offline session counts for a learner once their own attendance is recorded, not once anyone's
is: each tutor takes their own class's roll, and when 一班's was saved first, everyone of 二班 (and
anyone in no class) was failed by the attendance rule until theirs was (found on the demo)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.grades.facts import gather
from lti_tool.grades.measures import MEASURES
from lti_tool.grades.slots import Slot
from lti_tool.models import Activity, Workshop, WorkshopMember
from lti_tool.reports.standing import standings

from ...fixtures.lti import LtiHarness, lti_harness
from ..workshops.test_attendance import post_roll, workshop_setup
from ..workshops.test_pages import csrf

SLOT = Slot("attendance", "all", "", Decimal(0))


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Any:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def attendance(lti: LtiHarness, workshop_id: int) -> dict[str, Any]:
    """roster name → (the attendance the grade reads, whether the session is missing in the report)."""
    with lti.tool_app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        members = list(db.session.scalars(select(WorkshopMember).where(WorkshopMember.workshop_id == workshop_id,
                                                                       WorkshopMember.role == "participant")))
        wf = gather(workshop, members)
        session = db.session.scalars(select(Activity.id).where(Activity.kind == "offline")).one()
        missing = {s.member.id: any(a.id == session for a in s.missing) for s in standings(wf, [])}
        return {f.member.display_name: (MEASURES["offline_attendance"].compute(wf, f, SLOT, ""), missing[f.member.id])
                for f in wf.members.values()}


def test_one_classes_roll_call_leaves_the_others_uncounted(lti: LtiHarness) -> None:
    w = workshop_setup(lti, session_date="2026-09-01")  # past: the session is due in the report
    wid = int(w["base"].rsplit("/", 1)[1])
    host = w["drivers"]["maxiaoyan"].session
    assert host.post(w["base"] + "/setup", data={  # a scheme with the attendance rule (seed 003 意见2 二(四))
        "csrf_token": csrf(host.get(w["base"] + "/setup").text), "title": "工作坊", "required_hours": "25",
        "minutes_per_hour": "45", "hours_rounding": "proportional", "grading_preset": "zhenjiang-80-20"}
    ).status_code == 200
    assert post_roll(w, "huwenbin", {"wanglihua": ("present", ""), "lijianguo": ("absent", ""),
                                     "zhangxiuying": ("present", ""), "liuyang": ("present", "")}).status_code == 200
    seen = attendance(lti, wid)
    wang, li, chen = seen["王丽华"], seen["李建国"], seen["陈静"]
    assert (wang[0].scheduled, wang[0].attended, wang[1]) == (Decimal(4), Decimal(4), False)
    assert (li[0].scheduled, li[0].attended, li[1]) == (Decimal(4), Decimal(0), True)  # recorded absent
    assert chen == (None, False)  # 二班: not called yet, neither absent nor missing
    page = w["drivers"]["chenjing"].session.get(w["base"] + "/my-grade").text
    assert "缺勤" not in page
    assert "缺勤" in w["drivers"]["lijianguo"].session.get(w["base"] + "/my-grade").text
    assert post_roll(w, "guomeiling", {"chenjing": ("absent", "")}).status_code == 200
    chen = attendance(lti, wid)["陈静"]
    assert (chen[0].scheduled, chen[0].attended, chen[1]) == (Decimal(4), Decimal(0), True)


def test_the_studio_names_a_recorded_absence(lti: LtiHarness) -> None:
    """A session recorded absent completes 0 %: the studio's list said 未开始, as if nothing were known."""
    w = workshop_setup(lti)
    assert post_roll(w, "huwenbin", {"wanglihua": ("present", ""), "lijianguo": ("absent", "")}).status_code == 200

    def row(login: str) -> str:
        page = w["drivers"][login].session.get(w["base"] + "/studio").text
        return page.split(f'data-activity="{w["aid"]}"', 1)[1].split("</li>", 1)[0]

    assert "缺勤" in row("lijianguo") and "未开始" not in row("lijianguo")
    assert "已完成" in row("wanglihua")
    assert "尚未开始计分" in row("chenjing")  # not called yet


def test_an_optional_session_never_fails_the_training(lti: LtiHarness) -> None:
    """Seed 003 意见2 二(四) fails a learner who misses a third of the training's hours; a session the
    host made optional (选做) adds the hours attended and fails nobody (late to one optional 4-hour
    session, 1.5 h missed, failed the whole training: found by exploratory QA)."""
    w = workshop_setup(lti, session_date="2026-09-01")
    wid = int(w["base"].rsplit("/", 1)[1])
    assert post_roll(w, "huwenbin", {"wanglihua": ("present", ""), "lijianguo": ("absent", "")}).status_code == 200
    assert attendance(lti, wid)["李建国"][0].attended == Decimal(0)  # required: counted, absent
    with lti.tool_app.app_context():
        db.session.scalars(select(Activity).where(Activity.kind == "offline")).one().required = False
        db.session.commit()
    seen = attendance(lti, wid)
    assert seen["李建国"][0] is None and seen["王丽华"][0] is None  # not in the attendance rule
    page = w["drivers"]["lijianguo"].session.get(w["base"] + "/my-grade").text
    assert "按培训不合格处理" not in page
