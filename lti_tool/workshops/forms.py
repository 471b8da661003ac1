"""Validated input for the host's setup forms (marshmallow at the boundary)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from ..china import CHINA
from ..models.activities import ACTIVITY_KINDS


class Text(fields.String):
    """Trimmed text; empty strings become None, which a required field refuses. Blank text (" ")
    reached the validators as None and Length failed on it: a 500 instead of the form's message."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        text = text.strip() if isinstance(text, str) else text
        if not text and self.required:
            raise ValidationError("不能为空 / must not be empty")
        return text or None

    def _validate(self, value: Any) -> None:
        if value is not None:  # left empty: nothing for Length or URL to check
            super()._validate(value)


# A workshop's dates fall in this century: a year typed as 0026 or 20266 is a typo, and at the
# calendar's ends (0001-01-01, 9999-12-31) a China-time day cannot even be turned into UTC.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
DATE_ERROR = "日期应在 2000 至 2100 年之间 / a date between 2000 and 2100"


def plausible_date() -> validate.Range:
    return validate.Range(min=FIRST_DAY, max=LAST_DAY, error=DATE_ERROR)


# Row ids are PostgreSQL `integer`; a larger number in a form was a 500 on both databases
# (PostgreSQL: out of range; SQLite: the driver cannot bind it), and can name no row.
MAX_ROW_ID = 2**31 - 1


class RowId(fields.Integer):
    """The id of a row chosen in a form (a phase, a tutor, a class…), or None when left empty."""

    def __init__(self) -> None:
        super().__init__(load_default=None, allow_none=True,
                         validate=validate.Range(min=1, max=MAX_ROW_ID, error="不是有效的编号 / not a valid id"))


class WorkshopSettings(Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    subject = Text(load_default=None, validate=validate.Length(max=100))
    term = Text(load_default=None, validate=validate.Length(max=100))
    required_hours = fields.Decimal(required=True, places=2, validate=validate.Range(min=0, max=1000))
    minutes_per_hour = fields.Integer(required=True, validate=validate.Range(min=1, max=240))
    hours_rounding = fields.String(required=True,
                                   validate=validate.OneOf(["proportional", "floor_half", "floor_whole"]))
    grading_preset = Text(load_default=None)
    # Rankings of classes, schools and learners on the 研修主页 (seed 004 方案1 "促进……竞争"); off by default.
    rankings_enabled = fields.Boolean(load_default=False)


class PhaseInput(Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    starts_on = fields.Date(load_default=None, allow_none=True, validate=plausible_date())
    ends_on = fields.Date(load_default=None, allow_none=True, validate=plausible_date())
    planned_hours = fields.Decimal(load_default=0, places=2, validate=validate.Range(min=0, max=1000))

    @validates_schema
    def _dates(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("结束日期早于开始日期 / ends before it starts", "ends_on")


class ActivityInput(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS))
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(load_default="", validate=validate.Length(max=50_000))
    phase_id = RowId()
    required = fields.Boolean(load_default=False)
    video_url = Text(load_default=None, validate=validate.URL(schemes={"http", "https"}, require_tld=False))
    video_seconds = fields.Decimal(load_default=None, allow_none=True, places=3,
                                   validate=validate.Range(min=1, max=24 * 3600))
    planned_hours = fields.Decimal(load_default=0, places=2, validate=validate.Range(min=0, max=100))
    place = Text(load_default=None, validate=validate.Length(max=200))
    session_date = fields.Date(load_default=None, allow_none=True, validate=plausible_date())
    choices = fields.String(load_default="", validate=validate.Length(max=5000))
    # Assignment: maximum score and due date (entered in China time, stored in UTC).
    max_score = fields.Decimal(load_default=Decimal(100), places=2, validate=validate.Range(min=1, max=1000))
    due_at = fields.NaiveDateTime(load_default=None, allow_none=True, format="iso", validate=validate.Range(
        min=datetime.combine(FIRST_DAY, datetime.min.time()), max=datetime.combine(LAST_DAY, datetime.max.time()),
        error=DATE_ERROR))
    # Discussion: each class talks apart (seed 004 方案4) unless the host opens it to everyone.
    per_class = fields.Boolean(load_default=True)

    @post_load
    def _due_in_utc(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data.get("due_at") is not None:
            data["due_at"] = data["due_at"].replace(tzinfo=CHINA).astimezone(UTC)
        return data

    @validates_schema
    def _kind_fields(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["kind"] == "video" and (not data.get("video_url") or not data.get("video_seconds")):
            raise ValidationError("视频需要地址和时长 / a video needs a URL and its length", "video_url")


def form_data(form: Any) -> dict[str, Any]:
    """HTML forms send '' for empty fields: drop them so defaults apply; checkboxes become bools."""
    data = {k: v for k, v in form.items() if k != "csrf_token" and v != ""}
    for flag in ("required", "per_class", "rankings_enabled"):
        if flag in form:
            data[flag] = form.get(flag) in ("1", "on", "true")
    return data


def errors_text(err: ValidationError) -> str:
    # Always a dict (field name, or "_schema", to messages); unannotated in marshmallow.
    messages: dict[str, Any] = err.normalized_messages()  # type: ignore[no-untyped-call]
    parts = []
    for field, value in messages.items():
        text = "; ".join(value) if isinstance(value, list) else str(value)
        parts.append(f"{field}: {text}")
    return " · ".join(parts)
