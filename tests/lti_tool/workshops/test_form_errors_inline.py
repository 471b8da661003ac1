"""A refused host form is shown again on its own page (QA on the demo, host pages and 情况通报): a
400 with the page's navigation, the message by the form that was refused, what was typed still in
its fields, nothing saved; the message in the page's language, naming the field by its visible
label, never marshmallow's English or an internal field name."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import Activity, Phase, StudyGroup, Workshop, WorkshopClass
from lti_tool.workshops.forms import ActivityInput, PhaseInput, WorkshopSettings, errors_text
from lti_tool.workshops.people import ClassInput, GroupInput, MemberInput

from ...fixtures.lti import LtiHarness, lti_harness
from .test_pages import XSS, csrf

# What a Chinese page must not show: marshmallow's English, or the field names of the forms.
ENGLISH = re.compile(r"Not a valid|Must be|Special numeric|Missing data|Unknown field|Longer than|Shorter than")
FIELD_NAMES = re.compile(r"\b(?:ends_on|starts_on|planned_hours|max_score|required_hours|title|name|from|to): ")


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def host(lti: LtiHarness) -> tuple[Any, str, str]:
    """The host launches; returns (session, workshop base URL, CSRF token)."""
    driver = lti.driver()
    base = driver.launch("maxiaoyan").url.rstrip("/")
    return driver.session, base, csrf(driver.session.get(base + "/setup").text)


def count(lti: LtiHarness, model: Any) -> int:
    with lti.tool_app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def form_of(page: str, marker: str) -> str:
    """The <form> element of the page that contains `marker` (its action, say)."""
    for form in re.findall(r"<form\b.*?</form>", page, re.S):
        if marker in form:
            return str(form)
    raise AssertionError(f"no form with {marker!r}")


def typed(form: str, name: str) -> str | None:
    """The value a field of `form` shows: an input's value, a textarea's text, a select's choice."""
    found = (re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', form)
             or re.search(rf'<textarea[^>]*name="{name}"[^>]*>([^<]*)</textarea>', form))
    if found:
        return html.unescape(found.group(1))
    select_ = re.search(rf'<select name="{name}">(.*?)</select>', form, re.S)
    chosen = select_ and re.search(r'<option value="([^"]*)"\s*selected', select_.group(1))
    return chosen.group(1) if chosen else None


def alert(page: str) -> str:
    found = re.findall(r'role="alert"[^>]*>([^<]*)<', page)
    assert found, "no message on the page"
    return html.unescape(" ".join(found))


def refused_in_chinese(r: Any, *expected: str) -> str:
    assert r.status_code == 400, (r.status_code, r.text[:500])
    message = alert(r.text)
    for text in expected:
        assert text in message, message
    assert not ENGLISH.search(r.text) and not FIELD_NAMES.search(message), message
    assert "无法进入" not in r.text  # the page itself, not the bare error page
    return message


def test_phase_form_is_shown_again_with_the_message_and_the_typed_values(lti: LtiHarness) -> None:
    s, base, token = host(lti)
    home = "/" + base.split("/", 3)[3] + "/"
    cases = [
        ({"title": "第二阶段", "starts_on": "2026-03-10", "ends_on": "2026-03-01", "planned_hours": "8"},
         "结束日期：早于开始日期"),
        ({"title": "第二阶段", "starts_on": "2026-03-01", "planned_hours": "abc"}, "计划学时：请输入数字"),
    ]
    for data, message in cases:
        r = s.post(base + "/phases", data={"csrf_token": token, **data})
        refused_in_chinese(r, message)
        assert "<h1>工作坊设置</h1>" in r.text and f'href="{home}"' in r.text  # the way back to the workshop
        form = form_of(r.text, "/phases")
        assert message in html.unescape(form)  # by the phase form, not elsewhere on the page
        for name, value in data.items():
            assert typed(form, name) == value, (name, form)
        # The other forms keep what is saved, not the phase's input.
        assert typed(form_of(r.text, "/activities"), "title") == ""
    assert count(lti, Phase) == 0
    # Fixed, the same form saves.
    r = s.post(base + "/phases", data={"csrf_token": token, "title": "第二阶段", "starts_on": "2026-03-01",
                                       "ends_on": "2026-03-10", "planned_hours": "8"})
    assert r.status_code == 200 and count(lti, Phase) == 1


def test_activity_form_is_shown_again_with_the_message_and_the_typed_values(lti: LtiHarness) -> None:
    s, base, token = host(lti)
    data = {"kind": "assignment", "title": "教学设计", "body": "写一份**教学设计**" + XSS, "max_score": "-1",
            "due_at": "2026-05-01T18:00", "choices": "任务一\n任务二"}
    r = s.post(base + "/activities", data={"csrf_token": token, **data})
    refused_in_chinese(r, "满分：应在 1 到 1000 之间")
    form = form_of(r.text, "/activities")
    assert "满分：应在 1 到 1000 之间" in html.unescape(form)
    for name, value in data.items():
        assert typed(form, name) == value, (name, form)
    assert "<script>alert" not in r.text  # what was typed is shown again as text
    required = re.search(r'<input type="checkbox" name="required"[^>]*>', form)
    assert required and "checked" not in required.group(0)  # left unticked by the host: stays unticked
    assert count(lti, Activity) == 0


def test_settings_messages_name_the_label_in_chinese(lti: LtiHarness) -> None:
    s, base, token = host(lti)
    with lti.tool_app.app_context():
        before = db.session.scalars(select(Workshop.title)).one()
    settings = {"title": "新名称", "minutes_per_hour": "45", "hours_rounding": "floor_half"}
    for hours in ("abc", "nan", "Infinity"):
        r = s.post(base + "/setup", data={"csrf_token": token, "required_hours": hours, **settings})
        refused_in_chinese(r, "应修学时：请输入数字")
        form = form_of(r.text, 'name="required_hours"')
        assert typed(form, "required_hours") == hours and typed(form, "title") == "新名称"
        assert typed(form, "hours_rounding") == "floor_half"
    with lti.tool_app.app_context():
        assert db.session.scalars(select(Workshop.title)).one() == before


def test_class_and_group_forms_are_shown_again_on_the_people_page(lti: LtiHarness) -> None:
    s, base, token = host(lti)
    assert s.post(base + "/people/classes", data={"csrf_token": token, "name": "一班"}).status_code == 200
    assert s.post(base + "/people/classes", data={"csrf_token": token, "name": "二班"}).status_code == 200
    assert s.post(base + "/people/groups", data={"csrf_token": token, "name": "第一组"}).status_code == 200
    with lti.tool_app.app_context():
        two = db.session.scalars(select(WorkshopClass.id).where(WorkshopClass.name == "二班")).one()
    # A new class named like an existing one.
    r = s.post(base + "/people/classes", data={"csrf_token": token, "name": "一班"})
    refused_in_chinese(r, "名称：已有同名班级")
    assert 'class="wnav"' in r.text  # the workshop's navigation
    new = r.text[r.text.index('id="class-new"'):]
    assert new.index("名称：已有同名班级") < new.index("</form>")
    assert typed(form_of(new, "/people/classes#class-new"), "name") == "一班"
    # Renaming 二班 to 一班: the message by 二班's row, which shows the typed name.
    r = s.post(f"{base}/people/classes/{two}", data={"csrf_token": token, "name": "一班"})
    refused_in_chinese(r, "名称：已有同名班级")
    row = r.text[r.text.index(f'id="class-{two}"'):]
    assert row.index("名称：已有同名班级") < row.index("</form>")
    assert typed(form_of(row, f"/people/classes/{two}#"), "name") == "一班"
    # A new group named like an existing one.
    r = s.post(base + "/people/groups", data={"csrf_token": token, "name": "第一组"})
    refused_in_chinese(r, "名称：已有同名研修小组")
    assert typed(form_of(r.text[r.text.index('id="group-new"'):], "/people/groups#group-new"), "name") == "第一组"
    assert count(lti, WorkshopClass) == 2 and count(lti, StudyGroup) == 1
    with lti.tool_app.app_context():
        assert db.session.get(WorkshopClass, two).name == "二班"


def test_a_period_the_report_cannot_cover_is_shown_on_the_report_page(lti: LtiHarness) -> None:
    s, base, _ = host(lti)
    r = s.get(base + "/report", params={"from": "2026-12-31", "to": "2026-01-01"})
    refused_in_chinese(r, "“从”的日期晚于“到”的日期")
    assert 'class="wnav"' in r.text and "<h1>情况通报</h1>" in r.text
    form = form_of(r.text, 'name="from"')
    assert (typed(form, "from"), typed(form, "to")) == ("2026-12-31", "2026-01-01")
    assert "report.xlsx" not in form  # its link would carry the refused period
    r = s.get(base + "/report", params={"from": "2026-13-01"})
    refused_in_chinese(r, "从：请输入日期")
    r = s.get(base + "/report", params={"from": "2020-01-01", "to": "2026-01-01"})
    refused_in_chinese(r, "时段最长 366 天")
    # The download has no form to show: an error page, in the page's language.
    r = s.get(base + "/report.xlsx", params={"from": "2026-12-31", "to": "2026-01-01"})
    assert r.status_code == 400 and "“从”的日期晚于“到”的日期" in r.text


def test_messages_follow_an_english_page(lti: LtiHarness) -> None:
    s, base, token = host(lti)
    for data, expected in (({"starts_on": "2026-03-10", "ends_on": "2026-03-01"}, "End date: before the start date"),
                           ({"planned_hours": "abc"}, "Planned hours: enter a number")):
        r = s.post(base + "/phases?lang=en", data={"csrf_token": token, "title": "Phase 2", **data})
        assert r.status_code == 400 and alert(r.text) == expected
        assert typed(form_of(r.text, "/phases"), "title") == "Phase 2"
    r = s.post(base + "/people/classes?lang=en", data={"csrf_token": token, "name": "一班"})
    assert r.status_code == 200 and "Class created" in r.text and "班级已创建" not in r.text  # the notice too
    r = s.post(base + "/people/classes?lang=en", data={"csrf_token": token, "name": "一班"})
    assert r.status_code == 400 and alert(r.text) == "Name: a class with this name already exists"
    r = s.get(base + "/report", params={"from": "2026-12-31", "to": "2026-01-01", "lang": "en"})
    assert r.status_code == 400 and alert(r.text) == "“From” is after “To”"
    assert count(lti, Phase) == 0 and count(lti, WorkshopClass) == 1


class _Everything(Schema):
    """One field of each kind and validator the tool's forms use, plain marshmallow (as in the
    grading and assignment views, whose fields carry no labels)."""

    number = fields.Decimal(allow_nan=False)
    whole = fields.Integer()
    day = fields.Date()
    moment = fields.NaiveDateTime(format="iso")
    flag = fields.Boolean()
    text = fields.String(required=True, validate=validate.Length(min=2, max=3))
    url = fields.String(validate=validate.URL())
    kind = fields.String(validate=validate.OneOf(["a", "b"]))
    low = fields.Integer(validate=validate.Range(min=1))
    high = fields.Integer(validate=validate.Range(max=5))
    both = fields.Integer(validate=validate.Range(min=1, max=5))


@pytest.mark.parametrize("data", [
    {"number": "abc", "whole": "1.5", "day": "2026-13-01", "moment": "x", "flag": "maybe", "text": "x",
     "url": "nope", "kind": "c", "low": "0", "high": "6", "both": "9", "extra": "1"},
    {"number": "NaN", "whole": "abc", "text": "long text", "low": 10**400},
    {"text": None, "flag": [1]},
])
def test_no_marshmallow_english_reaches_a_chinese_page(data: dict[str, Any]) -> None:
    """Every default message of the field types and validators in use is translated: a marshmallow
    upgrade that rewords one fails here rather than showing English to a Chinese host."""
    app = Flask(__name__)
    for schema in (_Everything(), PhaseInput(), ActivityInput(), WorkshopSettings(), ClassInput(), GroupInput(),
                   MemberInput()):
        try:
            schema.load(data)
        except ValidationError as exc:
            with app.test_request_context("/?lang=zh"):
                zh = errors_text(exc)
            with app.test_request_context("/?lang=en"):
                en = errors_text(exc)
        else:
            raise AssertionError("refused")
        words = re.sub(r"\b[a-z_]+：|https?://|\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?", "", zh)
        assert not re.search(r"[A-Za-z]{2,}", words), zh
        assert not re.search(r"[\u3400-\u9fff]", en), en
