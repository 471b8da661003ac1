"""Source scorers: where a leaf component's raw score comes from.

`SCORERS` maps a source `type` (as written in a policy document) to a scorer. A scorer owns the
marshmallow schema of its options and turns a learner record into a raw score on the
component's `max` scale, with the inputs it used (for the explanation) and notes. A new program
rule is one new class and one new entry in `SCORERS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from .mfields import Exact
from .notes import Note, component_params, note
from .numbers import ZERO, div, mul, plain
from .policy import Component
from .records import LearnerRecord, RecordError


@dataclass(frozen=True)
class Outcome:
    raw: Decimal  # on the component's `max` scale
    inputs: tuple[tuple[str, str], ...]
    notes: tuple[Note, ...] = ()


class Scorer:
    name: ClassVar[str]
    description: ClassVar[str]
    schema: ClassVar[type[Schema]]

    def score(self, options: Any, record: LearnerRecord, comp: Component) -> Outcome:
        raise NotImplementedError

    def score_keys(self, options: Any) -> set[str]:
        """Keys of `scores` this source reads (anything else in a record is an error)."""
        return set()

    def course_key(self, options: Any, comp: Component) -> str:
        """The attendance key that can cancel this component (seed 003 意见2 二(四))."""
        return comp.course or str(getattr(options, "key", comp.key))

    def check(self, options: Any, record: LearnerRecord, comp: Component) -> list[RecordError]:
        return []


class _Options(Schema):
    class Meta:
        unknown = RAISE


# --- scores.<key>: a given score, or one entered by hand ---------------------------------------


@dataclass(frozen=True)
class KeyOptions:
    key: str


class KeySchema(_Options):
    key = fields.String(required=True, validate=validate.Length(min=1))

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> KeyOptions:
        return KeyOptions(**data)


class GivenScore(Scorer):
    name = "score"
    description = "a given score: scores.<key>, on the component's max scale"
    schema = KeySchema

    def score(self, options: KeyOptions, record: LearnerRecord, comp: Component) -> Outcome:
        params = component_params(comp.label, comp.key)
        if options.key not in record.scores:
            return Outcome(ZERO, ((f"scores.{options.key}", "—"),), (note("missing_score", **params),))
        value = record.scores[options.key]
        if value is None:
            return Outcome(ZERO, ((f"scores.{options.key}", "null"),), (note("null_score", **params),))
        return Outcome(value, ((f"scores.{options.key}", plain(value)),))

    def score_keys(self, options: KeyOptions) -> set[str]:
        return {options.key}

    def check(self, options: KeyOptions, record: LearnerRecord, comp: Component) -> list[RecordError]:
        value = record.scores.get(options.key)
        if value is not None and value > comp.max:
            return [RecordError(f"scores.{options.key}", f"{value} is above the maximum {plain(comp.max)}")]
        return []


class ManualScore(GivenScore):
    name = "manual"
    description = "a score entered by hand (e.g. a peer review), read from scores.<key>"


# --- assignments: average, best N, drop lowest N, padded to min_count ----------------------------


@dataclass(frozen=True)
class AssignmentOptions:
    key: str
    aggregate: str = "average"
    n: int = 0
    min_count: int = 0
    item_max: Decimal = Decimal(100)


MAX_ASSIGNMENTS = 1000


class AssignmentSchema(_Options):
    key = fields.String(required=True, validate=validate.Length(min=1))
    aggregate = fields.String(
        load_default="average", validate=validate.OneOf(["average", "best", "drop_lowest"])
    )
    # A record is padded with zeros up to these counts on every computation: a workshop has a few
    # dozen assignments, and a billion would take the grade pages down building the padding.
    n = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=MAX_ASSIGNMENTS))
    min_count = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=MAX_ASSIGNMENTS))
    item_max = Exact(load_default=Decimal(100), minimum=Decimal("0.01"))

    @validates_schema
    def need_n(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("aggregate") == "best" and data.get("n", 0) < 1:
            raise ValidationError("best needs n ≥ 1", "n")

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> AssignmentOptions:
        return AssignmentOptions(**data)


class Assignments(Scorer):
    name = "assignments"
    description = "assignment scores: average, best N or drop lowest N, padded with zeros to min_count"
    schema = AssignmentSchema

    def score(self, options: AssignmentOptions, record: LearnerRecord, comp: Component) -> Outcome:
        got = list(record.assignments.get(options.key, ()))
        notes: list[Note] = []
        # Like Open edX's min_count: missing assignments count as zero rather than shrinking the base.
        wanted = max(options.min_count, options.n if options.aggregate == "best" else 0)
        if len(got) < wanted:
            notes.append(
                note(
                    "assignments_padded",
                    count=len(got),
                    min_count=wanted,
                    **component_params(comp.label, comp.key),
                )
            )
            got += [ZERO] * (wanted - len(got))
        ordered = sorted(got, reverse=True)
        if options.aggregate == "best":
            used = ordered[: options.n]
        elif options.aggregate == "drop_lowest":
            used = ordered[: max(len(ordered) - options.n, 1)] if ordered else []
        else:
            used = ordered
        mean = div(sum(used, ZERO), Decimal(len(used))) if used else ZERO
        raw = div(mul(mean, comp.max), options.item_max)
        inputs = (
            (f"assignments.{options.key}", ", ".join(plain(v) for v in got) or "—"),
            ("used", ", ".join(plain(v) for v in used) or "—"),
        )
        return Outcome(raw, inputs, tuple(notes))

    def check(self, options: AssignmentOptions, record: LearnerRecord, comp: Component) -> list[RecordError]:
        return [
            RecordError(
                f"assignments.{options.key}[{i}]", f"{v} is above the maximum {plain(options.item_max)}"
            )
            for i, v in enumerate(record.assignments.get(options.key, ()))
            if v > options.item_max
        ]


# --- hours: study hours against a requirement, proportional and capped --------------------------


@dataclass(frozen=True)
class HoursOptions:
    key: str
    required: Decimal


class HoursSchema(_Options):
    key = fields.String(required=True, validate=validate.Length(min=1))
    required = Exact(required=True, minimum=Decimal("0.01"))

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> HoursOptions:
        return HoursOptions(**data)


class Hours(Scorer):
    name = "hours"
    description = "study hours against a required number: proportional, capped at full marks"
    schema = HoursSchema

    def score(self, options: HoursOptions, record: LearnerRecord, comp: Component) -> Outcome:
        hours = record.hours.get(options.key, ZERO)
        notes: tuple[Note, ...] = ()
        if hours > options.required:
            notes = (
                note(
                    "hours_capped",
                    hours=plain(hours),
                    required=plain(options.required),
                    **component_params(comp.label, comp.key),
                ),
            )
        raw = div(mul(min(hours, options.required), comp.max), options.required)
        return Outcome(
            raw, ((f"hours.{options.key}", plain(hours)), ("required", plain(options.required))), notes
        )


# --- counts: posts, replies, resources… points per unit with caps --------------------------------


@dataclass(frozen=True)
class CountItem:
    kind: str
    points: Decimal
    cap: Decimal | None = None


@dataclass(frozen=True)
class CountsOptions:
    items: tuple[CountItem, ...]
    cap: Decimal | None = None


class CountItemSchema(_Options):
    kind = fields.String(required=True, validate=validate.Length(min=1))
    points = Exact(required=True)
    cap = Exact(load_default=None, allow_none=True)

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> CountItem:
        return CountItem(**data)


class CountsSchema(_Options):
    items = fields.List(fields.Nested(CountItemSchema), required=True, validate=validate.Length(min=1))
    cap = Exact(load_default=None, allow_none=True)

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> CountsOptions:
        return CountsOptions(items=tuple(data["items"]), cap=data["cap"])


class Counts(Scorer):
    name = "counts"
    description = "counts (posts, replies, resources) × points per unit, capped per item and in total"
    schema = CountsSchema

    def score(self, options: CountsOptions, record: LearnerRecord, comp: Component) -> Outcome:
        params = component_params(comp.label, comp.key)
        notes: list[Note] = []
        inputs: list[tuple[str, str]] = []
        total = ZERO
        for item in options.items:
            count = record.counts.get(item.kind, ZERO)
            points = mul(count, item.points)
            inputs.append((f"counts.{item.kind}", f"{plain(count)} × {plain(item.points)}"))
            if item.cap is not None and points > item.cap:
                notes.append(
                    note("count_capped", kind=item.kind, points=plain(points), cap=plain(item.cap), **params)
                )
                points = item.cap
            total += points
        cap = min(options.cap, comp.max) if options.cap is not None else comp.max
        if total > cap:
            notes.append(note("total_capped", points=plain(total), cap=plain(cap), **params))
            total = cap
        return Outcome(total, tuple(inputs), tuple(notes))

    def course_key(self, options: CountsOptions, comp: Component) -> str:
        return comp.course or comp.key


# --- attendance hours as a score ---------------------------------------------------------------


class AttendanceScore(Scorer):
    name = "attendance"
    description = "attended / scheduled hours of attendance.<key>, on the component's max scale"
    schema = KeySchema

    def score(self, options: KeyOptions, record: LearnerRecord, comp: Component) -> Outcome:
        entry = record.attendance.get(options.key)
        if entry is None or entry.scheduled == 0:
            return Outcome(
                ZERO,
                ((f"attendance.{options.key}", "—"),),
                (note("missing_score", **component_params(comp.label, comp.key)),),
            )
        raw = div(mul(entry.attended, comp.max), entry.scheduled)
        return Outcome(
            raw, ((f"attendance.{options.key}", f"{plain(entry.attended)}/{plain(entry.scheduled)}"),)
        )

    def course_key(self, options: KeyOptions, comp: Component) -> str:
        # The attendance score is itself the measure; cancelling it again would count twice.
        return comp.course or ""


SCORERS: dict[str, Scorer] = {
    s.name: s for s in (GivenScore(), ManualScore(), Assignments(), Hours(), Counts(), AttendanceScore())
}
