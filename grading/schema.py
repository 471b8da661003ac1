"""Load and validate a policy document (YAML or JSON mapping) into a `Policy`.

marshmallow validates the structure; errors are flattened into paths such as
`components[1].weight: weights must sum to 100, got 90`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from .mfields import Exact, Percent, Share
from .numbers import HUNDRED, plain
from .policy import (
    AttendanceRule,
    Band,
    BandRule,
    Component,
    CreditRule,
    OutstandingRule,
    Policy,
    ShareCap,
    SourceSpec,
)
from .sources import SCORERS

SCOPES = ["all", "workshop", "school", "class", "group"]

# A real policy nests its components three or four deep: about a dozen levels of mappings and lists.
# Validation recurses once per level, so a deeper document (3,000 `[`) would hit Python's recursion
# limit; the YAML reader refuses the same depth before it recurses itself (presets.DecimalLoader).
MAX_NESTING = 32
# A YAML alias is validated again at every use, so aliases of aliases can make a 64 KB text stand
# for billions of values; a real policy has a few hundred.
MAX_VALUES = 10_000


class PolicyError(ValueError):
    """An invalid policy; `errors` lists "path: message" lines."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("invalid grading policy:\n" + "\n".join(f"  {e}" for e in errors))
        self.errors = errors


def _join(path: str, key: Any) -> str:
    """The path of `key` under `path`: components[1].weight."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def flatten(messages: Any, path: str = "") -> list[str]:
    """marshmallow's nested error dict → ["components[1].weight: …", …]."""
    if isinstance(messages, Mapping):
        out: list[str] = []
        for key, value in messages.items():
            out += flatten(value, path if key == "_schema" else _join(path, key))
        return out
    if isinstance(messages, list | tuple):
        out = []
        for item in messages:
            out += (
                flatten(item, path) if isinstance(item, Mapping | list) else [f"{path or '(policy)'}: {item}"]
            )
        return out
    return [f"{path or '(policy)'}: {messages}"]


def _scope(value: str) -> str:
    return "all" if value == "workshop" else value


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class SourceField(fields.Field[SourceSpec]):
    """`{type: hours, key: …, required: 16}` or the shorthand "scores.<key>"."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> SourceSpec:
        if isinstance(value, str):
            kind, _, key = value.partition(".")
            if kind != "scores" or not key:
                raise ValidationError('a string source must look like "scores.<key>"')
            value = {"type": "score", "key": key}
        if not isinstance(value, Mapping):
            raise ValidationError("expected a mapping with a `type`")
        name = value.get("type")
        if name not in SCORERS:
            raise ValidationError({"type": [f"unknown source {name!r}; known: {', '.join(sorted(SCORERS))}"]})
        options = SCORERS[name].schema().load({k: v for k, v in value.items() if k != "type"})
        return SourceSpec(name, options)


def _check_weights(components: list[Component]) -> None:
    """Sibling weights must sum to exactly 100 (the error names the last sibling's weight)."""
    total = sum((c.weight for c in components), Decimal(0))
    if components and total != HUNDRED:
        raise ValidationError(
            {
                "components": {
                    len(components) - 1: {"weight": [f"weights must sum to 100, got {plain(total)}"]}
                }
            }
        )
    keys = [c.key for c in components]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            raise ValidationError({"components": {i: {"key": [f"duplicate key {key!r}"]}}})


class ComponentSchema(_Strict):
    key = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_\-]+$"))
    label = fields.String(load_default="")
    weight = Exact(required=True)
    max = Exact(load_default=HUNDRED, minimum=Decimal("0.01"))
    pass_mark = Exact(load_default=None, allow_none=True)
    must_pass = fields.Boolean(load_default=False)
    source = SourceField(load_default=None, allow_none=True)
    course = fields.String(load_default=None, allow_none=True)
    components = fields.List(fields.Nested(lambda: ComponentSchema()), load_default=list)

    @validates_schema
    def check(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["components"] and data["source"] is not None:
            raise ValidationError("a component has either a source or components, not both", "source")
        if data["pass_mark"] is not None and data["pass_mark"] > data["max"]:
            raise ValidationError(
                f"pass mark {plain(data['pass_mark'])} is above max {plain(data['max'])}", "pass_mark"
            )
        _check_weights(data["components"])

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> Component:
        source = data["source"]
        if source is None and not data["components"]:
            source = SourceSpec("score", SCORERS["score"].schema().load({"key": data["key"]}))
        return Component(
            key=data["key"],
            label=data["label"],
            weight=data["weight"],
            max=data["max"],
            pass_mark=data["pass_mark"],
            must_pass=data["must_pass"],
            source=source,
            children=tuple(data["components"]),
            course=data["course"],
        )


class BandSchema(_Strict):
    name = fields.String(required=True, validate=validate.Length(min=1))
    min = Exact(required=True)

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> Band:
        return Band(**data)


class BandRuleSchema(_Strict):
    on = fields.String(load_default="total")
    table = fields.List(fields.Nested(BandSchema), required=True, validate=validate.Length(min=1))

    @validates_schema
    def check(self, data: dict[str, Any], **kwargs: Any) -> None:
        table: list[Band] = data["table"]
        for i, band in enumerate(table[1:], start=1):
            if band.min >= table[i - 1].min:
                raise ValidationError(
                    {
                        "table": {
                            i: {
                                "min": [
                                    f"band minimums must decrease, got {plain(band.min)} "
                                    f"after {plain(table[i - 1].min)}"
                                ]
                            }
                        }
                    }
                )
            if band.name in [b.name for b in table[:i]]:
                raise ValidationError({"table": {i: {"name": [f"duplicate band {band.name!r}"]}}})
        if table[-1].min != 0:
            raise ValidationError(
                {
                    "table": {
                        len(table) - 1: {"min": ["the lowest band must start at 0 so every score has a band"]}
                    }
                }
            )

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> BandRule:
        return BandRule(table=tuple(data["table"]), on=data["on"])


class ShareCapSchema(_Strict):
    band = fields.String(required=True)
    share = Percent(required=True)
    scope = fields.String(load_default="school", validate=validate.OneOf(SCOPES))

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> ShareCap:
        return ShareCap(band=data["band"], share=data["share"], scope=_scope(data["scope"]))  # type: ignore[arg-type]


class OutstandingSchema(_Strict):
    share = Percent(required=True)
    scope = fields.String(load_default="all", validate=validate.OneOf(SCOPES))
    eligible = fields.String(load_default="passed", validate=validate.OneOf(["passed", "must_pass"]))

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> OutstandingRule:
        return OutstandingRule(
            share=data["share"],
            scope=_scope(data["scope"]),  # type: ignore[arg-type]
            eligible=data["eligible"],
        )


class AttendanceSchema(_Strict):
    enabled = fields.Boolean(load_default=True)
    course = Share(load_default=Fraction(1, 3))
    all = Share(load_default=Fraction(1, 3))

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> AttendanceRule:
        return AttendanceRule(**data)


class CreditSchema(_Strict):
    mode = fields.String(load_default="hours", validate=validate.OneOf(["hours", "fixed"]))
    hours_per_credit = Exact(load_default=Decimal(2), minimum=Decimal("0.01"))
    fixed = Exact(load_default=Decimal(0))
    require_pass = fields.Boolean(load_default=None, allow_none=True)

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> CreditRule:
        require = data["require_pass"]
        # A fixed registration is, by its source, all-or-nothing (seed 004 方案1 六(三)).
        require = data["mode"] == "fixed" if require is None else require
        return CreditRule(
            mode=data["mode"],
            hours_per_credit=data["hours_per_credit"],
            fixed=data["fixed"],
            require_pass=require,
        )


class PolicySchema(_Strict):
    name = fields.String(required=True, validate=validate.Length(min=1))
    description = fields.String(load_default="")
    source = fields.String(load_default="")
    precision = fields.Integer(load_default=2, strict=True, validate=validate.Range(min=0, max=6))
    pass_mark = Exact(load_default=Decimal(60))
    bands = fields.Nested(BandRuleSchema, load_default=None, allow_none=True)
    share_caps = fields.List(fields.Nested(ShareCapSchema), load_default=list)
    outstanding = fields.Nested(OutstandingSchema, load_default=None, allow_none=True)
    attendance = fields.Nested(AttendanceSchema, load_default=None, allow_none=True)
    credits = fields.Nested(CreditSchema, load_default=None, allow_none=True)
    hours_keys = fields.List(fields.String(), load_default=None, allow_none=True)
    components = fields.List(fields.Nested(ComponentSchema), required=True, validate=validate.Length(min=1))

    @validates_schema
    def check(self, data: dict[str, Any], **kwargs: Any) -> None:
        _check_weights(data["components"])
        bands: BandRule = data["bands"] or BandRule()
        paths = _paths(data["components"], "")
        if bands.on != "total" and bands.on not in paths:
            raise ValidationError(
                {"bands": {"on": [f"no component {bands.on!r}; known: total, {', '.join(paths)}"]}}
            )
        names = [b.name for b in bands.table]
        for i, cap in enumerate(data["share_caps"]):
            if cap.band not in names[:-1]:
                raise ValidationError(
                    {
                        "share_caps": {
                            i: {
                                "band": [
                                    f"{cap.band!r} is not a band that can be capped; "
                                    f"bands: {', '.join(names[:-1])}"
                                ]
                            }
                        }
                    }
                )

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> Policy:
        return Policy(
            name=data["name"],
            description=data["description"],
            source=data["source"],
            components=tuple(data["components"]),
            precision=data["precision"],
            pass_mark=data["pass_mark"],
            bands=data["bands"] or BandRule(),
            share_caps=tuple(data["share_caps"]),
            outstanding=data["outstanding"],
            attendance=data["attendance"] or AttendanceRule(),
            credits=data["credits"] or CreditRule(),
            hours_keys=tuple(data["hours_keys"]) if data["hours_keys"] is not None else None,
        )


def _paths(components: list[Component] | tuple[Component, ...], prefix: str) -> list[str]:
    out: list[str] = []
    for c in components:
        out.append(prefix + c.key)
        out += _paths(c.children, f"{prefix}{c.key}.")
    return out


def _shape_error(document: Any) -> str | None:
    """Why the document cannot be validated at all ("path: problem"), or None: it contains itself
    (a YAML alias inside its own anchor), is nested deeper than MAX_NESTING or, aliases expanded,
    holds more than MAX_VALUES values. It stops at the first problem, after at most MAX_VALUES values."""
    seen = 0

    def walk(value: Any, path: str, inside: tuple[int, ...]) -> str | None:
        nonlocal seen
        seen += 1
        if seen > MAX_VALUES:
            return f"(policy): more than {MAX_VALUES} values once its aliases are expanded"
        if not isinstance(value, Mapping | list | tuple):
            return None
        if id(value) in inside:
            return f"{path}: refers to itself (an alias inside its own anchor)"
        if len(inside) >= MAX_NESTING:
            return f"{path}: nested more than {MAX_NESTING} levels deep"
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for key, item in items:
            error = walk(item, _join(path, key), (*inside, id(value)))
            if error is not None:
                return error
        return None

    return walk(document, "", ())


def policy_from_mapping(document: Mapping[str, Any]) -> Policy:
    """Validate a policy document; raise PolicyError listing every problem with its path."""
    if not isinstance(document, Mapping):
        raise PolicyError(["(policy): expected a mapping at the top of the document"])
    shape = _shape_error(document)
    if shape is not None:
        raise PolicyError([shape])
    try:
        policy: Policy = PolicySchema().load(document)
    except ValidationError as exc:
        raise PolicyError(flatten(exc.messages)) from None
    return policy
