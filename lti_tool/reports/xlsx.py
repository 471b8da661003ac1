"""The 情况通报 as a workbook: 概况 (summary), 学员 (every learner, with a totals row), 辅导老师."""

from __future__ import annotations

import io
from decimal import Decimal

from ..text import safe_cell
from .progress_report import Report
from .standing import STATUS_LABELS

LEARNER_HEADERS = ("姓名", "学校", "镇街", "班级", "研修小组", "状态", "学时", "应达学时", "发帖", "已交作业",
                   "未完成的必做活动", "说明")
TUTOR_HEADERS = ("辅导老师", "班级", "本期批改", "待批改", "本期发帖", "批改用时中位数（小时）")


def report_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook

    # Write-only: rows go straight to the file instead of a cell object each first (a city
    # workshop's 23,000 learners are 276,000 cells).
    book = Workbook(write_only=True)
    summary = book.create_sheet("概况")
    summary.append([safe_cell(report.heading)])
    summary.append(["统计时段", f"{report.start:%Y-%m-%d} 至 {report.end:%Y-%m-%d}"])
    summary.append(["学员人数", len(report.standings)])
    for status, (zh, _en) in STATUS_LABELS.items():
        summary.append([zh, report.counts[status]])
    summary.append(["本期发帖", report.period["posts"]])
    summary.append(["本期提交作业", report.period["submitted"]])

    learners = book.create_sheet("学员")
    for column, width in zip("ABCDEFGHIJKL", (10, 18, 10, 10, 10, 10, 8, 10, 6, 8, 30, 40), strict=True):
        learners.column_dimensions[column].width = width
    learners.append(list(LEARNER_HEADERS))
    total_hours = Decimal(0)
    for s in report.standings:
        m = s.member
        total_hours += s.hours
        learners.append([safe_cell(v) for v in (
            m.display_name, m.school or "", m.town or "", m.workshop_class.name if m.workshop_class else "",
            m.group.name if m.group else "", STATUS_LABELS[s.status][0], s.hours,
            s.expected if s.expected is not None else "", s.posts, len(s.facts.submitted),
            "、".join(a.title for a in s.missing), "；".join(r.zh for r in s.reasons))])
    learners.append(["合计", "", "", "", "", f"{len(report.standings)} 人", total_hours, "",
                     sum(s.posts for s in report.standings),
                     sum(len(s.facts.submitted) for s in report.standings), "", ""])

    tutors = book.create_sheet("辅导老师")
    tutors.append(list(TUTOR_HEADERS))
    for t in report.tutors:
        tutors.append([safe_cell(t.name), safe_cell("、".join(t.classes)), t.graded, t.pending,
                       t.posts, t.response_hours if t.response_hours is not None else ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
