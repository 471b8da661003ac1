"""The validator remembers the last valid activity per id and accepts an equal one unchecked
(xapi/_structure.py). It must never accept an invalid activity because of it."""

from __future__ import annotations

from typing import Any

import pytest

from xapi import ValidationError, validate_statement
from xapi import _structure as structure


def _statement(activity: dict[str, Any]) -> dict[str, Any]:
    return {"actor": {"mbox": "mailto:t@example.cn"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": "https://h5p.example.cn/page/1"},
            "context": {"contextActivities": {"parent": [activity]}}}


def _activity(name: str = "工作坊", **extra: Any) -> dict[str, Any]:
    return {"id": "https://yanxiu.example.cn/xapi/activities/workshop/9",
            "definition": {"type": "http://adlnet.gov/expapi/activities/course", "name": {"zh-CN": name}, **extra}}


def test_an_activity_changed_after_it_was_validated_is_checked_again() -> None:
    activity = _activity()
    validate_statement(_statement(activity))
    activity["definition"]["name"]["zh-CN"] = ""  # the caller's dict, after validation
    with pytest.raises(ValidationError, match=r"parent\[0\]\.definition\.name\.zh-CN: must be a non-empty string"):
        validate_statement(_statement(activity))


def test_the_same_id_with_other_content_is_checked() -> None:
    validate_statement(_statement(_activity()))
    with pytest.raises(ValidationError, match=r"definition\.moreInfo: must be an absolute URL"):
        validate_statement(_statement(_activity(moreInfo="not a url")))
    with pytest.raises(ValidationError, match=r"definition\.name\.zh-CN: must be a non-empty string"):
        validate_statement(_statement(_activity(name="")))
    validate_statement(_statement(_activity()))


def test_an_equal_activity_is_accepted_without_its_checks(monkeypatch: Any) -> None:
    """The memo is used: once remembered, an equal activity never reaches the definition checks."""
    validate_statement(_statement(_activity(name="记住")))
    calls: list[str] = []
    real = structure._definition
    monkeypatch.setattr(structure, "_definition", lambda value, path: (calls.append(path), real(value, path)))
    validate_statement(_statement(_activity(name="记住")))
    assert "context.contextActivities.parent[0].definition" not in calls
    validate_statement(_statement(_activity(name="另一个")))
    assert calls == ["context.contextActivities.parent[0].definition"]


def test_what_orjson_cannot_copy_is_checked_every_time(monkeypatch: Any) -> None:
    calls: list[str] = []
    real = structure._definition
    monkeypatch.setattr(structure, "_definition", lambda value, path: (calls.append(path), real(value, path)))
    huge = _activity(extensions={"https://example.cn/x": 2**70})
    validate_statement(_statement(huge))
    validate_statement(_statement(huge))
    assert len(calls) == 2


def test_the_memo_is_bounded(monkeypatch: Any) -> None:
    monkeypatch.setattr(structure, "_valid_activities", {})  # what earlier tests left is not this test's
    monkeypatch.setattr(structure, "_ACTIVITY_MEMO_LIMIT", 5)
    for i in range(12):
        validate_statement(_statement({"id": f"https://h5p.example.cn/page/{i}"}))
        assert 1 <= len(structure._valid_activities) <= 5
