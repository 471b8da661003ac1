"""The video player's intake: a batch of events from the browser's queue becomes xAPI statements.

Each event carries a key made in the browser, so a re-send after a network drop builds the same
statement id and is stored once. A batch is all-or-nothing; an invalid event is named (by index
and key) in the 400 answer so the player can drop it instead of re-sending it for ever.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask import abort, g, jsonify, request

from xapi import ActivityRef, parse_json, vocab
from xapi.segments import to_decimal

from ..models import Activity
from ..statements.events import activity_iri, record_events
from .access import workshop_access
from .learner_views import activity_or_404
from .progress import member_progress
from .views import bp

VIDEO_VERBS = {"initialized", "played", "paused", "seeked", "completed", "terminated"}
KEY_RE = re.compile(r"^[A-Za-z0-9-]{8,64}$")
MAX_EVENTS = 200


class EventError(ValueError):
    pass


def _decimal(value: Any) -> Decimal | None:
    """A JSON number as Decimal; None for anything else (the player sends numbers, never text)."""
    return to_decimal(value) if type(value) in (int, float) else None


def _number(event: dict[str, Any], name: str, maximum: Decimal) -> Decimal:
    value = _decimal(event.get(name))
    if value is None or value < 0 or value > maximum:
        raise EventError(f"{name}: must be a number between 0 and {maximum}")
    return value


def _ident(event: dict[str, Any], name: str) -> str:
    value = event.get(name)
    if type(value) is not str or not KEY_RE.fullmatch(value):
        raise EventError(f"{name}: 8–64 letters, digits or dashes")
    return value


def parse_event(event: Any, length: Decimal) -> tuple[str, str, dict[str, Any]]:
    """(verb, key, statement data) of one player event, or EventError naming the field. Each field's
    type is checked before it is used: a list where the verb goes was a TypeError (a 500)."""
    if not isinstance(event, dict) or type(event.get("verb")) is not str or event["verb"] not in VIDEO_VERBS:
        raise EventError("verb: one of " + ", ".join(sorted(VIDEO_VERBS)))
    key, session_id = _ident(event, "key"), _ident(event, "session_id")
    pairs = event.get("segments", [])
    if type(pairs) is not list:
        raise EventError("segments: a list of [start, end] pairs")
    segments = []
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2):
            raise EventError("segments: a list of [start, end] pairs")
        start, end = _decimal(pair[0]), _decimal(pair[1])
        # One second of slack: a browser's media length can differ slightly from the host's.
        if start is None or end is None or not 0 <= start < end <= length + 1:
            raise EventError("segments: each [start, end] within the video")
        segments.append((start, min(end, length)))
    verb = str(event["verb"])
    data: dict[str, Any] = {"session_id": session_id, "length": length, "segments": segments}
    needed = {"time_from", "time_to"} if verb == "seeked" else set()
    if verb not in ("initialized", "seeked"):
        needed.add("time")
    for name in sorted(needed):
        data[name] = min(_number(event, name, length + 1), length)
    if verb in ("paused", "completed", "terminated"):
        data["progress"] = _number(event, "progress", Decimal(1))
    if verb == "completed":
        data["duration"] = sum((e - s for s, e in segments), Decimal(0))
    return verb, key, data


@bp.route("/<int:workshop_id>/a/<int:activity_id>/video-events", methods=["POST"])
@workshop_access("any")
def video_events(workshop_id: int, activity_id: int) -> Any:
    item: Activity = activity_or_404(workshop_id, activity_id)
    if item.kind != "video" or not item.video_seconds:
        abort(400, description="activity: not a video")
    # parse_json, not request.get_json: that raised RecursionError (a 500) on deeply nested arrays.
    try:
        events = parse_json(request.get_data()) if request.is_json else None
    except ValueError as exc:
        abort(400, description=f"body: a JSON list of 1 to {MAX_EVENTS} events ({exc})")
    if not isinstance(events, list) or not 0 < len(events) <= MAX_EVENTS:
        abort(400, description=f"body: a JSON list of 1 to {MAX_EVENTS} events")
    length = Decimal(item.video_seconds)
    parsed, rejected = [], []
    for index, event in enumerate(events):
        try:
            parsed.append(parse_event(event, length))
        except EventError as exc:
            key = event.get("key") if isinstance(event, dict) and isinstance(event.get("key"), str) else None
            rejected.append({"index": index, "key": key, "message": str(exc)})
    if rejected:
        first = rejected[0]
        return jsonify({"error": "Bad Request", "message": f"events[{first['index']}].{first['message']}",
                        "rejected": rejected}), 400
    viewer = g.viewer
    obj = ActivityRef(activity_iri("video", item.id), item.title, vocab.VIDEO)
    # One transaction for the whole queue the player flushed (a commit per event made the intake
    # wait on the disk 20 times per request).
    stored = [statement["id"] for statement in record_events(
        viewer.workshop, viewer.member, obj,
        [(f"video.{verb}", f"{viewer.member.id}:{item.id}:{key}", data) for verb, key, data in parsed])]
    progress = member_progress(viewer.workshop, viewer.member)
    return jsonify({"stored": stored, "watched_seconds": str(progress.video_seconds.get(item.id, 0))})
