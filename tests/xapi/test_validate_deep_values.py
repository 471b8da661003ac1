"""The validator on deeply nested values: extensions hold any JSON (xAPI 1.0.3 §4.1.9.2), and the
validator must answer for them without recursing into them (a RecursionError would be a 500)."""

from __future__ import annotations

from typing import Any

from xapi import check_statement

EXT = "https://yanxiu.example.cn/x/deep"


def _nested(depth: int) -> Any:
    value: Any = 1
    for level in range(depth):
        value = {"k": value} if level % 2 else [value]
    return value


def test_ten_thousand_levels_in_every_extension_are_checked_without_recursion() -> None:
    deep = {EXT: _nested(10_000)}
    statement = {
        "actor": {"account": {"homePage": "https://moodle.example.cn", "name": "42"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "https://h5p.example.cn/page/1", "definition": {"extensions": deep}},
        "result": {"extensions": deep},
        "context": {"extensions": deep, "contextActivities": {"parent": [
            {"id": "https://h5p.example.cn/course/1", "definition": {"extensions": deep}}]}},
    }
    assert check_statement(statement) is None
    statement["result"] = {"extensions": {"not an IRI": deep[EXT]}}
    assert str(check_statement(statement)) == "result.extensions.not an IRI: extension keys must be IRIs"
