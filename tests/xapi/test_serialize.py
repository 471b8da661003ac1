"""Canonical JSON and the "same statement" rule (xAPI 1.0.3 §2.3, Ralph: identical re-send -> 204,
same id with other content -> 409)."""

from __future__ import annotations

import copy
import json

from xapi import canonical_json, same_content

STATEMENT = {
    "id": "3B8D7F39-6D0D-4FB3-9F0E-3F2F6A3B1C11",
    "actor": {"objectType": "Agent", "account": {"homePage": "https://moodle.example.cn", "name": "42"}},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/launched", "display": {"zh-CN": "进入"}},
    "object": {"objectType": "Activity", "id": "https://yanxiu.example.cn/xapi/activities/a/1"},
    "timestamp": "2026-11-22T18:00:00.000+08:00",
}


def test_canonical_json_is_sorted_compact_utf8() -> None:
    """Sorted keys, no spaces, Chinese kept as text: equal statements give identical bytes."""
    text = canonical_json({"b": 1, "a": {"d": "进入", "c": [1, 2]}})
    assert text == '{"a":{"c":[1,2],"d":"进入"},"b":1}'
    assert canonical_json(json.loads(text)) == text


def test_lrs_fields_are_ignored() -> None:
    """stored, authority and version are the LRS's, not the sender's: a re-send is the same."""
    stored = dict(
        STATEMENT, stored="2026-11-22T10:00:01Z", version="1.0.0", authority={"mbox": "mailto:lrs@example.com"}
    )
    assert same_content(STATEMENT, stored)


def test_equivalent_spellings_are_the_same() -> None:
    """Id case, timestamp offset spelling and default objectTypes do not change the content."""
    other = copy.deepcopy(STATEMENT)
    other["id"] = other["id"].lower()
    other["timestamp"] = "2026-11-22T10:00:00Z"
    del other["actor"]["objectType"]
    del other["object"]["objectType"]
    assert same_content(STATEMENT, other)


def test_other_content_differs() -> None:
    """Another timestamp, verb display or result is a conflict (409), not a re-send."""
    assert not same_content(STATEMENT, dict(STATEMENT, timestamp="2026-11-22T10:00:01Z"))
    assert not same_content(STATEMENT, dict(STATEMENT, verb={"id": STATEMENT["verb"]["id"]}))  # type: ignore[index]
    assert not same_content(STATEMENT, dict(STATEMENT, result={"completion": True}))
