"""Policy texts that break the reader or the validator before any rule is checked: each is a
PolicyError saying what is wrong (and on which line), never a ValueError or RecursionError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from grading import DocumentError, PolicyError, compute, load_policy, parse_record, read_document
from grading.presets import PRESET_DIR
from grading.schema import MAX_NESTING, MAX_VALUES

SELF_ALIAS = "name: x\ncomponents: &c\n - key: a\n   weight: 100\n   components: *c\n"


def errors_of(text: str) -> list[str]:
    with pytest.raises(PolicyError) as info:
        load_policy(read_document(text))
    return info.value.errors


def test_an_impossible_date_is_an_error_on_its_line() -> None:
    """YAML reads 2026-13-45 as a timestamp; the month is no month (was ValueError from the loader)."""
    with pytest.raises(DocumentError) as info:
        read_document("name: 2026-13-45")
    assert (info.value.line, info.value.problem) == (1, "'2026-13-45' is not a valid date: month must be in 1..12")
    assert info.value.errors == [
        "(policy): cannot read the document (line 1): '2026-13-45' is not a valid date: month must be in 1..12"
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1:30.5", "'1:30.5' is not a valid number"),  # YAML 1.1 sexagesimal, no Decimal
        (".inf", "'.inf' is not a valid number"),
        ("1" * 5000, "is not a valid number: Exceeds the limit (4300 digits)"),
    ],
)
def test_numbers_the_reader_cannot_build_are_errors_on_their_line(value: str, problem: str) -> None:
    """A YAML float or int that is not a finite Decimal is an error at its node, not an exception."""
    with pytest.raises(DocumentError) as info:
        read_document(f"name: x\ncomponents:\n  - {{key: a, weight: {value}}}\n")
    assert info.value.line == 3 and problem in info.value.problem


def test_deep_nesting_is_refused_before_the_reader_recurses() -> None:
    """3,000 `[` recursed through PyYAML's composer into RecursionError; now the reader stops at
    MAX_NESTING levels and names the line."""
    with pytest.raises(DocumentError) as info:
        read_document("name: x\ncomponents: " + "[" * 3000 + "]" * 3000)
    assert info.value.line == 2 and info.value.problem == f"nested more than {MAX_NESTING} levels deep"


def test_deep_json_is_refused_too(tmp_path: Path) -> None:
    """The JSON decoder refuses deep nesting by RecursionError; a policy file says so instead."""
    path = tmp_path / "deep.json"
    path.write_text('{"name": "x", "components": ' + "[" * 3000 + "]" * 3000 + "}")
    with pytest.raises(DocumentError) as info:
        load_policy(path)
    assert info.value.errors == ["(policy): cannot read deep.json: nested too deeply"]


def test_an_alias_inside_its_own_anchor_is_named() -> None:
    """A component list that contains itself recursed through validation into RecursionError."""
    assert errors_of(SELF_ALIAS) == ["components[0].components: refers to itself (an alias inside its own anchor)"]


def test_a_mapping_that_contains_itself_is_named() -> None:
    """The same for a mapping built in Python (load_policy takes mappings from any caller)."""
    component: dict[str, Any] = {"key": "a", "weight": 100}
    component["components"] = [component]
    with pytest.raises(PolicyError) as info:
        load_policy({"name": "x", "components": [component]})
    assert info.value.errors == ["components[0].components[0]: refers to itself (an alias inside its own anchor)"]


def test_aliases_expanding_past_the_limit_are_refused() -> None:
    """Aliases of aliases: seven short lines stand for 111,111 components, each validated again at
    every use (a few more lines and the validation never ends)."""
    lines = ["name: x", "c0: &c0 {key: a, weight: 10}"]
    for i in range(1, 6):
        lines.append(f"c{i}: &c{i} {{key: a, weight: 10, components: [{', '.join([f'*c{i - 1}'] * 10)}]}}")
    lines.append("components: [*c5]")
    assert errors_of("\n".join(lines)) == [f"(policy): more than {MAX_VALUES} values once its aliases are expanded"]


def nested(levels: int) -> dict[str, Any]:
    component: dict[str, Any] = {"key": "leaf", "weight": 100}
    for i in range(levels):
        component = {"key": f"k{i}", "weight": 100, "components": [component]}
    return {"name": "deep", "components": [component]}


def test_the_deepest_policy_allowed_validates_and_computes() -> None:
    """Components nested to the limit (14 levels below the top one) still load and compute; one
    more level is refused by path, not by Python's recursion limit."""
    policy = load_policy(nested(14))
    (result,) = compute(policy, [parse_record({"learner": "L1", "scores": {"leaf": "50"}})])
    assert f"{result.total:f}" == "50.00"
    with pytest.raises(PolicyError) as info:
        load_policy(nested(15))
    (error,) = info.value.errors
    assert error.endswith(f"components[0]: nested more than {MAX_NESTING} levels deep")


def test_a_policy_file_names_itself_and_the_line(tmp_path: Path) -> None:
    """Preset and CLI files go through the same reader."""
    path = tmp_path / "p.yaml"
    path.write_text("name: x\ncomponents:\n  - {key: a, weight: 100, label: 2026-02-30}\n")
    with pytest.raises(DocumentError) as info:
        load_policy(path)
    assert info.value.errors == [
        "(policy): cannot read p.yaml (line 3): '2026-02-30' is not a valid date: day is out of range for month"
    ]


def test_band_on_is_a_key_and_floats_are_decimals() -> None:
    """The reader the editor now shares with the preset files: `on:` is not the boolean True."""
    text = (PRESET_DIR / "dawukou-80-20.yaml").read_text(encoding="utf-8")
    assert read_document(text)["bands"]["on"] == "practice"
    assert str(read_document("w: 33.3")["w"]) == "33.3"
