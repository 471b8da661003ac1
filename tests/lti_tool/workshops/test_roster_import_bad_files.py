"""Roster import of damaged files (standards: bad input is a 400 naming the problem), found by a
fuzzer: the app's own XLSX template with one cell broken was a ValueError or IndexError (a 500),
because read-only openpyxl reads the sheet only while its rows are iterated; a NUL in a CSV cell
was stored on SQLite and a 500 on PostgreSQL, whose text cannot hold it."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from lti_tool.workshops.roster_io import to_xlsx

from ...fixtures.lti import LtiHarness, lti_harness
from .test_people import host_people, roster_state
from .test_roster_io import errors_of, upload

DAMAGED = ("无法读取 XLSX 文件：文件已损坏或不是有效的工作簿 / the XLSX file cannot be read: "
           "it is damaged or not a valid workbook")
# (what the 学校 cell of row 2 is made into, in the sheet's XML)
BROKEN_CELLS = {
    "text in a numeric cell": b'<c r="C2" t="n"><v>abc</v></c>',
    "shared string out of range": b'<c r="C2" t="s"><v>99999</v></c>',
    "text in a date cell": b'<c r="C2" t="d"><v>abc</v></c>',
    "no such column": b'<c r="ZZZZZZ2"><v>1</v></c>',
}


def with_row(template: bytes, cell: bytes) -> bytes:
    """The template with a row 2 (王丽华 and `cell`), by rewriting its first sheet inside the zip."""
    source, out = zipfile.ZipFile(io.BytesIO(template)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                name = b'<c r="A2" t="inlineStr"><is><t>&#29579;&#20029;&#21326;</t></is></c>'  # 王丽华
                row = b'<row r="2">' + name + cell + b"</row>"
                assert b'<dimension ref="A1:G1"/>' in data and data.count(b"</sheetData>") == 1
                data = data.replace(b'<dimension ref="A1:G1"/>', b'<dimension ref="A1:G2"/>')
                data = data.replace(b"</sheetData>", row + b"</sheetData>")
            target.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize("cell", BROKEN_CELLS.values(), ids=BROKEN_CELLS.keys())
def test_a_damaged_cell_in_the_template_is_a_file_error(cell: bytes) -> None:
    assert errors_of(with_row(to_xlsx([], template=True), cell), "名单.xlsx") == [DAMAGED]


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def test_the_damaged_template_is_a_400_that_changes_nothing(lti: LtiHarness) -> None:
    """Through the people page, the template it serves with a cell broken; the template with the
    cell well formed imports."""
    s, base, token = host_people(lti)
    before = roster_state(lti)
    template = s.get(base + "/people/template.xlsx").content
    for cell in BROKEN_CELLS.values():
        r = upload(s, base, token, with_row(template, cell), "名单.xlsx")
        assert r.status_code == 400 and DAMAGED in r.text, (cell, r.status_code)
    assert roster_state(lti) == before
    ok = upload(s, base, token, with_row(template, b'<c r="C2" t="inlineStr"><is><t>x</t></is></c>'), "名单.xlsx")
    assert ok.status_code == 200 and "已导入 1 行" in ok.text, ok.text[:3000]


def test_nul_in_a_cell_is_a_400_naming_row_and_column_on_both_databases(lti: LtiHarness) -> None:
    """PostgreSQL's text cannot hold NUL: it was a 500 there and stored on SQLite."""
    s, base, token = host_people(lti)
    before = roster_state(lti)
    r = upload(s, base, token, "姓名,学校\n王丽华,学\x00校\n".encode(), "名单.csv")
    assert r.status_code == 400, r.text[:300]
    assert "第 2 行「学校」：不能含有空字符 (U+0000) / row 2, 学校: must not contain the NUL character" in r.text
    assert "导入未执行" in r.text
    assert roster_state(lti) == before
    ok = upload(s, base, token, "姓名,学校\n王丽华,学校\n".encode(), "名单.csv")
    assert ok.status_code == 200 and "已导入 1 行" in ok.text
