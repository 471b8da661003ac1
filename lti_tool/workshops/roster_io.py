"""Roster import and export (名单导入导出): CSV and XLSX with the Chinese headers county admins use.

Framework-free: bytes in, a validated plan (or every error) out; the people page applies the plan.
Validation is complete before anything is written, so a file with any error imports nothing.

Identifying a learner: the 登录名/用户ID column holds the LTI user id (`sub`, what NRPS and the
export give) or the e-mail the LMS shared; when it is empty, the 姓名 column is matched against the
names the LMS or an earlier import gave (narrowed by 学校 when filled) and a name shared by several
members is an error asking for the id. Empty cells leave a value unchanged, so a file holding only
names and classes touches nothing else, and an export imported again changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..text import FORMULA_START, safe_cell

NAME, USER_ID, SCHOOL, TOWN, CLASS, GROUP, ROLE = "姓名", "登录名/用户ID", "学校", "镇街", "班级", "研修小组", "角色"
COLUMNS = (NAME, USER_ID, SCHOOL, TOWN, CLASS, GROUP, ROLE)
# Headers as admins actually type them map to the canonical column.
HEADER_ALIASES = {
    "姓名": NAME, "名字": NAME, "登录名/用户id": USER_ID, "登录名": USER_ID, "用户id": USER_ID, "用户名": USER_ID,
    "学校": SCHOOL, "单位": SCHOOL, "镇街": TOWN, "乡镇": TOWN, "班级": CLASS, "研修小组": GROUP, "小组": GROUP,
    "角色": ROLE, "身份": ROLE,
}
LIMITS = {NAME: 200, USER_ID: 320, SCHOOL: 200, TOWN: 200, CLASS: 100, GROUP: 100, ROLE: 20}

# Role words → workshop role; 研修组长 is a participant who leads their group (seed 002).
ROLE_WORDS = {
    "学员": "participant", "参训学员": "participant", "辅导老师": "tutor", "辅导教师": "tutor",
    "研修组长": "leader", "组长": "leader", "三人行成员": "cohost", "三人行": "cohost",
    "学科专家": "observer", "专家": "observer", "坊主": "host",
}
EXPORT_WORDS = {"participant": "学员", "tutor": "辅导老师", "leader": "研修组长", "cohost": "三人行成员",
                "observer": "学科专家", "host": "坊主"}
CLASS_SEPARATORS = re.compile(r"[、,，;；]")

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000


class RosterFileError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def cell_error(row: int, column: str, zh: str, en: str) -> str:
    return f"第 {row} 行「{column}」：{zh} / row {row}, {column}: {en}"


# -- reading ---------------------------------------------------------------------------------------
@dataclass
class Table:
    columns: set[str]
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row number, canonical column → text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a numeric user id typed into Excel comes back as 11.0
    text = str(value).strip()
    # Undo the export's formula guard, so an exported file imports unchanged.
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        text = text[1:]
    return text


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), else GB18030, the
    superset of the GBK that Excel in China writes CSV in."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise RosterFileError(["无法识别文件编码，请保存为 UTF-8 或 GBK 的 CSV / unknown text encoding: "
                               "save the CSV as UTF-8 or GBK"]) from None


def _csv_rows(data: bytes) -> list[list[Any]]:
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        raise RosterFileError(["文件编码有误 / the file's text encoding is broken"]) from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        return [row for _, row in zip(range(MAX_ROWS + 10), csv.reader(io.StringIO(text), delimiter=delimiter),
                                      strict=False)]
    except csv.Error as exc:
        raise RosterFileError([f"CSV 格式有误 / malformed CSV: {exc}"]) from None


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    # Read-only openpyxl parses the sheet lazily, while iter_rows runs: a damaged cell (text in a
    # numeric cell, a shared-string index out of range) raises there, not in load_workbook.
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            rows = []
            for values in book.worksheets[0].iter_rows(values_only=True):
                rows.append(list(values))
                if len(rows) > MAX_ROWS + 10:
                    break
            return rows
        finally:
            book.close()
    except Exception:  # openpyxl raises zipfile, KeyError, ValueError, IndexError and its own errors
        raise RosterFileError(["无法读取 XLSX 文件：文件已损坏或不是有效的工作簿 / the XLSX file cannot be read: "
                               "it is damaged or not a valid workbook"]) from None


TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
# How the files a host might pick by mistake begin: a program, a PDF, pictures, archives.
NOT_TEXT = (b"MZ", b"\x7fELF", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"7z\xbc\xaf")


def _binary(data: bytes, filename: str) -> bool:
    """A file that is neither a workbook nor text: named so, or beginning like a program, a PDF or a
    picture. Read as CSV it was "missing the column 姓名", which sent the host looking in the wrong
    place. (A NUL inside a cell of a real CSV is the cell's error, with its row and column.)"""
    named = "." in filename.rsplit("/", 1)[-1]
    return (named and not filename.endswith(TEXT_SUFFIXES)) or data.startswith(NOT_TEXT)


def read_table(data: bytes, filename: str = "", max_bytes: int = MAX_BYTES) -> Table:
    """Parse an uploaded roster; raise RosterFileError naming what is wrong with the file."""
    if not data:
        raise RosterFileError(["文件为空 / the file is empty"])
    if len(data) > max_bytes:
        limit = max_bytes // 1024
        raise RosterFileError([f"文件过大（上限 {limit} KB）/ file too large (limit {limit} KB)"])
    lower = filename.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0") or lower.endswith(".xls"):
        raise RosterFileError(["不支持旧版 .xls，请在 Excel 中另存为 .xlsx / old .xls files are not supported: "
                               "save as .xlsx"])
    if data.startswith(b"PK\x03\x04") or lower.endswith(".xlsx"):
        raw = _xlsx_rows(data)
    elif _binary(data, lower):
        raise RosterFileError(["不是名单文件：请上传 Excel（.xlsx）或 CSV 文件 / not a roster: upload an Excel "
                               "(.xlsx) or CSV file"])
    else:
        raw = _csv_rows(data)
    rows = [[_text(v) for v in row] for row in raw]
    # The header is the first row naming 姓名 or 登录名/用户ID (a title row above it is common).
    header_at = next((i for i, row in enumerate(rows[:5])
                      if {HEADER_ALIASES.get(c.replace(" ", "").lower()) for c in row} & {NAME, USER_ID}), None)
    if header_at is None:
        if not any(any(row) for row in rows):
            raise RosterFileError(["文件为空 / the file is empty"])
        raise RosterFileError(["缺少必需的列「姓名」或「登录名/用户ID」/ missing required column "
                               "姓名 or 登录名/用户ID"])
    positions: dict[int, str] = {}
    errors = []
    for index, header in enumerate(rows[header_at]):
        column = HEADER_ALIASES.get(header.replace(" ", "").lower())
        if column is None:
            continue  # 序号, 备注 … columns admins add are ignored
        if column in positions.values():
            errors.append(f"第 {header_at + 1} 行：列「{column}」出现了两次 / row {header_at + 1}: column "
                          f"{column} appears twice")
        positions[index] = column
    if errors:
        raise RosterFileError(errors)
    body = []
    for offset, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        values = {column: (row[i] if i < len(row) else "") for i, column in positions.items()}
        if any(values.values()):
            body.append((offset, values))
    if not body:
        raise RosterFileError(["文件中没有数据行 / the file has no data rows"])
    if len(body) > MAX_ROWS:
        raise RosterFileError([f"行数超过 {MAX_ROWS} / more than {MAX_ROWS} rows"])
    return Table(columns=set(positions.values()), rows=body)


# -- planning --------------------------------------------------------------------------------------
@dataclass
class Person:
    """What the planner needs to know of a workshop member (plain data, no ORM)."""

    id: int
    sub: str
    email: str | None
    name: str | None  # from the LMS
    roster_name: str | None  # from an earlier import
    school: str | None
    town: str | None
    class_name: str | None
    group_name: str | None
    role: str
    active: bool = True
    leads: set[str] = field(default_factory=set)  # groups this member leads
    tutors: set[str] = field(default_factory=set)  # classes this member tutors


@dataclass
class Change:
    person_id: int
    row: int
    roster_name: str | None = None
    school: str | None = None
    town: str | None = None
    class_name: str | None = None  # the class this member is in (participants)
    group_name: str | None = None
    role: str | None = None  # new workshop role, when it changes
    lead_group: str | None = None  # becomes the leader of this group
    drop_leadership: bool = False  # listed as 学员: leads no group any more
    tutor_classes: list[str] = field(default_factory=list)


@dataclass
class Plan:
    changes: list[Change]
    new_classes: list[str]
    new_groups: list[str]
    errors: list[str]

    @property
    def ok(self) -> bool:
        return not self.errors


class _Lookup:
    """The members by user id, e-mail and names, built once per import: a row looked through all of
    a city's 23,000 members for each of up to 5,000 rows (2,000 rows took 3.2 s). Each answer lists
    the members in the workshop's order, as the scan did."""

    def __init__(self, people: Sequence[Person]) -> None:
        self._sub: dict[str, list[int]] = {}
        self._email: dict[str, list[int]] = {}  # lower case
        self._name: dict[str, list[int]] = {}
        self.people = people
        for i, p in enumerate(people):
            self._sub.setdefault(p.sub, []).append(i)
            if p.email:
                self._email.setdefault(p.email.lower(), []).append(i)
            for name in {p.name, p.roster_name}:
                if name is not None:
                    self._name.setdefault(name, []).append(i)

    def _listed(self, *found: list[int]) -> list[Person]:
        return [self.people[i] for i in sorted({i for part in found for i in part})]

    def by_ident(self, ident: str) -> list[Person]:
        """Members whose user id is `ident`, or whose e-mail is, in any case."""
        return self._listed(self._sub.get(ident, []), self._email.get(ident.lower(), []))

    def by_name(self, name: str) -> list[Person]:
        return self._listed(self._name.get(name, []))


def _identify(values: dict[str, str], row: int, people: _Lookup) -> tuple[Person | None, str | None]:
    ident, name, school = values.get(USER_ID, ""), values.get(NAME, ""), values.get(SCHOOL, "")
    if ident:
        found = people.by_ident(ident)
        if not found:
            return None, cell_error(row, USER_ID, f"找不到成员「{ident}」，请先同步名单",
                                    f"no member {ident!r}; sync the roster first")
        if len(found) > 1:
            return None, cell_error(row, USER_ID, f"「{ident}」对应多位成员", f"{ident!r} matches several members")
        return found[0], None
    if not name:
        return None, cell_error(row, NAME, "姓名和登录名/用户ID 都为空", "neither a name nor a user id")
    found = people.by_name(name)
    if len(found) > 1 and school:
        found = [p for p in found if p.school == school] or found
    if not found:
        return None, cell_error(row, NAME, f"找不到成员「{name}」，请填写登录名/用户ID",
                                f"no member named {name!r}; give the user id")
    if len(found) > 1:
        return None, cell_error(row, NAME, f"有 {len(found)} 位成员同名「{name}」，请填写登录名/用户ID",
                                f"{len(found)} members are named {name!r}; give the user id")
    return found[0], None


def plan_import(table: Table, people: Sequence[Person], classes: Iterable[str], groups: Iterable[str], *,
                max_class_size: int, max_cohosts: int) -> Plan:
    """Check every row against the workshop and return the changes, or every error found."""
    errors: list[str] = []
    changes: list[Change] = []
    seen: dict[int, int] = {}
    class_tutor_row: dict[str, int] = {}
    group_leader_row: dict[str, int] = {}
    known_classes, known_groups = set(classes), set(groups)
    by_id = {p.id: p for p in people}
    lookup = _Lookup(people)
    for row, values in table.rows:
        row_errors = [cell_error(row, col, f"超过 {LIMITS[col]} 个字符", f"longer than {LIMITS[col]} characters")
                      for col, text in values.items() if len(text) > LIMITS[col]]
        # PostgreSQL's text cannot hold NUL (a 500 there, stored on SQLite); a CSV cell can.
        row_errors += [cell_error(row, col, "不能含有空字符 (U+0000)", "must not contain the NUL character (U+0000)")
                       for col, text in values.items() if "\x00" in text]
        if row_errors:
            errors.extend(row_errors)
            continue
        person, problem = _identify(values, row, lookup)
        if person is None:
            errors.append(problem or "")
            continue
        if person.id in seen:
            errors.append(cell_error(row, USER_ID if values.get(USER_ID) else NAME,
                                     f"与第 {seen[person.id]} 行是同一位成员", f"same member as row {seen[person.id]}"))
            continue
        seen[person.id] = row
        change = Change(person_id=person.id, row=row)
        name = values.get(NAME, "")
        if name and name not in (person.name, person.roster_name):
            change.roster_name = name
        for column, attr in ((SCHOOL, "school"), (TOWN, "town")):
            if values.get(column) and values[column] != getattr(person, attr):
                setattr(change, attr, values[column])
        word = values.get(ROLE, "")
        final_role, leader = person.role, False
        if word:
            wanted = ROLE_WORDS.get(word)
            if wanted is None:
                errors.append(cell_error(
                    row, ROLE, f"未知角色「{word}」（可用：学员、辅导老师、研修组长、三人行成员、学科专家）",
                    f"unknown role {word!r}"))
                continue
            if (wanted == "host") != (person.role == "host"):
                errors.append(cell_error(row, ROLE, "坊主的身份来自课程平台，不能在此修改",
                                         "the host role comes from the LMS and cannot be changed here"))
                continue
            leader = wanted == "leader"
            final_role = "participant" if leader else wanted
            if final_role != person.role:
                change.role = final_role
            change.drop_leadership = wanted == "participant" and bool(person.leads)
        class_cell, group_cell = values.get(CLASS, ""), values.get(GROUP, "")
        if class_cell and final_role == "tutor":
            for name_ in (c.strip() for c in CLASS_SEPARATORS.split(class_cell)):
                if not name_:
                    continue
                if name_ in class_tutor_row:
                    first = class_tutor_row[name_]
                    errors.append(cell_error(row, CLASS, f"班级「{name_}」已由第 {first} 行的辅导老师负责",
                                             f"class {name_!r} already has the tutor of row {first}"))
                    continue
                class_tutor_row[name_] = row
                change.tutor_classes.append(name_)
        elif class_cell and class_cell != person.class_name:
            change.class_name = class_cell
        if group_cell and group_cell != person.group_name:
            change.group_name = group_cell
        if leader:
            group = group_cell or person.group_name
            if not group:
                errors.append(cell_error(row, GROUP, "研修组长需要填写所在的研修小组", "a group leader needs a group"))
                continue
            if group in group_leader_row:
                errors.append(cell_error(row, ROLE, f"研修小组「{group}」已有第 {group_leader_row[group]} 行的组长",
                                         f"group {group!r} already has the leader of row {group_leader_row[group]}"))
                continue
            group_leader_row[group] = row
            if group not in person.leads:
                change.lead_group = group
        changes.append(change)
    errors.extend(_limits(changes, people, by_id, max_class_size, max_cohosts))
    new_classes = sorted({n for c in changes for n in [c.class_name, *c.tutor_classes] if n} - known_classes)
    new_groups = sorted({c.group_name for c in changes if c.group_name} - known_groups)
    return Plan(changes=changes, new_classes=new_classes, new_groups=new_groups, errors=errors)


def _limits(changes: list[Change], people: Sequence[Person], by_id: dict[int, Person], max_class_size: int,
            max_cohosts: int) -> list[str]:
    """Class size (seed 004 方案1) and the 三人行 team size (seed 002) after the whole file."""
    errors = []
    touched_role = {c.person_id for c in changes if c.role is not None}
    moved = {c.person_id for c in changes if c.class_name is not None or c.role is not None}
    cohosts = sum(1 for p in people if p.role == "cohost" and p.id not in touched_role)
    sizes = Counter(p.class_name for p in people
                    if p.active and p.class_name and p.role == "participant" and p.id not in moved)
    for change in changes:
        person = by_id[change.person_id]
        role = change.role or person.role
        if change.role == "cohost":
            cohosts += 1
            if cohosts > max_cohosts:
                errors.append(cell_error(change.row, ROLE, f"三人行成员最多 {max_cohosts} 位",
                                         f"at most {max_cohosts} core-team members"))
        if change.person_id in moved and role == "participant":
            klass = change.class_name or person.class_name
            if klass:
                sizes[klass] += 1
                if sizes[klass] > max_class_size:
                    errors.append(cell_error(change.row, CLASS, f"班级「{klass}」的人数将超过 {max_class_size}",
                                             f"class would exceed {max_class_size}"))
    return errors


# -- writing ---------------------------------------------------------------------------------------
def export_row(person: Person) -> list[str]:
    role = "leader" if person.role == "participant" and person.leads else person.role
    klass = "、".join(sorted(person.tutors)) if person.role == "tutor" else (person.class_name or "")
    group = person.group_name or (sorted(person.leads)[0] if role == "leader" else "")
    values = [person.name or person.roster_name or "", person.sub, person.school or "", person.town or "",
              klass, group or "", EXPORT_WORDS.get(role, "")]
    return [safe_cell(v) for v in values]


def to_csv(rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def to_xlsx(rows: Iterable[Sequence[Any]], *, template: bool = False) -> bytes:
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet, active
    sheet.title = "名单"
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(list(row))
    for column, width in zip("ABCDEFG", (12, 16, 20, 12, 14, 14, 12), strict=True):
        sheet.column_dimensions[column].width = width
    # Numeric-looking ids stay text when typed into the template.
    for cell in sheet["B"]:
        cell.number_format = "@"
    roles = DataValidation(type="list", formula1='"学员,辅导老师,研修组长,三人行成员,学科专家,坊主"', allow_blank=True)
    sheet.add_data_validation(roles)
    roles.add("G2:G5000")
    if template:
        notes = book.create_sheet("说明")
        for line in (
            "每行一位成员；第一行是列名，不要修改。",
            "登录名/用户ID：平台的用户 ID（导出名单中可见）或邮箱；为空时按姓名匹配，重名时必须填写。",
            "留空的单元格表示不修改。班级、研修小组不存在时会自动创建。",
            "角色：学员、辅导老师、研修组长、三人行成员、学科专家（坊主由课程平台决定）。",
            "辅导老师的「班级」填写其负责的班级，多个用顿号分隔；研修组长须填写其研修小组。",
            "每班不超过 100 名学员；三人行成员不超过 3 位。",
            "One member per row; blank cells change nothing; classes and groups are created by name.",
        ):
            notes.append([line])
        notes.column_dimensions["A"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
