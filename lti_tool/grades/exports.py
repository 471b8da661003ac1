"""Credit registration exports (学分登记): CSV (UTF-8 with BOM, so Excel opens it) and XLSX, with
the Chinese headers county centres use. Cells that a spreadsheet would run as a formula are
neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import abort, g

from ..models import GradeResult, WorkshopMember
from ..text import safe_cell
from ..workshops.access import workshop_access
from ..workshops.views import bp
from .service import ensure_fresh, stored_results
from .views import csv_response, visible_members

HEADERS = ("姓名", "学校", "镇街", "班级", "研修小组", "总分", "等级", "是否合格", "学时", "学分", "优秀学员", "说明")
def export_rows(members: Iterable[WorkshopMember], results: dict[int, GradeResult]) -> list[list[Any]]:
    rows = []
    for m in members:
        r = results.get(m.id)
        notes = "；".join((r.explanation or {}).get("result", {}).get("notes", [])) if r else ""
        rows.append([safe_cell(v) for v in (
            m.display_name, m.school or "", m.town or "", m.workshop_class.name if m.workshop_class else "",
            m.group.name if m.group else "",
            f"{r.total:.2f}" if r else "", r.band if r else "", ("合格" if r.passed else "不合格") if r else "",
            r.explanation.get("result", {}).get("hours", "") if r else "", f"{r.credits}" if r else "",
            ("是" if r.outstanding else "") if r else "", notes)])
    return rows


def to_csv(rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: Sequence[Sequence[Any]], title: str) -> bytes:
    from openpyxl import Workbook

    # Write-only, as the 情况通报's: rows go straight to the file, not a cell object each first (a
    # city workshop's 23,000 learners are 276,000 cells); the widths must come before the rows.
    book = Workbook(write_only=True)
    sheet = book.create_sheet("学分登记")
    for column, width in zip("ABCDEFGHIJKL", (10, 18, 10, 10, 10, 8, 8, 8, 8, 8, 8, 40), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append([safe_cell(title)])
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@bp.route("/<int:workshop_id>/grades/export.<fmt>")
@workshop_access("host")
def grades_export(workshop_id: int, fmt: str) -> Any:
    if fmt not in ("csv", "xlsx"):
        abort(404)
    workshop = g.viewer.workshop
    if ensure_fresh(workshop) is None:
        abort(409, description="尚未设置评分方案 / no grading scheme yet")
    rows = export_rows(visible_members(g.viewer), stored_results(workshop))
    name = f"{workshop.title}-学分登记.{fmt}"
    if fmt == "csv":
        return csv_response(to_csv(rows), name, "text/csv")
    return csv_response(to_xlsx(rows, workshop.title), name,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
