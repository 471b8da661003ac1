"""The explanation page's components table (my grade, a learner's grade for the host or tutor):
each component named by its label, contributions rounded as the total is, the table scrolling
inside its card on a phone; and the notes teachers read there carry no source citations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from grading.notes import LANGS, MESSAGES, note
from lti_tool.extensions import db
from lti_tool.models import Activity, Submission

from ...fixtures.lti import LtiHarness, lti_harness
from .test_grade_pages import graded_workshop, member


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


class ComponentsTable(HTMLParser):
    """The cells of the page's components table (its one table.grades), each row as a list of
    (text, attributes), and whether the table sits inside an element of class "scroll"."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, set[str]]] = []
        self.in_table = False
        self.scrolls = False
        self.rows: list[list[tuple[str, dict[str, str]]]] = []
        self.cell: tuple[list[str], dict[str, str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "table" and "grades" in a.get("class", "").split():
            self.in_table = True
            self.scrolls = any("scroll" in classes for _, classes in self.stack)
        elif self.in_table and tag == "tr":
            self.rows.append([])
        elif self.in_table and tag == "td":
            self.cell = ([], a)
        self.stack.append((tag, set(a.get("class", "").split())))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass
        if tag == "table":
            self.in_table = False
        elif tag == "td" and self.cell is not None:
            self.rows[-1].append(("".join(self.cell[0]).strip(), self.cell[1]))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell[0].append(data)


def components_table(html: str) -> ComponentsTable:
    parsed = ComponentsTable()
    parsed.feed(html)
    assert parsed.rows, "no components table on the page"
    return parsed


def thirds(lti: LtiHarness) -> tuple[Any, str, Any, int]:
    """graded_workshop with the assignment out of 30 and scored 20: required = mean(video 100,
    assignment 66.666…) = 83.333… → 80 % = 66.666…; optional = reading 100 → 20 %; total 86.67."""
    host, base, learner = graded_workshop(lti)
    with lti.tool_app.app_context():
        assignment = db.session.scalars(select(Activity).where(Activity.kind == "assignment")).one()
        assignment.max_score = Decimal(30)
        db.session.scalars(select(Submission)).one().score = Decimal(20)
        db.session.commit()
        wang_id = member(lti, "王丽华").id
    return host, base, learner, wang_id


def test_participant_sees_labels_and_rounded_contributions_in_a_scrolling_table(lti: LtiHarness) -> None:
    _host, base, learner, _ = thirds(lti)
    page = learner.session.get(base + "/my-grade")
    assert page.status_code == 200
    assert 'id="total">86.67<' in page.text
    table = components_table(page.text)
    assert table.scrolls  # sideways inside its card on a phone, not the whole page
    names = [row[0][0] for row in table.rows if row]
    assert names == ["必做任务", "选做拓展"]  # the labels, not the internal keys
    cells = {text for row in table.rows for text, _ in row}
    assert "required" not in cells and "optional" not in cells
    required = table.rows[1]
    assert [text for text, _ in required] == ["必做任务", "83.33", "100", "80%", "66.67"]
    # Rounded half up to the places of the total; the explained value is kept on hover.
    assert required[4][1].get("title") == "66.6667"
    assert "66.6667" in page.text  # the written explanation still gives it
    assert [text for text, _ in table.rows[2]][4] == "20.00"


def test_host_page_shows_the_same_table_in_either_language(lti: LtiHarness) -> None:
    """The label is the host's own words, written once in the scheme; the English page shows it too
    (as the what-if list and the manual-score sheet do), never the key."""
    host, base, _, wang_id = thirds(lti)
    for lang, heading in (("zh", "<th>计入总分</th>"), ("en", "<th>Contribution</th>")):
        page = host.get(base + f"/grades/m/{wang_id}?lang={lang}")
        assert page.status_code == 200 and heading in page.text
        table = components_table(page.text)
        assert table.scrolls
        rows = [[text for text, _ in row] for row in table.rows if row]
        assert rows == [["必做任务", "83.33", "100", "80%", "66.67"], ["选做拓展", "100.00", "100", "20%", "20.00"]]


def test_notes_read_as_plain_chinese_without_citations() -> None:
    """Teachers read notes in the studio, on grade pages and in the credit register's 说明 column:
    no "seed 003 …" source citations, and full-width punctuation in Chinese."""
    for code, table in MESSAGES.items():
        for lang in LANGS:
            assert "seed" not in table[lang] and "意见" not in table[lang] and "方案" not in table[lang], code
        zh = re.sub(r"{\w+}", "", table["zh"])
        assert not set(zh) & set(",:;()"), (code, zh)
    withheld = note("credits_withheld", credits="30")
    assert withheld.render("zh") == "有未通过的项目，不登记学分（合格可登记 30 学分）"
    assert withheld.render("en") == "an item was failed, so no credits are registered (passing registers 30)"
    cancelled = note("attendance_course_cancelled", component="新教材培训", component_en="new_textbook",
                     missed="4", scheduled="12", threshold="1/3")
    assert cancelled.render("zh") == "新教材培训：缺勤 4 学时，占该课程 12 学时的 1/3 以上，取消该课程成绩，记 0 分"
    assert cancelled.render("en") == ("new_textbook: 4 of 12 hours missed (at least 1/3); "
                                      "the course score is cancelled and counts as 0")
