"""Policy documents are validated with marshmallow; every error names its path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from grading import PolicyError, load_policy


def errors_of(document: dict[str, Any]) -> list[str]:
    with pytest.raises(PolicyError) as info:
        load_policy(document)
    return info.value.errors


def simple(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": "t",
        "components": [{"key": "a", "weight": 60}, {"key": "b", "weight": 40}],
    }
    doc.update(extra)
    return doc


def test_weights_must_sum_to_100() -> None:
    """Sibling weights sum to exactly 100; the error names the group's last weight."""
    doc = simple(components=[{"key": "a", "weight": 50}, {"key": "b", "weight": 40}])
    assert errors_of(doc) == ["components[1].weight: weights must sum to 100, got 90"]


def test_nested_weights_are_checked_with_their_path() -> None:
    """process → required/optional → items: each level sums to 100 on its own."""
    doc = simple(
        components=[
            {
                "key": "process",
                "weight": 100,
                "components": [
                    {
                        "key": "required",
                        "weight": 80,
                        "components": [{"key": "x", "weight": 30}, {"key": "y", "weight": 60}],
                    },
                    {"key": "optional", "weight": 20},
                ],
            },
        ]
    )
    assert errors_of(doc) == [
        "components[0].components[0].components[1].weight: weights must sum to 100, got 90"
    ]


def test_unknown_source_lists_the_known_ones() -> None:
    """A source type must be registered in SCORERS."""
    doc = simple(components=[{"key": "a", "weight": 100, "source": {"type": "karma", "key": "a"}}])
    (error,) = errors_of(doc)
    assert error.startswith(
        "components[0].source.type: unknown source 'karma'; known: assignments, attendance"
    )


def test_source_options_are_validated_by_their_scorer() -> None:
    """Each scorer owns its option schema: hours need `required`."""
    doc = simple(components=[{"key": "a", "weight": 100, "source": {"type": "hours", "key": "a"}}])
    assert errors_of(doc) == ["components[0].source.required: Missing data for required field."]


@pytest.mark.parametrize(
    ("table", "error"),
    [
        (
            [{"name": "A", "min": 60}, {"name": "B", "min": 80}, {"name": "C", "min": 0}],
            "bands.table[1].min: band minimums must decrease, got 80 after 60",
        ),
        (
            [{"name": "A", "min": 60}, {"name": "B", "min": 10}],
            "bands.table[1].min: the lowest band must start at 0 so every score has a band",
        ),
        ([{"name": "A", "min": 60}, {"name": "A", "min": 0}], "bands.table[1].name: duplicate band 'A'"),
        ([{"name": "A", "min": "x"}, {"name": "B", "min": 0}], "bands.table[0].min: not a number: 'x'"),
    ],
)
def test_bad_band_tables(table: list[dict[str, Any]], error: str) -> None:
    """A band table must decrease strictly, end at 0 and name each band once."""
    assert errors_of(simple(bands={"table": table})) == [error]


def test_band_on_must_name_a_component_and_caps_a_known_band() -> None:
    """Bands can apply to one component (大武口 practice), which must exist; caps name a band."""
    errors = errors_of(simple(bands={"on": "nope", "table": [{"name": "A", "min": 0}]}))
    assert errors == ["bands.on: no component 'nope'; known: total, a, b"]
    errors = errors_of(simple(share_caps=[{"band": "卓越", "share": 25}]))
    assert errors[0].startswith("share_caps[0].band: '卓越' is not a band that can be capped")


def test_floats_are_refused_and_unknown_fields_named() -> None:
    """No float anywhere: 0.7 as a float is not 0.7. Typos are errors, not silently ignored."""
    assert errors_of(simple(pass_mark=59.5)) == [
        "pass_mark: floats are not accepted; pass a decimal string or a Decimal"
    ]
    assert errors_of(simple(pas_mark=60)) == ["pas_mark: Unknown field."]


def test_pass_mark_above_max_is_rejected() -> None:
    """A component's pass mark lies on its own scale."""
    doc = simple(components=[{"key": "a", "weight": 100, "max": 20, "pass_mark": 30}])
    assert errors_of(doc) == ["components[0].pass_mark: pass mark 30 is above max 20"]


def test_unknown_preset_lists_presets() -> None:
    """An unknown name says which presets exist."""
    with pytest.raises(PolicyError) as info:
        load_policy("nanjing-50-50")
    assert "zhucheng-remote" in str(info.value) and "nanjing-50-50" in str(info.value)


def test_json_and_yaml_files_load_decimals_exactly(tmp_path: Path) -> None:
    """Policy files: JSON floats and YAML floats are read as Decimal, never as binary floats."""
    doc = simple(components=[{"key": "a", "weight": "33.3"}, {"key": "b", "weight": "66.7"}])
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc).replace('"33.3"', "33.3").replace('"66.7"', "66.7"))
    assert str(load_policy(path).components[0].weight) == "33.3"
    yaml_path = tmp_path / "p.yaml"
    yaml_path.write_text("name: y\ncomponents:\n  - {key: a, weight: 33.3}\n  - {key: b, weight: 66.7}\n")
    assert str(load_policy(yaml_path).components[1].weight) == "66.7"


def hours_source(**options: Any) -> dict[str, Any]:
    return {"type": "hours", "key": "study", "required": 16, **options}


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        # Each took the grade pages down once saved (InvalidOperation rounding to 50 digits, Overflow).
        (
            {"components": [{"key": "a", "weight": 100, "max": "1E+60"}]},
            "components[0].max: must be at most 1000000 in size, got 1E+60",
        ),
        (
            {"precision": 6, "components": [{"key": "a", "weight": 100, "max": "1E+45"}]},
            "components[0].max: must be at most 1000000 in size, got 1E+45",
        ),
        (
            {"components": [{"key": "a", "weight": 100, "max": "1E+999999"}]},
            "components[0].max: must be at most 1000000 in size, got 1E+999999",
        ),
        ({"pass_mark": "1E+60"}, "pass_mark: must be at most 1000000 in size, got 1E+60"),
        # Places past the finest precision, in every kind of exact number a policy holds.
        (
            {"components": [{"key": "a", "weight": 100, "max": "20.0000001"}]},
            "components[0].max: must have at most 6 decimal places, got 20.0000001",
        ),
        (
            {"bands": {"table": [{"name": "A", "min": "1E-999999999"}, {"name": "B", "min": 0}]}},
            "bands.table[0].min: must have at most 6 decimal places, got 1E-999999999",
        ),
        (
            {"components": [{"key": "a", "weight": 100, "source": hours_source(required="1E+7")}]},
            "components[0].source.required: must be at most 1000000 in size, got 1E+7",
        ),
        (
            {"components": [{"key": "a", "weight": 100,
                             "source": {"type": "counts", "items": [{"kind": "post", "points": "1E+60"}]}}]},
            "components[0].source.items[0].points: must be at most 1000000 in size, got 1E+60",
        ),
        (
            {"credits": {"hours_per_credit": "2000000"}},
            "credits.hours_per_credit: must be at most 1000000 in size, got 2000000",
        ),
        (
            {"share_caps": [{"band": "优秀", "share": "25.00000001"}]},
            "share_caps[0].share: must have at most 6 decimal places, got 25.00000001",
        ),
        # A share's parts are bounded before they become Fractions (this one would build integers
        # of a hundred million digits).
        (
            {"attendance": {"course": "1E+99999999/1E+99999999"}},
            "attendance.course: not a share between 0 and 1: '1E+99999999/1E+99999999' "
            "(must be at most 1000000 in size, got 1E+99999999)",
        ),
        # Counts the engine pads each record up to.
        (
            {"components": [{"key": "a", "weight": 100,
                             "source": {"type": "assignments", "key": "a", "min_count": 10**9}}]},
            "components[0].source.min_count: Must be greater than or equal to 0 and less than or equal to 1000.",
        ),
        ({"precision": 7}, "precision: Must be greater than or equal to 0 and less than or equal to 6."),
    ],
)
def test_numbers_the_engine_cannot_compute_with_are_refused(extra: dict[str, Any], error: str) -> None:
    """Every exact number of a policy lies within ±1,000,000 and has at most 6 decimal places
    (numbers.POLICY_LIMIT), `precision` at most 6: the error names the field."""
    assert errors_of(simple(**extra)) == [error]


def test_numbers_at_the_bounds_load_and_compute() -> None:
    """The largest and finest values allowed, at the finest precision, compute without a context
    error: rounding 1,000,000 at 6 places needs 13 of the engine's 50 digits."""
    from grading import compute, parse_record

    policy = load_policy(simple(
        precision=6, pass_mark="99.999999",
        components=[{"key": "a", "weight": "33.333333", "max": 1_000_000, "pass_mark": "999999.999999"},
                    {"key": "b", "weight": "66.666667", "max": "0.01"}],
        bands={"table": [{"name": "A", "min": "1000000"}, {"name": "B", "min": 0}]},
    ))
    (result,) = compute(policy, [parse_record({"learner": "L1", "scores": {"a": "999999.999999", "b": "0.01"}})])
    # 33.333333 × 0.999999999999 + 66.666667 = 99.99999999999966… → 100.000000 at 6 places.
    assert (f"{result.total:f}", result.band, result.passed) == ("100.000000", "B", True)
    assert load_policy(simple(pass_mark="60.000000000")).pass_mark == 60  # trailing zeros are no places
