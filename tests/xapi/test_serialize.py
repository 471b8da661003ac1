"""Canonical JSON and the "same statement" rule (xAPI 1.0.3 §2.3, Ralph: identical re-send -> 204,
same id with other content -> 409)."""

from __future__ import annotations

import copy
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xapi import canonical_json, parse_json, same_content
from xapi.serialize import MAX_DEPTH

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


# parse_json / canonical_json use orjson where it gives the standard library's answer, and the
# standard library elsewhere: the result must never depend on which one ran.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63 - 3, max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=20,
)


def _typed(value: object) -> str:
    """A spelling that tells 1 from 1.0 and True from 1 (== does not)."""
    return json.dumps(value, sort_keys=True) + repr(sorted(type(v).__name__ for v in _leaves(value)))


def _leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


@given(json_values, st.booleans())
def test_parse_json_reads_what_json_reads(value: object, ascii_only: bool) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert _typed(parse_json(raw)) == _typed(json.loads(raw))


@given(json_values)
def test_canonical_json_round_trips(value: object) -> None:
    text = canonical_json(value)
    assert _typed(json.loads(text)) == _typed(value)
    assert canonical_json(json.loads(text)) == text


def test_parse_json_keeps_integers_beyond_64_bits_exact() -> None:
    """orjson would read 2**64 + 1 as a float and lose the 1."""
    big = 2**64 + 1
    parsed = parse_json(f'{{"raw": {big}, "neg": -{big}}}'.encode())
    assert parsed == {"raw": big, "neg": -big} and type(parsed["raw"]) is int
    assert canonical_json(parsed) == f'{{"neg":-{big},"raw":{big}}}'
    # Twenty digits in a string, and the largest 64-bit integers, read as they are.
    mixed = parse_json(b'{"s": "12345678901234567890", "i": 9223372036854775807, "u": 18446744073709551615}')
    assert mixed == {"s": "12345678901234567890", "i": 2**63 - 1, "u": 2**64 - 1}
    assert type(mixed["u"]) is int


def test_parse_json_accepts_and_refuses_what_json_does() -> None:
    """NaN is read as `json` reads it (the validator then decides); text that is not JSON raises
    ValueError, worded by `json`. A lone surrogate, which `json` reads, is refused wherever it is
    (no database here can store it); a pair of surrogates is one character."""
    assert math.isnan(parse_json(b'{"x": NaN}')["x"])
    for lone in (b'"\\ud800"', b'{"\\udc00k": 1}', b'[12345678901234567890123, ["\\ud800"]]'):
        with pytest.raises(ValueError, match=r"a lone surrogate \('\\ud[8c]00'\) is no Unicode character"):
            parse_json(lone)
    assert parse_json(b'"\\ud83d\\ude00"') == "\U0001f600"
    assert canonical_json({"s": "\ud800"}) == '{"s":"\ud800"}'
    with pytest.raises(ValueError, match="Expecting"):
        parse_json(b'{"x": ')
    with pytest.raises(ValueError):
        parse_json(b"\xff\xfe")


def _nested(depth: int, leaf: object = 1) -> object:
    """`depth` levels of arrays and objects, alternating (built in a loop: no recursion)."""
    value = leaf
    for level in range(depth):
        value = {"k": value} if level % 2 else [value]
    return value


# Both readers: orjson, and the standard library (which a run of 20 digits, a possible integer
# beyond 64 bits, sends the text to).
READERS = {"orjson": "0", "json": "12345678901234567890123"}


@pytest.mark.parametrize("reader", READERS)
def test_parse_json_reads_nesting_up_to_max_depth_and_writes_it_back(reader: str) -> None:
    """What is accepted can be stored: canonical_json writes MAX_DEPTH levels (through orjson)."""
    value = _nested(MAX_DEPTH, json.loads(READERS[reader]))
    parsed = parse_json(json.dumps(value).encode())
    assert parsed == value
    assert json.loads(canonical_json(parsed)) == value


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_parse_json_refuses_nesting_deeper_than_max_depth(reader: str, depth: int) -> None:
    """Deeper nesting is a ValueError, whichever reader ran: `json` raised RecursionError beyond
    about 1,000 levels (a 500), and canonical_json did for what orjson read but could not write
    (255 to 1,024 levels)."""
    for text in ("[" * depth + READERS[reader] + "]" * depth, '{"k":' * depth + READERS[reader] + "}" * depth):
        with pytest.raises(ValueError, match=f"^arrays and objects nest deeper than {MAX_DEPTH} levels$"):
            parse_json(text.encode())
