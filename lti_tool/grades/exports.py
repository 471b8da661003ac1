"""Credit registration exports (学分登记): CSV (UTF-8 with BOM, so Excel opens it) and XLSX, with
the Chinese headers county centres use. Cells that a spreadsheet would run as a formula are
neutralised. 总分, 学时 and 学分 are numbers with the same decimal places in every row: real numbers
in the XLSX (Excel sums and sorts them; text cells got "number stored as text"), the same digits
as text in the CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort, g

from grading import PolicyError
from grading.numbers import round_half_up

from ..downloads import download
from ..models import GradeResult, WorkshopMember
from ..text import safe_cell
from ..workshops.access import workshop_access
from ..workshops.views import bp
from .service import NoPolicy, ensure_fresh, stored_results, workshop_policy
from .views import visible_members

HEADERS = ("姓名", "学校", "镇街", "班级", "研修小组", "总分", "等级", "是否合格", "学时", "学分", "优秀学员", "说明")
# 学时 are counted to 0.01 (xapi.hours_from_seconds; offline hours are stored so) and 学分 are stored
# to 0.01 (GradeResult.credits), as the grade table shows them. The total follows the scheme's
# `precision`; without a readable scheme, 2 as every preset.
HOURS_PLACES = CREDIT_PLACES = 2
DEFAULT_PRECISION = 2


def export_rows(members: Iterable[WorkshopMember], results: dict[int, GradeResult],
                precision: int = DEFAULT_PRECISION) -> list[list[Any]]:
    """One row per member: text cells formula-safe, 总分/学时/学分 as Decimals rounded to their
    places ("" where there is no result), so both files show the same digits."""
    rows = []
    for m in members:
        r = results.get(m.id)
        result = (r.explanation or {}).get("result", {}) if r else {}
        notes = "；".join(result.get("notes", []))
        rows.append([safe_cell(v) for v in (
            m.display_name, m.school or "", m.town or "", m.workshop_class.name if m.workshop_class else "",
            m.group.name if m.group else "")] + [
            _places(_exact(result.get("total"), r.total), precision) if r else "",
            safe_cell(r.band if r else ""), ("合格" if r.passed else "不合格") if r else "",
            _places(_exact(result.get("hours"), None), HOURS_PLACES) if r else "",
            _places(r.credits, CREDIT_PLACES) if r else "",
            ("是" if r.outstanding else "") if r else "", safe_cell(notes)])
    return rows


def _exact(text: Any, fallback: Decimal | None) -> Decimal | None:
    """The engine's own figure from the explanation (the stored column keeps two places, a scheme
    may show more), else `fallback`."""
    try:
        value = Decimal(str(text)) if text not in (None, "") else fallback
    except InvalidOperation:
        return fallback
    return value if value is None or value.is_finite() else fallback


def _places(value: Decimal | None, places: int) -> Decimal | str:
    return "" if value is None else round_half_up(Decimal(value), places)


def to_csv(rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows([f"{v:f}" if isinstance(v, Decimal) else v for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def number_format(value: Decimal) -> str:
    """Excel's format showing exactly the places `value` was rounded to: "0.00", "0"."""
    places = max(0, -int(value.as_tuple().exponent))
    return "0." + "0" * places if places else "0"


def to_xlsx(rows: Sequence[Sequence[Any]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    # Write-only, as the 情况通报's: rows go straight to the file, not a cell object each first (a
    # city workshop's 23,000 learners are 276,000 cells); the widths must come before the rows. Only
    # the three numbers are cell objects, for their number format (4.5 shown as 4.50 like 4.41).
    book = Workbook(write_only=True)
    sheet = book.create_sheet("学分登记")
    for column, width in zip("ABCDEFGHIJKL", (10, 18, 10, 10, 10, 8, 8, 8, 8, 8, 8, 40), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append([safe_cell(title)])
    sheet.append(list(HEADERS))
    for row in rows:
        cells: list[Any] = []
        for value in row:
            if isinstance(value, Decimal):
                # openpyxl writes a Decimal's own digits (its stubs omit Decimal); a float could round.
                cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
                cell.number_format = number_format(value)
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _precision(workshop: Any) -> int:
    try:
        return workshop_policy(workshop).precision
    except (NoPolicy, PolicyError):
        return DEFAULT_PRECISION


@bp.route("/<int:workshop_id>/grades/export.<fmt>")
@workshop_access("host")
def grades_export(workshop_id: int, fmt: str) -> Any:
    if fmt not in ("csv", "xlsx"):
        abort(404)
    workshop = g.viewer.workshop
    if ensure_fresh(workshop) is None:
        abort(409, description="尚未设置评分方案 / no grading scheme yet")
    rows = export_rows(visible_members(g.viewer), stored_results(workshop), _precision(workshop))
    name = f"{workshop.title}-学分登记.{fmt}"
    fallback = f"yanxiu-credits-{workshop.id}.{fmt}"
    if fmt == "csv":
        return download(to_csv(rows), name, "text/csv", fallback=fallback)
    return download(to_xlsx(rows, workshop.title), name,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fallback=fallback)
