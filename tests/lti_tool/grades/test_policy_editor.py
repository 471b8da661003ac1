"""The host's policy editor (POST /grades/settings, action=policy) answers a text it cannot read, or
a policy the engine cannot compute with, by the form's error list naming the problem: never a 500,
and never a saved policy that takes the grade pages down."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lti_tool.extensions import db
from lti_tool.models import Workshop

from ...fixtures.lti import LtiHarness, lti_harness
from ..workshops.test_pages import csrf, host_setup

TOO_LARGE_MAX = "name: x\ncomponents: [{key: required, weight: 100, max: '1E+60', source: scores.required}]\n"


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def graded(lti: LtiHarness) -> tuple[Any, str]:
    """zhenjiang-80-20 with one participant, so the grade pages round a result."""
    host, base = host_setup(lti)
    lti.driver().launch("wanglihua")
    return host, base


def save_policy(host: Any, base: str, text: str) -> Any:
    token = csrf(host.get(base + "/grades/settings").text)
    return host.post(base + "/grades/settings", data={"csrf_token": token, "action": "policy", "policy": text})


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("name: 2026-13-45", "policy: YAML 无法解析 (第 1 行 / line 1) / cannot be parsed: '2026-13-45' is not a "
                             "valid date: month must be in 1..12"),
        ("name: x\ncomponents: " + "[" * 3000 + "]" * 3000,
         "policy: YAML 无法解析 (第 2 行 / line 2) / cannot be parsed: nested more than 32 levels deep"),
        ("name: x\ncomponents: &c\n - key: a\n   weight: 100\n   components: *c\n",
         "components[0].components: refers to itself (an alias inside its own anchor)"),
    ],
    ids=["impossible-date", "nested-3000-deep", "alias-inside-its-anchor"],
)
def test_text_the_reader_cannot_build_is_a_form_error(lti: LtiHarness, text: str, shown: str) -> None:
    """ValueError and RecursionError from the reader and the validator were 500s."""
    host, base = host_setup(lti)
    r = save_policy(host, base, text)
    assert r.status_code == 400 and shown in html.unescape(r.text)
    assert "已保存" not in r.text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (TOO_LARGE_MAX, "components[0].max: must be at most 1000000 in size, got 1E+60"),
        ("name: x\ncomponents: [{key: required, weight: 100, max: '1E+999999', source: scores.required}]\n",
         "components[0].max: must be at most 1000000 in size, got 1E+999999"),
        ("name: x\npass_mark: '1E+60'\ncomponents: [{key: required, weight: 100, source: scores.required}]\n",
         "pass_mark: must be at most 1000000 in size, got 1E+60"),
    ],
    ids=["max-1e60", "max-1e999999", "pass-mark-1e60"],
)
def test_numbers_too_large_to_grade_with_are_refused_at_save(lti: LtiHarness, text: str, shown: str) -> None:
    """These were saved, and every grade page answered 500 until the host reset the policy."""
    host, base = graded(lti)
    r = save_policy(host, base, text)
    assert r.status_code == 400 and shown in html.unescape(r.text)
    table = host.get(base + "/grades")
    assert table.status_code == 200 and "评分方案有误" not in table.text  # the preset still grades


def test_a_stored_policy_past_the_bounds_is_named_on_the_grade_page(lti: LtiHarness) -> None:
    """A policy saved before the bounds existed no longer loads: the grade table says why, the way
    it says so for any policy that does not load, instead of failing to round a score."""
    host, base = graded(lti)
    with lti.tool_app.app_context():
        workshop = db.session.get(Workshop, int(base.rsplit("/", 1)[1]))
        assert workshop is not None
        workshop.grading_overrides = {
            "policy": {"name": "x", "components": [{"key": "required", "weight": 100, "max": "1E+60",
                                                    "source": "scores.required"}]},
            "policy_base": workshop.grading_preset,
        }
        db.session.commit()
    table = host.get(base + "/grades")
    assert table.status_code == 200
    assert "评分方案有误" in table.text and "components[0].max: must be at most 1000000" in table.text
    settings = host.get(base + "/grades/settings")  # where the host fixes or resets it
    assert settings.status_code == 400 and "components[0].max: must be at most 1000000" in settings.text
    # The other pages that read the scheme carry on without it rather than fail.
    assert host.get(base + "/grades/manual").status_code == 200
    learner = lti.driver()
    learner.launch("wanglihua")
    for path in ("/studio", "/my-grade", "/"):
        assert learner.session.get(base + path).status_code == 200, path


def test_the_editor_reads_yaml_as_the_preset_files_are(lti: LtiHarness) -> None:
    """`on:` in a band rule is a key (YAML 1.1 made it True: the dawukou preset's own text could
    not be saved), and 80.5 is the Decimal 80.5, not a refused float."""
    host, base = graded(lti)
    token = csrf(host.get(base + "/setup").text)
    r = host.post(base + "/setup", data={"csrf_token": token, "title": "工作坊", "required_hours": "25",
                                         "minutes_per_hour": "45", "hours_rounding": "proportional",
                                         "grading_preset": "dawukou-80-20"})
    assert r.status_code == 200
    text = host.get(base + "/grades/settings").text.split('name="policy"', 1)[1].split(">", 1)[1]
    text = html.unescape(text.split("</textarea>", 1)[0])
    assert "on: practice" in text
    r = save_policy(host, base, text.replace("weight: 80", "weight: 80.5").replace("weight: 20", "weight: 19.5"))
    assert r.status_code == 200 and "已保存" in r.text, html.unescape(r.text)[:2000]
    settings = host.get(base + "/grades/settings").text
    assert "80.5" in settings and "19.5" in settings
    assert host.get(base + "/grades").status_code == 200


def test_the_scheme_cites_its_document_by_title(lti: LtiHarness) -> None:
    host, base = graded(lti)  # zhenjiang-80-20
    settings = host.get(base + "/grades/settings").text
    assert "来源：《全员培训计划实施细则》方案4" in settings and "seed 004" not in settings.split("<textarea", 1)[0]
