"""The 学分登记 export (exploratory QA): 总分, 学时 and 学分 are numbers in the XLSX, shown with the
same decimal places in every row (they were text, "number stored as text" in Excel, and 学时 read
0 in one row and 0.01 in the next); the CSV has the same digits as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from lti_tool.grades.exports import export_rows, to_csv, to_xlsx

from ...fixtures.lti import LtiHarness, lti_harness
from .test_grade_pages import graded_workshop

NUMBERS = {"总分": 5, "学时": 8, "学分": 9}


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def test_totals_hours_and_credits_are_numbers_with_fixed_places(lti: LtiHarness) -> None:
    """王丽华 (94.00, the 10-minute video: 0.22 学时) and 李建国 (nothing done: 0 学时) — both rows
    numeric, both shown to two places."""
    host, base, _ = graded_workshop(lti)
    lti.driver().launch("lijianguo")
    book = load_workbook(io.BytesIO(host.get(base + "/grades/export.xlsx").content))
    rows = {row[0].value: row for row in book.active.iter_rows(min_row=3)}
    assert set(rows) == {"王丽华", "李建国"}
    for name, row in rows.items():
        for header, column in NUMBERS.items():
            cell = row[column]
            assert cell.data_type == "n" and isinstance(cell.value, int | float), (name, header, cell.value)
            assert cell.number_format == "0.00", (name, header)
        assert row[0].data_type == "s" and row[6].data_type == "s"  # name and band stay text
    wang, li = rows["王丽华"], rows["李建国"]
    assert wang[5].value == 94 and wang[8].value == pytest.approx(0.22) and li[8].value == 0

    text = list(csv.reader(io.StringIO(host.get(base + "/grades/export.csv").content.decode("utf-8-sig"))))
    by_name = {row[0]: row for row in text[1:]}
    assert [by_name["王丽华"][c] for c in NUMBERS.values()] == ["94.00", "0.22", "0.11"]
    assert by_name["李建国"][8] == "0.00" and by_name["李建国"][9] == "0.00"


def _learner(total: str, hours: str, credits: str) -> tuple[SimpleNamespace, SimpleNamespace]:
    member = SimpleNamespace(id=1, display_name="=陈静", school="", town="", workshop_class=None, group=None)
    result = SimpleNamespace(total=Decimal(total).quantize(Decimal("0.01")), band="合格", passed=True,
                             credits=Decimal(credits), outstanding=False,
                             explanation={"result": {"total": total, "hours": hours, "notes": ["+1"]}})
    return member, result


def test_the_total_follows_the_schemes_precision_and_text_stays_formula_safe() -> None:
    """A scheme showing one place: 82.5 is written 82.5 with format "0.0" (the engine's figure from
    the explanation); hours and credits keep two places; text cells keep their apostrophe."""
    member, result = _learner("82.5", "4.5", "2.25")
    rows = export_rows([member], {1: result}, precision=1)  # type: ignore[list-item,dict-item]
    sheet = load_workbook(io.BytesIO(to_xlsx(rows, "=工作坊"))).active
    row = next(sheet.iter_rows(min_row=3))
    assert (row[5].value, row[5].number_format) == (82.5, "0.0")
    assert [(row[c].value, row[c].number_format) for c in (8, 9)] == [(4.5, "0.00"), (2.25, "0.00")]
    assert row[0].value == "'=陈静" and row[11].value == "'+1" and sheet["A1"].value == "'=工作坊"
    line = to_csv(rows).decode("utf-8-sig").splitlines()[1].split(",")
    assert [line[c] for c in NUMBERS.values()] == ["82.5", "4.50", "2.25"]
