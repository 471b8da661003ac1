"""A learner's record as the engine sees it, and its parsing from JSON-like mappings.

Line format (one JSON object per learner, see README "yanxiu grade"):
{"learner", "name", "school", "class", "group", "scores": {key: number|null},
 "hours": {course: number}, "attendance": {course|"all": {"scheduled", "attended"}},
 "counts": {kind: number}, "assignments": {key: [number, ...]}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .numbers import NotANumber, to_decimal


class RecordError(ValueError):
    """A malformed record; `field` is the dotted path of the offending value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Attendance:
    scheduled: Decimal
    attended: Decimal

    @property
    def missed(self) -> Decimal:
        return self.scheduled - self.attended


@dataclass(frozen=True)
class LearnerRecord:
    learner: str
    name: str = ""
    school: str = ""
    klass: str = ""  # "class" in the JSON; `class` is a Python keyword
    group: str = ""
    scores: Mapping[str, Decimal | None] = field(default_factory=dict)
    hours: Mapping[str, Decimal] = field(default_factory=dict)
    attendance: Mapping[str, Attendance] = field(default_factory=dict)
    counts: Mapping[str, Decimal] = field(default_factory=dict)
    assignments: Mapping[str, tuple[Decimal, ...]] = field(default_factory=dict)

    def scope_value(self, scope: str) -> str:
        """The value that groups this learner for a per-scope rule (caps, outstanding)."""
        return {"school": self.school, "class": self.klass, "group": self.group}.get(scope, "")


_TOP = {
    "learner",
    "name",
    "school",
    "class",
    "group",
    "scores",
    "hours",
    "attendance",
    "counts",
    "assignments",
}


def _number(value: object, path: str) -> Decimal:
    try:
        number = to_decimal(value)
    except NotANumber as exc:
        raise RecordError(path, str(exc)) from None
    if number < 0:
        raise RecordError(path, f"must not be negative, got {number}")
    return number


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RecordError(key, f"expected an object, got {type(value).__name__}")
    return value


def _text(data: Mapping[str, Any], key: str, required: bool = False) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise RecordError(key, "is required")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordError(key, f"expected a string, got {type(value).__name__}")
    text = str(value).strip()
    if required and not text:
        raise RecordError(key, "must not be empty")
    return text


def parse_record(data: Mapping[str, Any]) -> LearnerRecord:
    """Validate one learner mapping and return a LearnerRecord; raise RecordError naming the field.

    Numbers must be ints, Decimals or numeric strings (never floats) and never negative.
    Whether a score key belongs to a policy is checked by `grading.engine.check_record`.
    """
    if not isinstance(data, Mapping):
        raise RecordError("(line)", "expected a JSON object")
    unknown = sorted(set(data) - _TOP)
    if unknown:
        raise RecordError(unknown[0], "unknown field")
    scores: dict[str, Decimal | None] = {}
    for key, value in _mapping(data, "scores").items():
        scores[str(key)] = None if value is None else _number(value, f"scores.{key}")
    hours = {str(k): _number(v, f"hours.{k}") for k, v in _mapping(data, "hours").items()}
    counts = {str(k): _number(v, f"counts.{k}") for k, v in _mapping(data, "counts").items()}
    attendance: dict[str, Attendance] = {}
    for key, value in _mapping(data, "attendance").items():
        path = f"attendance.{key}"
        if not isinstance(value, Mapping) or set(value) != {"scheduled", "attended"}:
            raise RecordError(path, 'expected {"scheduled": n, "attended": n}')
        entry = Attendance(
            _number(value["scheduled"], f"{path}.scheduled"), _number(value["attended"], f"{path}.attended")
        )
        if entry.attended > entry.scheduled:
            raise RecordError(f"{path}.attended", "must not exceed scheduled")
        attendance[str(key)] = entry
    assignments: dict[str, tuple[Decimal, ...]] = {}
    for key, value in _mapping(data, "assignments").items():
        if not isinstance(value, list):
            raise RecordError(f"assignments.{key}", "expected a list of numbers")
        assignments[str(key)] = tuple(_number(v, f"assignments.{key}[{i}]") for i, v in enumerate(value))
    return LearnerRecord(
        learner=_text(data, "learner", required=True),
        name=_text(data, "name"),
        school=_text(data, "school"),
        klass=_text(data, "class"),
        group=_text(data, "group"),
        scores=scores,
        hours=hours,
        attendance=attendance,
        counts=counts,
        assignments=assignments,
    )
