"""The grade table of a large class: what it lists, counts and pages under every filter equals a
plain reading of the stored members and results; its pager stays short however many pages there
are; the gradebook outbox line counts without reading every entry."""

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
from lti_tool.grades.views import PAGE_SIZE, page_window
from lti_tool.grades.writeback import outbox_status
from lti_tool.models import GradeResult, GradeState, ScoreOutbox, User, Workshop, WorkshopClass, WorkshopMember
from lti_tool.statements.worker_lease import WorkerLease

from ...fixtures.lti import LtiHarness, lti_harness
from .test_grade_pages import graded_workshop

BANDS = ("优秀", "良好", "合格", "不合格")


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def _large_class(lti: LtiHarness, base: str, people: int) -> dict[str, Any]:
    """`people` more participants in three classes and four schools, with stored results (some
    without, some inactive), the stored grades marked fresh: the page shows exactly these rows."""
    workshop_id = int(base.rsplit("/", 1)[1])
    with lti.tool_app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        classes = [WorkshopClass(workshop_id=workshop_id, name=f"{i + 1}班") for i in range(3)]
        users = [User(issuer=workshop.course.platform.issuer, sub=f"many-{i}", name=f"学员{i:03d}")
                 for i in range(people)]
        db.session.add_all(classes + users)
        db.session.flush()
        members = [WorkshopMember(workshop_id=workshop_id, user_id=u.id, role="participant", school=f"学校{i % 4}",
                                  class_id=classes[i % 3].id, active=i % 17 != 5) for i, u in enumerate(users)]
        db.session.add_all(members)
        db.session.flush()
        for i, m in enumerate(members):
            if i % 11 == 3:
                continue  # no result yet
            row = db.session.scalars(select(GradeResult).where(GradeResult.member_id == m.id)).first()
            row = row or GradeResult(workshop_id=workshop_id, member_id=m.id, explanation={})
            row.total, row.band = Decimal(f"{(i * 37) % 100}.{(i * 7) % 100:02d}"), BANDS[i % 4]
            row.passed, row.credits, row.outstanding = i % 3 != 0, Decimal("1.5"), i % 29 == 0
            db.session.add(row)
        state = db.session.get(GradeState, workshop_id)
        state.stale, state.full, state.error = False, False, None
        state.computed_at = datetime.now(UTC)
        db.session.commit()
        return {"workshop_id": workshop_id, "classes": [c.id for c in classes]}


def _plain_reading(workshop_id: int, args: dict[str, str]) -> tuple[list[int], dict[str, Any]]:
    """Every active participant in member order, filtered as the table's form says, read row by row."""
    members = db.session.scalars(select(WorkshopMember).where(
        WorkshopMember.workshop_id == workshop_id, WorkshopMember.role == "participant",
        WorkshopMember.active.is_(True)).order_by(WorkshopMember.id)).all()
    results = {r.member_id: r for r in db.session.scalars(select(GradeResult).where(
        GradeResult.workshop_id == workshop_id))}
    shown = []
    for m in members:
        r = results.get(m.id)
        if args.get("school") and m.school != args["school"]:
            continue
        if args.get("class") and str(m.class_id) != args["class"]:
            continue
        if args.get("band") and (r is None or r.band != args["band"]):
            continue
        if args.get("passed") in ("yes", "no") and (r is None or r.passed != (args["passed"] == "yes")):
            continue
        shown.append((m.id, r))
    graded = [r for _, r in shown if r is not None]
    summary = {"count": len(graded), "passed": sum(1 for r in graded if r.passed)}
    if graded:
        mean = sum((Decimal(r.total) for r in graded), Decimal(0)) / len(graded)
        summary["average"] = mean.quantize(Decimal("0.01"))
    return [mid for mid, _ in shown], summary


def test_the_table_lists_counts_and_pages_what_a_plain_reading_finds(lti: LtiHarness) -> None:
    host, base, _ = graded_workshop(lti)
    assert host.get(base + "/grades").status_code == 200  # the first computation
    made = _large_class(lti, base, 160)
    second_class = str(made["classes"][1])
    asked = [{}, {"page": "2"}, {"page": "4"}, {"page": "999"}, {"school": "学校1"}, {"band": "良好", "passed": "yes"},
             {"class": second_class, "page": "2"}, {"passed": "no", "school": "学校2"}, {"band": "不存在"},
             {"class": "x"}, {"school": "学校3", "class": second_class, "band": "合格"}]
    for args in asked:
        page = host.get(base + "/grades", params=args)
        assert page.status_code == 200, args
        with lti.tool_app.app_context():
            ids, summary = _plain_reading(made["workshop_id"], args)
        pages = max(1, -(-len(ids) // PAGE_SIZE))
        number = min(max(1, int(args.get("page", "1"))), pages)
        listed = [int(x) for x in re.findall(r'data-member="(\d+)"', page.text)]
        assert listed == ids[(number - 1) * PAGE_SIZE : number * PAGE_SIZE], args
        assert f"学员 {len(ids)}</p>" in page.text, args
        if summary["count"]:
            line = f'id="summary">合格 {summary["passed"]}/{summary["count"]} · 平均分 {summary["average"]}'
            assert line in page.text, args
        else:
            assert 'id="summary"' not in page.text
    everyone = host.get(base + "/grades").text
    assert [s for s in re.findall(r"<option>(学校\d)</option>", everyone)] == ["学校0", "学校1", "学校2", "学校3"]
    assert all(f"<option>{band}</option>" in everyone for band in BANDS)


@pytest.mark.parametrize(("page", "pages", "expected"), [
    (1, 1, [1]),
    (1, 7, [1, 2, 3, None, 7]),
    (3, 7, [1, 2, 3, 4, 5, 6, 7]),
    (1, 460, [1, 2, 3, None, 460]),
    (230, 460, [1, None, 228, 229, 230, 231, 232, None, 460]),
    (460, 460, [1, None, 458, 459, 460]),
    (4, 460, [1, 2, 3, 4, 5, 6, None, 460]),
])
def test_the_pager_shows_the_ends_and_the_pages_around_this_one(page: int, pages: int,
                                                                expected: list[int | None]) -> None:
    assert page_window(page, pages) == expected


def test_the_outbox_line_counts_every_entry_and_names_the_latest_error(lti: LtiHarness) -> None:
    _host, base, _ = graded_workshop(lti)
    workshop_id = int(base.rsplit("/", 1)[1])
    with lti.tool_app.app_context():
        member_ids = db.session.scalars(select(WorkshopMember.id)
                                        .where(WorkshopMember.workshop_id == workshop_id)).all()
        assert outbox_status(workshop_id) == {"pending": 0, "last_error": None, "next_at": None, "unattended": False}
        soon = datetime.now(UTC) + timedelta(minutes=1)
        for key, error in (("total", "HTTP 500 first"), ("process", "HTTP 503 latest"), ("summative", None)):
            db.session.add(ScoreOutbox(workshop_id=workshop_id, member_id=member_ids[0], line_item_key=key,
                                       payload={}, next_attempt_at=soon, last_error=error))
            db.session.flush()
        db.session.commit()
        # None due now (the platform failed): the line says when the next attempt is.
        # No background worker runs in this test: nothing but the host's button would send them.
        assert outbox_status(workshop_id) == {"pending": 3, "last_error": "HTTP 503 latest", "next_at": soon,
                                              "unattended": True}
        lease = WorkerLease(db.engine)
        assert lease.held()
        try:
            assert outbox_status(workshop_id)["unattended"] is False
        finally:
            lease.release()
        assert outbox_status(workshop_id + 1000) == {"pending": 0, "last_error": None, "next_at": None,
                                                     "unattended": False}
        db.session.add(ScoreOutbox(workshop_id=workshop_id, member_id=member_ids[1], line_item_key="total",
                                   payload={}, next_attempt_at=datetime.now(UTC)))
        db.session.commit()
        assert outbox_status(workshop_id)["next_at"] is None  # one is due: nothing to wait for
