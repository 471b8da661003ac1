"""Framework-free xAPI for Yanxiu: vocabulary, deterministic ids, statement builders, a strict fast
validator, canonical serialisation and the viewing-time union. No Flask, no database: plain data
in, plain data out; time and identity are passed in.

Public API (the web layer codes against these):

Building (xapi.builders, xapi.ids, xapi.vocab)
    build_statement(kind: str, event: Event, *, clock: Callable[[], datetime] | None = None) -> dict
        kind is a key of BUILDERS ("video.paused", "assignment.scored", "offline.attended", ...).
    ActorInfo(issuer, sub, name=None, email=None, email_allowed=False)
    ActivityRef(iri, name, type, language="zh-CN")
    ContextInfo(workshop, course=None, klass=None, group=None, registration=None,
                platform="研修 Yanxiu", language="zh-CN")
    Event(tool, key, actor, object, context, timestamp, data={})
    statement_id(tool: str, event_key: str) -> str               UUIDv5, stable forever
    iso_timestamp(moment: datetime) -> str                       UTC, milliseconds, "Z"
    vocab.*                                                      verb / type / extension IRIs

Validating (xapi.validate, xapi.errors)
    validate_statement(statement: Any, path: str = "") -> None   raises ValidationError
    validate_actor(actor: Any, path: str = "actor") -> None      an Agent or Group alone (query filters)
    check_statement(statement: Any) -> ValidationError | None
    validate_batch(statements: Any, *, start=0, seen=None) -> None
                                                                 a JSON array; first error, path "[i].field";
                                                                 start/seen: validate a batch in parts
    ValidationError(path: str, rule: str)                        a ValueError; str() = "path: rule"

Storing and comparing (xapi.serialize)
    parse_json(raw: bytes) -> Any                                json.loads's result, faster
    canonical_json(statement) -> str                             sorted keys, compact, UTF-8 text
    same_content(a: dict, b: dict) -> bool                       False => answer 409

Viewing time (xapi.segments; Decimal seconds throughout)
    parse_played_segments(text: str) -> list[tuple[Decimal, Decimal]]
    format_played_segments(segments) -> str
    played_segments(statement) -> list[tuple[Decimal, Decimal]]  what a statement says was played
    video_length(statement) -> Decimal | None
    WatchedRanges.empty() / .from_json(text) / .to_json() / .add(segments, cap=None) -> Decimal
        / .total(cap=None) -> Decimal
    HoursRule(minutes_per_hour=45, rounding="proportional" | "floor_half" | "floor_whole")
    hours_from_seconds(seconds: Decimal, rule: HoursRule | None = None) -> Decimal

Benchmark (not imported here; needs Ralph): `python -m xapi._bench`.
"""

from . import vocab
from .builders import BUILDERS, ActivityRef, ActorInfo, ContextInfo, Event, build_statement, iso_timestamp
from .errors import ValidationError
from .ids import statement_id
from .segments import (
    HoursRule,
    WatchedRanges,
    format_played_segments,
    hours_from_seconds,
    parse_played_segments,
    played_segments,
    video_length,
)
from .serialize import canonical_json, parse_json, same_content
from .validate import check_statement, validate_actor, validate_batch, validate_statement

__all__ = [
    "BUILDERS",
    "ActivityRef",
    "ActorInfo",
    "ContextInfo",
    "Event",
    "HoursRule",
    "ValidationError",
    "WatchedRanges",
    "build_statement",
    "canonical_json",
    "check_statement",
    "format_played_segments",
    "hours_from_seconds",
    "iso_timestamp",
    "parse_json",
    "parse_played_segments",
    "played_segments",
    "same_content",
    "statement_id",
    "validate_actor",
    "validate_batch",
    "validate_statement",
    "video_length",
    "vocab",
]
