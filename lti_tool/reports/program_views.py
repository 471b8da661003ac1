"""`/program`: the county / program manager's view of every workshop of their platform, and its
XLSX (the numbers the county reports upward).

Who: a user whose launch carried an institution or system Administrator role (Moodle sends both
for a site administrator; Open edX sends the system one for staff) — the county centre's program
manager, not a course teacher. Decision where the issue is silent: the scope is the platform the
manager launched from; another platform's workshops are never listed.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, render_template, session

from ..china import china_time, china_today
from ..downloads import download
from ..extensions import db
from ..i18n import current_lang
from ..lti.roles import LIS
from ..models import Course, Membership
from ..text import safe_cell
from ..workshops.registry import NavLink, register_nav
from .cache import cached
from .plain_data import from_plain, to_plain
from .program import Program, build_program, day_rate
from .shared_cache import Codec
from .standing import STATUS_LABELS

bp = Blueprint("program", __name__, url_prefix="/program")
PROGRAM_ROLES = frozenset({LIS + "institution/person#Administrator", LIS + "system/person#Administrator"})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# As JSON: with Redis, one computation of a county's workshops serves every worker.
PROGRAM: Codec[Program] = Codec(encode=to_plain, decode=lambda plain: from_plain(Program, plain))


def _launch_membership() -> Membership | None:
    """The membership of this session's launch, or None without a (valid) launch."""
    uid, membership_id = session.get("uid"), session.get("membership_id")
    if uid is None or membership_id is None:
        return None
    membership = db.session.get(Membership, membership_id)
    return membership if membership is not None and membership.user_id == uid else None


def _manages(membership: Membership | None) -> bool:
    return membership is not None and bool(PROGRAM_ROLES.intersection(membership.lti_roles or []))


def is_program_manager(_viewer: Any = None) -> bool:
    return _manages(_launch_membership())


register_nav(NavLink("program.program_view", "项目总览", "Program", is_program_manager, order=95))


def program_platform() -> int:
    """The platform of the manager's launch; 401 without a launch, 403 for anyone else."""
    membership = _launch_membership()
    if membership is None:
        abort(401)  # the error page says: the session expired, launch again from the course
    if not _manages(membership):
        abort(403, description="只有项目管理员（平台管理员）可以查看 / Program managers (platform administrators) only")
    course = db.session.get(Course, membership.course_id)
    assert course is not None
    return course.platform_id


def _program() -> Program:
    platform_id, today = program_platform(), china_today()
    return cached(("program", platform_id, today), lambda: build_program(platform_id, today), PROGRAM)


@bp.route("/")
def program_view() -> Any:
    program = _program()
    return render_template("reports/program.html", program=program, labels=STATUS_LABELS, day_rate=day_rate,
                           lang=current_lang())


@bp.route("/export.xlsx")
def program_xlsx() -> Any:
    program = _program()
    today = f"{china_today():%Y%m%d}"
    return download(program_workbook(program), f"研修情况-{today}.xlsx", XLSX,
                        fallback=f"yanxiu-program-{today}.xlsx")


def program_workbook(program: Program) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = "工作坊"
    statuses = [zh for zh, _ in STATUS_LABELS.values()]
    sheet.append(["课程", "工作坊", "学员", "已开始", "近7天参与率%", "必做完成度%", *statuses, "待批改",
                  "坊主最近访问"])
    for w in program.workshops:
        o = w.overview.whole
        last = max((h.last_seen for h in w.hosts if h.last_seen), default=None)
        sheet.append([safe_cell(w.course), safe_cell(w.title), o.members,
                      o.started, o.week_rate, o.completion,
                      *(w.statuses.get(k, 0) for k in STATUS_LABELS), w.backlog,
                      china_time(last)])
    days = [d.strftime("%m-%d") for d in program.days]
    for title, rows, per_day in (("学校", program.schools, program.school_days),
                                 ("镇街", program.towns, program.town_days)):
        part = book.create_sheet(title)
        part.append([title, "学员", "已开始", "近7天参与率%", *(f"{d} 参与人数" for d in days)])
        for name in sorted(rows):
            row = rows[name]
            part.append([safe_cell(name or "（未填写）"), row.members, row.started, row.week_rate,
                         *per_day.get(name, [0] * len(days))])
    tutors = book.create_sheet("辅导老师")
    tutors.append(["工作坊", "辅导老师", "班级", "近14天批改", "待批改", "批改用时中位数（小时）"])
    for w, t in program.tutors:
        tutors.append([safe_cell(w.title), safe_cell(t.name), safe_cell("、".join(t.classes)),
                       t.graded, t.pending, t.response_hours if t.response_hours is not None else ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
