"""Deterministic statement ids (platform facts, "xAPI rules a client must keep"): UUIDv5 of
(tool, event key), so retries and re-exports are the same statement."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from xapi import statement_id
from xapi.ids import NAMESPACE

TOOL = "https://yanxiu.example.cn"


def test_known_value_never_changes() -> None:
    """Changing the namespace or the key layout would re-id history: pin one value forever."""
    assert statement_id(TOOL, "post:1") == str(uuid.uuid5(NAMESPACE, f"{TOOL}\npost:1"))
    assert uuid.UUID(statement_id(TOOL, "post:1")).version == 5


@given(st.text(), st.text())
def test_same_input_same_id_other_input_other_id(key: str, other: str) -> None:
    """Same (tool, key) -> same id; another key or another tool -> another id."""
    assert statement_id(TOOL, key) == statement_id(TOOL, key)
    if key != other:
        assert statement_id(TOOL, key) != statement_id(TOOL, other)
    assert statement_id(TOOL, key) != statement_id("https://other.example", key)


def test_tool_and_key_cannot_be_confused() -> None:
    """The separator keeps ("a/b", "c") and ("a", "b/c")-style pairs apart."""
    assert statement_id("https://t.example/a", "b") != statement_id("https://t.example", "a/b")
