"""Statement builders, one per event kind, in a registry (a new event is one new entry).

Builders are pure: identity, activities, time and the event key come in; a dict comes out.
Actor = the LTI user as an account {homePage: issuer, name: sub}. The e-mail is never used as
the identifier (the actor's identity must not change when a host changes a privacy setting, and
xAPI allows one identifier only); when the host allows sharing it, it travels as the tool's
`learner-email` context extension.

Time: the event carries its own moment (`Event.timestamp`), so re-building a statement gives the
same statement (the LRS compares `timestamp` when an id is re-sent). `build_statement` may be given
a `clock`; a moment later than the clock (a browser clock running ahead) is clamped to it, because
xAPI timestamps must never be in the future. Builders never read the time themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from . import vocab
from .ids import statement_id
from .segments import Segment, format_played_segments

Statement = dict[str, Any]


def iso_timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_duration(seconds: Decimal) -> str:
    return f"PT{format(seconds.quantize(Decimal('0.01')).normalize(), 'f')}S"


def _num(value: Decimal) -> float | int:
    """JSON numbers for extensions: ints stay ints; Decimals with fractions become floats only here,
    at the serialisation edge (xAPI numbers are JSON numbers)."""
    return int(value) if value == value.to_integral_value() else float(value)


Clock = Callable[[], datetime]


@dataclass(frozen=True)
class ActorInfo:
    """The LTI user: `issuer` (the platform's `iss`) and `sub`. `name` only when the platform shared
    it; `email` is put in the statement only when `email_allowed` (the host's privacy setting)."""

    issuer: str
    sub: str
    name: str | None = None
    email: str | None = None
    email_allowed: bool = False

    def to_xapi(self) -> dict[str, Any]:
        actor: dict[str, Any] = {"objectType": "Agent", "account": {"homePage": self.issuer, "name": self.sub}}
        if self.name:
            actor["name"] = self.name
        return actor


@dataclass(frozen=True)
class ActivityRef:
    iri: str
    name: str
    type: str
    language: str = "zh-CN"

    def to_xapi(self) -> dict[str, Any]:
        return {
            "objectType": "Activity",
            "id": self.iri,
            "definition": {"type": self.type, "name": {self.language: self.name}},
        }


@dataclass(frozen=True)
class ContextInfo:
    """Workshop, course, class and group as context activities, plus the registration."""

    workshop: ActivityRef
    course: ActivityRef | None = None
    klass: ActivityRef | None = None
    group: ActivityRef | None = None
    registration: str | None = None
    platform: str = "研修 Yanxiu"
    language: str = "zh-CN"

    def to_xapi(
        self,
        parent: ActivityRef | None = None,
        category: str | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        grouping = [a.to_xapi() for a in (self.course, self.klass, self.group) if a is not None]
        activities: dict[str, Any] = {"parent": [(parent or self.workshop).to_xapi()]}
        if parent is not None:
            grouping.insert(0, self.workshop.to_xapi())
        if grouping:
            activities["grouping"] = grouping
        if category:
            activities["category"] = [
                {
                    "objectType": "Activity",
                    "id": category,
                    "definition": {"type": vocab.PROFILE},
                }
            ]
        context: dict[str, Any] = {
            "contextActivities": activities,
            "platform": self.platform,
            "language": self.language,
        }
        if self.registration:
            context["registration"] = self.registration
        if extensions:
            context["extensions"] = dict(extensions)
        return context


@dataclass(frozen=True)
class Event:
    """What happened: who, to what, when, and the key that makes its statement id deterministic.

    `key` must name the event uniquely within the tool (e.g. "video.paused:<user>:<video>:<seq>");
    the id is UUIDv5(tool, key). `data` per kind (Decimal numbers, seconds):
      video.*            session_id (UUID str), length, [completion_threshold], [speed];
                         played/paused/terminated/completed: time; paused/terminated/completed:
                         progress (0-1), segments [(start, end)]; seeked: time_from, time_to;
                         completed: duration
      assignment.scored/passed/failed   raw, [max=100] (min is 0), [comment]
      offline.attended   hours, [status="present"|"late"|"absent"|"excused"]
      any other kind     [parent: ActivityRef] (e.g. the topic of a reply); the workshop then
                         moves from contextActivities.parent to grouping
    """

    tool: str  # the tool's public base URL (its identity in ids and extension IRIs)
    key: str
    actor: ActorInfo
    object: ActivityRef
    context: ContextInfo
    timestamp: datetime
    data: Mapping[str, Any] = field(default_factory=dict)


def _statement(
    event: Event,
    verb: str,
    *,
    result: dict[str, Any] | None = None,
    parent: ActivityRef | None = None,
    category: str | None = None,
    context_ext: Mapping[str, Any] | None = None,
) -> Statement:
    actor = event.actor
    if actor.email and actor.email_allowed:
        context_ext = {
            **(context_ext or {}),
            vocab.tool_extension(event.tool, vocab.EXT_LEARNER_EMAIL): f"mailto:{actor.email}",
        }
    zh, en = vocab.VERB_DISPLAY[verb]
    # The ADL video profile fixes the display to {"en-US": <verb>} (Ralph's profile models check it).
    display = {"en-US": en} if category == vocab.VIDEO_PROFILE else {"zh-CN": zh, "en-US": en}
    statement: Statement = {
        "id": statement_id(event.tool, event.key),
        "actor": event.actor.to_xapi(),
        "verb": {"id": verb, "display": display},
        "object": event.object.to_xapi(),
        "context": event.context.to_xapi(parent=parent, category=category, extensions=context_ext),
        "timestamp": iso_timestamp(event.timestamp),
    }
    if result:
        statement["result"] = result
    return statement


# --- video (ADL video profile) ----------------------------------------------------------------


def _video_context(event: Event) -> dict[str, Any]:
    ext: dict[str, Any] = {vocab.EXT_SESSION_ID: event.data["session_id"]}
    if "length" in event.data:
        ext[vocab.EXT_LENGTH] = _num(event.data["length"])
    if "completion_threshold" in event.data:
        ext[vocab.EXT_COMPLETION_THRESHOLD] = _num(event.data["completion_threshold"])
    if "speed" in event.data:
        ext[vocab.EXT_SPEED] = f"{event.data['speed']}x"
    return ext


def _video(verb: str) -> Callable[[Event], Statement]:
    def build(event: Event) -> Statement:
        d = event.data
        ext: dict[str, Any] = {}
        result: dict[str, Any] = {}
        if verb in (vocab.PLAYED, vocab.PAUSED, vocab.TERMINATED, vocab.COMPLETED):
            ext[vocab.EXT_TIME] = _num(d["time"])
        if verb in (vocab.PAUSED, vocab.TERMINATED, vocab.COMPLETED):
            segments: list[Segment] = list(d.get("segments", []))
            ext[vocab.EXT_PROGRESS] = _num(d["progress"])
            ext[vocab.EXT_PLAYED_SEGMENTS] = format_played_segments(segments)
        if verb == vocab.SEEKED:
            ext[vocab.EXT_TIME_FROM] = _num(d["time_from"])
            ext[vocab.EXT_TIME_TO] = _num(d["time_to"])
        if verb == vocab.COMPLETED:
            result["completion"] = True
            result["duration"] = iso_duration(d["duration"])
        if ext:
            result["extensions"] = ext
        return _statement(
            event, verb, result=result or None, category=vocab.VIDEO_PROFILE, context_ext=_video_context(event)
        )

    return build


# --- other events ---------------------------------------------------------------------------


def _simple(verb: str, result: Mapping[str, Any] | None = None) -> Callable[[Event], Statement]:
    def build(event: Event) -> Statement:
        return _statement(event, verb, parent=event.data.get("parent"), result=dict(result) if result else None)

    return build


def _scored(verb: str) -> Callable[[Event], Statement]:
    def build(event: Event) -> Statement:
        raw: Decimal = event.data["raw"]
        maximum: Decimal = event.data.get("max", Decimal(100))
        if not 0 <= raw <= maximum or maximum <= 0:
            raise ValueError("a score needs 0 <= raw <= max and max > 0 (xAPI result.score)")
        score = {
            "raw": _num(raw),
            "min": 0,
            "max": _num(maximum),
            "scaled": _num((raw / maximum).quantize(Decimal("0.0001"))),
        }
        result: dict[str, Any] = {"score": score}
        if verb in (vocab.PASSED, vocab.FAILED):
            result["success"] = verb == vocab.PASSED
        if event.data.get("comment"):
            result["response"] = str(event.data["comment"])[:2000]
        return _statement(event, verb, result=result)

    return build


def _attended(event: Event) -> Statement:
    hours: Decimal = event.data["hours"]
    result = {
        "success": event.data.get("status", "present") in ("present", "late"),
        "extensions": {
            vocab.tool_extension(event.tool, vocab.EXT_HOURS): _num(hours),
            vocab.tool_extension(event.tool, vocab.EXT_ATTENDANCE_STATUS): event.data.get("status", "present"),
        },
    }
    return _statement(event, vocab.ATTENDED, result=result)


BUILDERS: dict[str, Callable[[Event], Statement]] = {
    "video.initialized": _video(vocab.INITIALIZED),
    "video.played": _video(vocab.PLAYED),
    "video.paused": _video(vocab.PAUSED),
    "video.seeked": _video(vocab.SEEKED),
    "video.completed": _video(vocab.COMPLETED),
    "video.terminated": _video(vocab.TERMINATED),
    "reading.opened": _simple(vocab.EXPERIENCED),
    "reading.completed": _simple(vocab.COMPLETED, {"completion": True}),
    "discussion.posted": _simple(vocab.POSTED),
    "discussion.replied": _simple(vocab.REPLIED),
    "discussion.commented": _simple(vocab.COMMENTED),
    "assignment.submitted": _simple(vocab.SUBMITTED),
    "assignment.returned": _simple(vocab.RETURNED),
    "assignment.scored": _scored(vocab.SCORED),
    "assignment.passed": _scored(vocab.PASSED),
    "assignment.failed": _scored(vocab.FAILED),
    "offline.attended": _attended,
    "lti.launched": _simple(vocab.LAUNCHED),
}


def build_statement(kind: str, event: Event, *, clock: Clock | None = None) -> Statement:
    """The statement for `event`; `kind` is a BUILDERS key. Raises ValueError for an unknown kind
    or a naive timestamp. With `clock`, a timestamp in the future is clamped to `clock()`."""
    try:
        builder = BUILDERS[kind]
    except KeyError:
        raise ValueError(f"unknown event kind {kind!r}") from None
    if clock is not None:
        now = clock()
        if event.timestamp.tzinfo is not None and now.tzinfo is not None and event.timestamp > now:
            event = replace(event, timestamp=now)
    return builder(event)
