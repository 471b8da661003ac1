"""Roster import/export (名单导入导出, issue 3 §2 and "What bad input gets"): the file reader and the
planner on their own, then imports and exports through the people page on SQLite and PostgreSQL.
A file with any error imports nothing, and every error names its row and column."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from lti_tool.devlms.demo_data import DEMO_COURSE
from lti_tool.workshops.roster_io import (
    COLUMNS,
    Person,
    RosterFileError,
    Table,
    export_row,
    plan_import,
    read_table,
    to_csv,
    to_xlsx,
)

from ...fixtures.lti import LtiHarness, lti_harness
from .test_pages import XSS
from .test_people import add_demo_users, host_people, roster_state


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness

HEADER = ["姓名", "登录名/用户ID", "学校", "镇街", "班级", "研修小组", "角色"]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    data = out.getvalue().encode(encoding)
    return b"\xef\xbb\xbf" + data if bom else data


def xlsx_bytes(rows: list[list[Any]], title: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def errors_of(data: bytes, name: str = "r.csv") -> list[str]:
    with pytest.raises(RosterFileError) as caught:
        read_table(data, name)
    return caught.value.errors


# -- the reader -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("gbk", False),
                                               ("gb18030", False), ("utf-16", False)])
def test_csv_encodings(encoding: str, bom: bool) -> None:
    """UTF-8 with or without BOM, GBK/GB18030 (Excel in China) and UTF-16 all read the same."""
    data = csv_bytes([HEADER, ["王丽华", "11", "城关小学", "城关镇", "一班", "第一组", "学员"]], encoding, bom)
    table = read_table(data, "roster.csv")
    assert table.rows == [(2, dict(zip(HEADER, ["王丽华", "11", "城关小学", "城关镇", "一班", "第一组", "学员"],
                                           strict=True)))]


def test_xlsx_with_title_row_numbers_and_extra_columns() -> None:
    """A title row above the header, a 序号 column and numeric ids typed into Excel are all fine;
    row numbers are the spreadsheet's."""
    data = xlsx_bytes([["序号", *HEADER], [1, "王丽华", 11, None, None, "一班", None, "学员"]], title="2026 名单")
    table = read_table(data, "roster.xlsx")
    assert table.rows == [(3, {"姓名": "王丽华", "登录名/用户ID": "11", "学校": "", "镇街": "", "班级": "一班",
                               "研修小组": "", "角色": "学员"})]


def test_file_level_errors() -> None:
    """Empty, too large, old .xls, broken XLSX, bad encoding, missing or doubled columns, no rows."""
    assert "文件为空" in errors_of(b"")[0]
    assert "文件为空" in errors_of(b"\n\n,,\n")[0]
    assert "文件过大" in first_error(lambda: read_table(b"x" * 100, "a.csv", max_bytes=10))
    assert ".xls" in errors_of(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "a.xls")[0]
    assert "XLSX" in errors_of(b"PK\x03\x04broken", "a.xlsx")[0]
    assert "编码" in errors_of(b"\xff\xff\xff\x80\x80", "a.csv")[0]
    # Not a roster at all: named so, or binary under a roster's name (it read as "missing 姓名").
    for data, name in ((b"MZ\x90\x00" + b"\0" * 100, "setup.exe"), (b"%PDF-1.4\n", "名单.pdf"),
                       (b"MZ\x90\x00" + b"\0" * 100, "名单.csv"), (b"MZ\x90\x00" + b"\0" * 100, "")):
        assert "不是名单文件" in errors_of(data, name)[0], name
    assert read_table(csv_bytes([HEADER, ["王丽华"] + [""] * (len(HEADER) - 1)]), "名单").rows  # no suffix: read
    assert "缺少必需的列" in errors_of(csv_bytes([["学校", "班级"], ["城关小学", "一班"]]))[0]
    assert "出现了两次" in errors_of(csv_bytes([["姓名", "班级", "班级"], ["王丽华", "一", "二"]]))[0]
    assert "没有数据行" in errors_of(csv_bytes([HEADER]))[0]


def first_error(call: Any) -> str:
    with pytest.raises(RosterFileError) as caught:
        call()
    return caught.value.errors[0]


# -- the planner ----------------------------------------------------------------------------------
def people() -> list[Person]:
    return [
        Person(1, "11", "wang@x.cn", "王丽华", None, "城关小学", None, None, None, "participant"),
        Person(2, "12", None, "李建国", None, "城关小学", None, "一班", None, "participant"),
        Person(3, "13", None, "张伟", None, "城关小学", None, None, None, "participant"),
        Person(4, "14", None, "张伟", None, "北关小学", None, None, None, "participant"),
        Person(5, "3", None, "马晓燕", None, None, None, None, None, "host"),
        Person(6, "4", None, "胡文斌", None, None, None, None, None, "tutor"),
        Person(7, "15", None, None, "徐芳", None, None, None, None, "cohost"),
    ]


def plan(rows: list[list[str]], max_class: int = 100, max_cohosts: int = 3) -> Any:
    table = Table(set(HEADER), [(i + 2, dict(zip(HEADER, r, strict=True))) for i, r in enumerate(rows)])
    return plan_import(table, people(), ["一班"], [], max_class_size=max_class, max_cohosts=max_cohosts)


def test_planner_errors_name_row_and_column() -> None:
    result = plan([
        ["胡文斌", "", "", "", "", "", "校长"],  # unknown role word
        ["", "99", "", "", "", "", ""],  # unknown learner
        ["张伟", "", "", "", "", "", ""],  # two members share the name
        ["", "wang@x.cn", "", "", "", "", ""],  # by e-mail: fine
        ["王丽华", "", "", "", "", "", ""],  # same member as the row above
        ["马晓燕", "", "", "", "", "", "学员"],  # the LMS host
        ["李建国", "", "", "", "", "", "研修组长"],  # a leader without a group
        ["", "", "城关小学", "", "", "", ""],  # nobody named
    ])
    text = "\n".join(result.errors)
    assert "第 2 行「角色」：未知角色「校长」" in text
    assert "第 3 行「登录名/用户ID」：找不到成员「99」" in text
    assert "第 4 行「姓名」：有 2 位成员同名「张伟」" in text
    assert "第 6 行「姓名」：与第 5 行是同一位成员" in text
    assert "第 7 行「角色」：坊主的身份来自课程平台" in text
    assert "第 8 行「研修小组」：研修组长需要填写所在的研修小组" in text
    assert "第 9 行「姓名」：姓名和登录名/用户ID 都为空" in text
    assert len(result.errors) == 7


def test_planner_school_disambiguates_and_limits() -> None:
    """A shared name with a school is one member; class size and the 三人行 team are capped."""
    ok = plan([["张伟", "", "北关小学", "", "一班", "", ""]])
    assert ok.ok and ok.changes[0].person_id == 4 and ok.changes[0].class_name == "一班"
    full = plan([["王丽华", "", "", "", "一班", "", ""]], max_class=1)  # 李建国 is already in 一班
    assert full.errors == ["第 2 行「班级」：班级「一班」的人数将超过 1 / row 2, 班级: class would exceed 1"]
    team = plan([["王丽华", "", "", "", "", "", "三人行成员"], ["李建国", "", "", "", "", "", "三人行成员"]],
                max_cohosts=2)
    assert len(team.errors) == 1 and team.errors[0].startswith("第 3 行「角色」：三人行成员最多 2 位")
    tutors = plan([["胡文斌", "", "", "", "一班、二班", "", ""], ["王丽华", "", "", "", "二班", "", "辅导老师"]])
    assert tutors.errors[0].startswith("第 3 行「班级」：班级「二班」已由第 2 行的辅导老师负责")


def test_export_neutralises_formulas() -> None:
    """Cells starting with = + - @ get a leading apostrophe (CSV/XLSX formula injection)."""
    person = Person(1, "11", None, "=cmd|' /C calc'!A0", None, "+SUM(A1)", "-1", "@x", None, "participant")
    row = export_row(person)
    assert row[0] == "'=cmd|' /C calc'!A0" and row[2] == "'+SUM(A1)" and row[3] == "'-1" and row[4] == "'@x"
    sheet = load_workbook(io.BytesIO(to_xlsx([row]))).active
    assert sheet["A2"].value.startswith("'=") and sheet["A2"].data_type == "s"
    assert to_csv([row]).decode("utf-8-sig").splitlines()[1].startswith("'=cmd")


# -- through the people page ----------------------------------------------------------------------
def upload(s: Any, base: str, token: str, data: bytes, name: str) -> Any:
    return s.post(base + "/people/import", data={"csrf_token": token}, files={"file": (name, data)})


def sub(lti: LtiHarness, login: str) -> str:
    return lti.state.subject(lti.state.users[login])


def valid_rows(lti: LtiHarness) -> list[list[str]]:
    return [
        HEADER,
        ["王丽华", sub(lti, "wanglihua"), "城关小学", "城关镇", "一班", "第一组", "研修组长"],
        ["李建国", "", "城关小学", "城关镇", "一班", "第一组", "学员"],  # matched by name
        ["", sub(lti, "zhouting"), "石牛镇中心小学", "石牛镇", "二班", "第二组", "三人行成员"],
        ["胡文斌", sub(lti, "huwenbin"), "", "", "一班、二班", "", "辅导老师"],
        ["何振东", "", "县教研室", "", "", "", "学科专家"],
    ]


def check_valid_import(lti: LtiHarness) -> None:
    from sqlalchemy import select

    from lti_tool.extensions import db
    from lti_tool.models import StudyGroup, User, WorkshopClass, WorkshopMember

    with lti.tool_app.app_context():
        def member(login: str) -> WorkshopMember:
            return db.session.scalars(select(WorkshopMember).join(User).where(User.sub == sub(lti, login))).one()

        classes = {c.name: c for c in db.session.scalars(select(WorkshopClass))}
        groups = {g.name: g for g in db.session.scalars(select(StudyGroup))}
        assert set(classes) == {"一班", "二班"} and {"第一组", "第二组"} <= set(groups)
        wang, li, zhou, hu = member("wanglihua"), member("lijianguo"), member("zhouting"), member("huwenbin")
        assert (wang.school, wang.town, wang.class_id, wang.group_id) == ("城关小学", "城关镇", classes["一班"].id,
                                                                          groups["第一组"].id)
        assert groups["第一组"].leader_member_id == wang.id and wang.role == "participant"
        assert li.class_id == classes["一班"].id
        assert zhou.role == "cohost" and zhou.role_source == "host"
        assert classes["一班"].tutor_member_id == hu.id == classes["二班"].tutor_member_id
        assert member("hezhendong").school == "县教研室"


@pytest.mark.parametrize(("fmt", "encoding", "bom"), [("xlsx", None, False), ("csv", "utf-8", False),
                                                      ("csv", "utf-8", True), ("csv", "gbk", False)])
def test_valid_import(lti: LtiHarness, fmt: str, encoding: str | None, bom: bool) -> None:
    """XLSX and CSV (UTF-8, UTF-8 with BOM, GBK) set schools, classes, groups, roles, tutors and
    leaders, creating the classes and groups named."""
    s, base, token = host_people(lti)
    rows = valid_rows(lti)
    data = xlsx_bytes(rows) if fmt == "xlsx" else csv_bytes(rows, encoding or "utf-8", bom)
    r = upload(s, base, token, data, "名单." + fmt)
    assert r.status_code == 200 and "已导入 5 行" in r.text, r.text[:3000]
    check_valid_import(lti)


def test_import_errors_change_nothing(lti: LtiHarness) -> None:
    """Each bad file: 400, the error names the row and the column, the database is unchanged."""
    s, base, token = host_people(lti)
    before = roster_state(lti)
    good = ["王丽华", sub(lti, "wanglihua"), "城关小学", "城关镇", "一班", "第一组", "学员"]
    cases = [
        ([HEADER, good, ["李建国", "", "", "", "二班", "", "教导主任"]], "第 3 行「角色」"),
        ([HEADER, good, ["", sub(lti, "wanglihua"), "", "", "", "", ""]],
         "第 3 行「登录名/用户ID」：与第 2 行是同一位成员"),
        ([HEADER, good, ["不存在", "", "", "", "", "", ""]], "第 3 行「姓名」：找不到成员「不存在」"),
        ([HEADER, good, ["", "no-such-id", "", "", "", "", ""]], "第 3 行「登录名/用户ID」"),
        ([HEADER, good, ["李建国", "", "校" * 201, "", "", "", ""]], "第 3 行「学校」：超过 200 个字符"),
        ([HEADER, good, ["马晓燕", "", "", "", "", "", "学员"]], "第 3 行「角色」：坊主的身份来自课程平台"),
        ([["学校"], ["x"]], "缺少必需的列"),
        ([HEADER], "没有数据行"),
    ]
    for rows, expected in cases:
        r = upload(s, base, token, csv_bytes(rows), "r.csv")
        assert r.status_code == 400 and expected in r.text, (expected, r.status_code)
        assert "导入未执行" in r.text
    for data, name, expected in [(b"", "r.csv", "文件为空"), (b"PK\x03\x04junk", "r.xlsx", "XLSX"),
                                 (b"\xd0\xcf\x11\xe0" + b"\0" * 64, "r.xls", ".xls")]:
        r = upload(s, base, token, data, name)
        assert r.status_code == 400 and expected in r.text
    r = s.post(base + "/people/import", data={"csrf_token": token})
    assert r.status_code == 400 and "file" in r.text
    big = csv_bytes([HEADER]) + b"x" * (2 * 1024 * 1024 + 10)
    assert "文件过大" in upload(s, base, token, big, "big.csv").text
    assert roster_state(lti) == before


def test_class_over_100_refused(lti: LtiHarness) -> None:
    """seed 004 方案1: a class holds at most 100 participants; the 101st row is named, nothing is
    imported (also checks NRPS paging: 117 members over two pages)."""
    logins = add_demo_users(lti, 101)
    s, base, token = host_people(lti)
    before = roster_state(lti)
    rows = [HEADER] + [["", sub(lti, login), "", "", "三班", "", ""] for login in logins]
    r = upload(s, base, token, xlsx_bytes(rows), "big.xlsx")
    assert r.status_code == 400
    assert "第 102 行「班级」：班级「三班」的人数将超过 100 / row 102, 班级: class would exceed 100" in r.text
    assert roster_state(lti) == before
    r = upload(s, base, token, xlsx_bytes(rows[:101]), "ok.xlsx")
    assert r.status_code == 200 and "已导入 100 行" in r.text


def test_fourth_cohost_refused(lti: LtiHarness) -> None:
    """seed 002: the 三人行 team has at most three members besides the host."""
    s, base, token = host_people(lti)
    before = roster_state(lti)
    rows = [HEADER] + [["", sub(lti, login), "", "", "", "", "三人行成员"]
                       for login in ("wanglihua", "lijianguo", "zhangxiuying", "liuyang")]
    r = upload(s, base, token, csv_bytes(rows), "r.csv")
    assert r.status_code == 400 and "第 5 行「角色」：三人行成员最多 3 位" in r.text
    assert roster_state(lti) == before


def test_export_round_trip(lti: LtiHarness) -> None:
    """Export (XLSX and CSV) then import gives no change; the template has the headers."""
    s, base, token = host_people(lti)
    rows = valid_rows(lti)
    rows.append(["=1+1", sub(lti, "chenjing"), "@SUM(A1)", "-x", "", "", ""])
    assert upload(s, base, token, csv_bytes(rows), "r.csv").status_code == 200
    before = roster_state(lti)
    xlsx = s.get(base + "/people/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(values) == len(DEMO_COURSE.users)
    assert any(v[2] == "'@SUM(A1)" and v[3] == "'-x" for v in values)  # formulas neutralised
    assert any(v[6] == "研修组长" and v[5] == "第一组" for v in values)
    csv_file = s.get(base + "/people/export.csv")
    assert csv_file.content.startswith(b"\xef\xbb\xbf")
    assert "'@SUM(A1)" in csv_file.content.decode("utf-8-sig")
    for data, name in ((xlsx.content, "名单.xlsx"), (csv_file.content, "名单.csv")):
        r = upload(s, base, token, data, name)
        assert r.status_code == 200, r.text[:3000]
        assert roster_state(lti) == before
    template = s.get(base + "/people/template.xlsx")
    book = load_workbook(io.BytesIO(template.content))
    assert [c.value for c in book.active[1]] == list(COLUMNS) and "说明" in book.sheetnames


def test_imported_xss_is_inert(lti: LtiHarness) -> None:
    """Names, schools, class and group names from a file are shown escaped on the people page."""
    s, base, token = host_people(lti)
    payload = XSS[:90]
    rows = [HEADER, [payload, sub(lti, "wanglihua"), payload, payload, payload + "班", payload + "组", "学员"]]
    r = upload(s, base, token, xlsx_bytes(rows), "x.xlsx")
    assert r.status_code == 200, r.text[:2000]
    for path in ("/people", "/people?status=all&role=participant"):
        page = s.get(base + path).text
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_open_edx_members_named_by_import(tmp_path: Path, database_url: str) -> None:
    """Open edX shares no names: an import by user id gives the roster name the pages show."""
    with lti_harness(database_url, tmp_path / "instance", profile="openedx") as harness:
        s, base, token = host_people(harness)
        rows = [HEADER, ["王丽华", sub(harness, "wanglihua"), "城关小学", "", "", "", ""],
                ["", sub(harness, "lijianguo"), "城关小学", "", "", "", ""]]
        assert upload(s, base, token, csv_bytes(rows, "gbk"), "r.csv").status_code == 200
        assert "王丽华" in s.get(base + "/people").text
        # A name given by import is shown escaped (the only place Open edX members get one).
        rows = [HEADER, [XSS[:90], sub(harness, "lijianguo"), "", "", "", "", ""]]
        assert upload(s, base, token, xlsx_bytes(rows), "r.xlsx").status_code == 200
        page = s.get(base + "/people").text
        assert "<script>alert" not in page and "&lt;script&gt;" in page


@pytest.mark.browser
def test_host_imports_xlsx_in_the_browser(tmp_path: Path, sqlite_template: Path) -> None:
    """Issue 3 browser flow: on a phone-sized Chromium the host opens 成员与分组 from the workshop
    navigation, syncs the roster, creates a study group and imports an XLSX roster."""
    import shutil

    from playwright.sync_api import sync_playwright

    db_path = tmp_path / "browser.sqlite3"
    shutil.copy(sqlite_template, db_path)
    with lti_harness(f"sqlite:///{db_path}", tmp_path / "instance") as harness:
        roster = tmp_path / "名单.xlsx"
        roster.write_bytes(xlsx_bytes(valid_rows(harness)))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
            page.goto(harness.platform_url + "/launch?user=maxiaoyan&message=resource")
            page.wait_for_url("**/w/*/")
            page.click("text=成员与分组")
            page.click("text=从课程平台同步名单")
            page.wait_for_selector("text=名单已同步")
            page.fill("input[name=name] >> nth=-1", "第三组")
            page.click("text=创建研修小组")
            page.wait_for_selector("text=研修小组已创建")
            page.set_input_files("input[type=file]", str(roster))
            page.click("button:has-text('导入')")
            page.wait_for_selector("text=已导入 5 行")
            assert page.locator("table.people").inner_text().count("城关小学") >= 2
            page.screenshot(path=str(tmp_path / "people.png"), full_page=True)
            browser.close()
        check_valid_import(harness)
