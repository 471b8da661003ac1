"""Validated input for the host's setup forms (marshmallow at the boundary), and the text of a
refused form in the page's language (`errors_text`), which every form's page shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from ..china import CHINA
from ..i18n import PUNCT, in_language, t
from ..models.activities import ACTIVITY_KINDS


def label(zh: str, en: str) -> dict[str, Any]:
    """A field's visible label, for its error messages: `fields.X(metadata=label("计划学时", ...))`.
    Use the words of the form's <label>, so the message names what the user sees."""
    return {"label": (zh, en)}


class FormSchema(Schema):
    """A form's schema: a refusal carries the fields' labels to `errors_text` (marshmallow's error
    knows field names only)."""

    def handle_error(self, error: ValidationError, data: Any, *, many: bool, **kwargs: Any) -> None:
        error.kwargs["labels"] = {name: field.metadata["label"] for name, field in self.fields.items()
                                  if "label" in field.metadata}


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
DATE_ERROR = "应在 2000 至 2100 年之间 / must be between 2000 and 2100"


def plausible_date() -> validate.Range:
    return validate.Range(min=FIRST_DAY, max=LAST_DAY, error=DATE_ERROR)


# Row ids are PostgreSQL `integer`; a larger number in a form was a 500 on both databases
# (PostgreSQL: out of range; SQLite: the driver cannot bind it), and can name no row.
MAX_ROW_ID = 2**31 - 1


class RowId(fields.Integer):
    """The id of a row chosen in a form (a phase, a tutor, a class…), or None when left empty."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(load_default=None, allow_none=True, metadata=label(zh, en),
                         validate=validate.Range(min=1, max=MAX_ROW_ID, error="不是有效的编号 / not a valid id"))


class WorkshopSettings(FormSchema):
    title = Text(required=True, validate=validate.Length(min=1, max=200), metadata=label("名称", "Title"))
    subject = Text(load_default=None, validate=validate.Length(max=100), metadata=label("学科", "Subject"))
    term = Text(load_default=None, validate=validate.Length(max=100), metadata=label("学期/年度", "Term / year"))
    required_hours = fields.Decimal(required=True, places=2, validate=validate.Range(min=0, max=1000),
                                    metadata=label("应修学时", "Required hours"))
    minutes_per_hour = fields.Integer(required=True, validate=validate.Range(min=1, max=240),
                                      metadata=label("每学时分钟数", "Minutes per study hour"))
    hours_rounding = fields.String(required=True,
                                   validate=validate.OneOf(["proportional", "floor_half", "floor_whole"]),
                                   metadata=label("不足一学时的计法", "Partial hours"))
    grading_preset = Text(load_default=None, metadata=label("考核方案", "Grading scheme"))
    # Rankings of classes, schools and learners on the 研修主页 (seed 004 方案1 "促进……竞争"); off by default.
    rankings_enabled = fields.Boolean(load_default=False, metadata=label("显示排名", "Show rankings"))


class PhaseInput(FormSchema):
    title = Text(required=True, validate=validate.Length(min=1, max=200), metadata=label("阶段名称", "Phase title"))
    starts_on = fields.Date(load_default=None, allow_none=True, validate=plausible_date(),
                            metadata=label("开始日期", "Start date"))
    ends_on = fields.Date(load_default=None, allow_none=True, validate=plausible_date(),
                          metadata=label("结束日期", "End date"))
    planned_hours = fields.Decimal(load_default=0, places=2, validate=validate.Range(min=0, max=1000),
                                   metadata=label("计划学时", "Planned hours"))

    @validates_schema
    def _dates(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("早于开始日期 / before the start date", "ends_on")


class ActivityInput(FormSchema):
    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS), metadata=label("类型", "Kind"))
    title = Text(required=True, validate=validate.Length(min=1, max=200), metadata=label("标题", "Title"))
    body = fields.String(load_default="", validate=validate.Length(max=50_000), metadata=label("说明", "Description"))
    phase_id = RowId("阶段", "Phase")
    required = fields.Boolean(load_default=False, metadata=label("必做", "Required"))
    video_url = Text(load_default=None, validate=validate.URL(schemes={"http", "https"}, require_tld=False),
                     metadata=label("视频地址", "Video URL"))
    video_seconds = fields.Decimal(load_default=None, allow_none=True, places=3,
                                   validate=validate.Range(min=1, max=24 * 3600),
                                   metadata=label("视频时长（秒）", "Video length (s)"))
    planned_hours = fields.Decimal(load_default=0, places=2, validate=validate.Range(min=0, max=100),
                                   metadata=label("计划学时", "Planned hours"))
    place = Text(load_default=None, validate=validate.Length(max=200), metadata=label("地点", "Place"))
    session_date = fields.Date(load_default=None, allow_none=True, validate=plausible_date(),
                               metadata=label("日期", "Date"))
    choices = fields.String(load_default="", validate=validate.Length(max=5000),
                            metadata=label("任选其一的任务", "Pick-one-of-N tasks"))
    # Assignment: maximum score and due date (entered in China time, stored in UTC).
    max_score = fields.Decimal(load_default=Decimal(100), places=2, validate=validate.Range(min=1, max=1000),
                               metadata=label("满分", "Maximum score"))
    due_at = fields.NaiveDateTime(load_default=None, allow_none=True, format="iso", validate=validate.Range(
        min=datetime.combine(FIRST_DAY, datetime.min.time()), max=datetime.combine(LAST_DAY, datetime.max.time()),
        error=DATE_ERROR), metadata=label("截止时间", "Due"))
    # Discussion: each class talks apart (seed 004 方案4) unless the host opens it to everyone.
    per_class = fields.Boolean(load_default=True, metadata=label("范围", "Scope"))

    @post_load
    def _due_in_utc(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data.get("due_at") is not None:
            data["due_at"] = data["due_at"].replace(tzinfo=CHINA).astimezone(UTC)
        return data

    @validates_schema
    def _kind_fields(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["kind"] == "video" and (not data.get("video_url") or not data.get("video_seconds")):
            raise ValidationError("视频需要填写地址和时长 / a video needs its URL and its length", "video_url")


def form_data(form: Any) -> dict[str, Any]:
    """HTML forms send '' for empty fields: drop them so defaults apply; checkboxes become bools."""
    data = {k: v for k, v in form.items() if k != "csrf_token" and v != ""}
    for flag in ("required", "per_class", "rankings_enabled"):
        if flag in form:
            data[flag] = form.get(flag) in ("1", "on", "true")
    return data


# Fields of schemas that carry no labels (in the grading and assignment views), by name.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "score": ("分数", "Score"), "comment": ("评语", "Comment"), "action": ("操作", "Action"),
    "text": ("作业内容", "Answer"), "choice": ("选择任务", "Task"), "remove_file": ("删除原附件", "Remove the file"),
    "file": ("附件", "Attachment"),
}

# marshmallow's own messages (English, whatever the page's language) as the page says them. Matched on
# the formatted text because that is all a ValidationError keeps; test_form_errors_inline.py loads
# every field type used here, so a marshmallow upgrade that rewords one fails there, not on a page.
_NOT_EMPTY = ("不能为空", "must not be empty")
_NUMBER = ("请输入数字", "enter a number")
_DEFAULTS: list[tuple[re.Pattern[str], tuple[str, str]]] = [(re.compile(pattern), pair) for pattern, pair in [
    (r"Missing data for required field\.|Field may not be null\.", _NOT_EMPTY),
    (r"Not a valid number\.|Special numeric values \(nan or infinity\) are not permitted\.", _NUMBER),
    (r"Number too large\.", ("数字太大", "the number is too large")),
    (r"Not a valid integer\.", ("请输入整数", "enter a whole number")),
    (r"Not a valid date\.", ("请输入日期，如 2026-03-01", "enter a date such as 2026-03-01")),
    (r"Not a valid (?:naive |aware )?datetime\.",
     ("请输入日期和时间，如 2026-03-01 18:00", "enter a date and time such as 2026-03-01 18:00")),
    (r"Not a valid URL\.", ("请输入以 http:// 或 https:// 开头的网址", "enter an address starting with http:// or https://")),
    (r"Not a valid boolean\.", ("请选择是或否", "choose yes or no")),
    (r"Not a valid (?:utf-8 )?string\.", ("请输入文字", "enter text")),
    (r"Must be one of: .*\.", ("请从选项中选择", "choose one of the options")),
    (r"Longer than maximum length (?P<max>\d+)\.", ("最多 {max} 个字", "must be at most {max} characters")),
    (r"Shorter than minimum length (?P<min>\d+)\.", ("至少 {min} 个字", "must be at least {min} characters")),
    (r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.",
     ("应为 {min} 到 {max} 个字", "must be {min} to {max} characters")),
    (r"Unknown field\.", ("本表单没有这一项", "not a field of this form")),
    (r"Invalid input type\.", ("表单内容无效", "the form's content is not valid")),
    (r"Invalid value\.|Invalid input\.", ("无效", "not valid")),
]]
_RANGE = re.compile(r"Must be (?:(?P<lo>greater than(?: or equal to)?) (?P<min>.+?))?(?: and )?"
                    r"(?:(?P<hi>less than(?: or equal to)?) (?P<max>.+?))?\.")
_BOUNDS = {"greater than or equal to": ("不能小于 {}", "must be at least {}"),
           "greater than": ("应大于 {}", "must be more than {}"),
           "less than or equal to": ("不能大于 {}", "must be at most {}"),
           "less than": ("应小于 {}", "must be less than {}")}
# This module's own messages are written "中文 / English"; the page shows one half (i18n.in_language).


def labelled(field_label: str, text: str) -> str:
    """"结束日期：早于开始日期" / "End date: before the start date"."""
    return f"{field_label}{PUNCT.colon}{text}"


def field_error(name: str, zh: str, en: str) -> str:
    """A view's own check of a field named in FIELD_LABELS, worded as errors_text words the rest."""
    return labelled(t(*FIELD_LABELS[name]), t(zh, en))


def in_page_language(message: str) -> str:
    """A validation message as the page's language says it (marshmallow's English, or a pair)."""
    for pattern, pair in _DEFAULTS:
        match = pattern.fullmatch(message)
        if match:
            return t(*pair).format(**match.groupdict())
    match = _RANGE.fullmatch(message)
    if match and (match["lo"] or match["hi"]):
        if match["lo"] == "greater than or equal to" and match["hi"] == "less than or equal to":
            return t("应在 {} 到 {} 之间", "must be between {} and {}").format(match["min"], match["max"])
        bounds = [t(*_BOUNDS[match[op]]).format(match[value]) for op, value in (("lo", "min"), ("hi", "max"))
                  if match[op]]
        return t("，且", " and ").join(bounds)
    return in_language(message)


def _messages(value: Any) -> Iterator[str]:
    if isinstance(value, dict):  # a nested field's (none in these forms, but never a 500 for one)
        for inner in value.values():
            yield from _messages(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _messages(inner)
    else:
        yield str(value)


def errors_text(err: ValidationError) -> str:
    """Each refused field by its visible label, with what is wrong, in the page's language:
    "计划学时：请输入数字 · 结束日期：早于开始日期"."""
    # Always a dict (field name, or "_schema", to messages); unannotated in marshmallow.
    messages: dict[str, Any] = err.normalized_messages()  # type: ignore[no-untyped-call]
    labels: dict[str, tuple[str, str]] = {**FIELD_LABELS, **err.kwargs.get("labels", {})}
    parts = []
    for field, value in messages.items():
        text = PUNCT.semicolon.join(in_page_language(m) for m in _messages(value))
        if field == "_schema":
            parts.append(text)
        else:
            parts.append(labelled(t(*labels[field]) if field in labels else field, text))
    return " · ".join(parts)
