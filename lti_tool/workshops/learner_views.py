"""Participant pages: the workshop home with progress, each activity, and the video player's intake."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask import abort, g, jsonify, render_template, request, session
from sqlalchemy import select

from xapi import ActivityRef, vocab
from xapi.segments import to_decimal

from ..extensions import db
from ..models import Activity, Phase
from ..statements.events import activity_iri, record_event
from ..text import markdown
from .access import workshop_access
from .progress import member_progress
from .views import bp, role_label

VIDEO_VERBS = {"initialized", "played", "paused", "seeked", "completed", "terminated"}
KEY_RE = re.compile(r"^[A-Za-z0-9-]{8,64}$")
MAX_EVENTS = 200


@bp.route("/<int:workshop_id>/")
@workshop_access("any")
def home(workshop_id: int) -> Any:
    viewer = g.viewer
    workshop = viewer.workshop
    phases = db.session.scalars(select(Phase).where(Phase.workshop_id == workshop_id).order_by(Phase.position)).all()
    activities = db.session.scalars(
        select(Activity).where(Activity.workshop_id == workshop_id).order_by(Activity.position)
    ).all()
    progress = member_progress(workshop, viewer.member)
    by_phase: dict[int | None, list[Activity]] = {}
    for activity in activities:
        by_phase.setdefault(activity.phase_id, []).append(activity)
    todo = [a for a in activities if a.required and not _done(a, progress)]
    return render_template(
        "workshop/home.html", workshop=workshop, viewer=viewer, member=viewer.member,
        role_label=role_label(viewer.member.role), phases=phases, by_phase=by_phase, progress=progress,
        next_activity=todo[0] if todo else None, lang=session.get("lang", "zh"),
    )


def _done(activity: Activity, progress: Any) -> bool:
    if activity.kind == "video":
        watched = progress.video_seconds.get(activity.id, Decimal(0))
        return bool(activity.video_seconds) and watched >= Decimal("0.9") * activity.video_seconds
    if activity.kind == "assignment":
        return activity.id in progress.submissions
    return False


def _activity(workshop_id: int, activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.workshop_id != workshop_id:
        abort(404)
    return activity


@bp.route("/<int:workshop_id>/a/<int:activity_id>")
@workshop_access("any")
def activity(workshop_id: int, activity_id: int) -> Any:
    item = _activity(workshop_id, activity_id)
    viewer = g.viewer
    progress = member_progress(viewer.workshop, viewer.member)
    if item.kind == "reading":
        record_event("reading.opened", viewer.workshop, viewer.member,
                     ActivityRef(activity_iri("reading", item.id), item.title, vocab.ARTICLE),
                     key=f"{viewer.member.id}:{item.id}:{session.get('launch_id')}")
    return render_template(
        "workshop/activity.html", workshop=viewer.workshop, activity=item, body_html=markdown(item.body),
        watched=progress.video_seconds.get(item.id, Decimal(0)), video_iri=activity_iri("video", item.id),
        lang=session.get("lang", "zh"),
    )


def _number(event: dict[str, Any], name: str, maximum: Decimal) -> Decimal:
    value = to_decimal(event.get(name))
    if value is None or value < 0 or value > maximum:
        abort(400, description=f"{name}: must be a number between 0 and {maximum}")
    return value


@bp.route("/<int:workshop_id>/a/<int:activity_id>/video-events", methods=["POST"])
@workshop_access("any")
def video_events(workshop_id: int, activity_id: int) -> Any:
    """The player's queue: each event carries a key made in the browser, so a re-send after a
    network drop builds the same statement id and is stored once."""
    item = _activity(workshop_id, activity_id)
    if item.kind != "video" or not item.video_seconds:
        abort(400, description="activity: not a video")
    events = request.get_json(silent=True)
    if not isinstance(events, list) or not 0 < len(events) <= MAX_EVENTS:
        abort(400, description=f"body: a JSON list of 1 to {MAX_EVENTS} events")
    viewer = g.viewer
    length = Decimal(item.video_seconds)
    obj = ActivityRef(activity_iri("video", item.id), item.title, vocab.VIDEO)
    stored = []
    for event in events:
        if not isinstance(event, dict) or event.get("verb") not in VIDEO_VERBS:
            abort(400, description="verb: one of " + ", ".join(sorted(VIDEO_VERBS)))
        key, session_id = str(event.get("key", "")), str(event.get("session_id", ""))
        if not KEY_RE.match(key) or not KEY_RE.match(session_id):
            abort(400, description="key/session_id: 8–64 letters, digits or dashes")
        segments = []
        for pair in event.get("segments") or []:
            if not (isinstance(pair, list) and len(pair) == 2):
                abort(400, description="segments: a list of [start, end] pairs")
            start, end = to_decimal(pair[0]), to_decimal(pair[1])
            if start is None or end is None or not 0 <= start < end <= length + 1:
                abort(400, description="segments: each [start, end] within the video")
            segments.append((start, min(end, length)))
        data: dict[str, Any] = {"session_id": session_id, "length": length, "segments": segments}
        needed = {"time_from", "time_to"} if event["verb"] == "seeked" else set()
        if event["verb"] not in ("initialized", "seeked"):
            needed.add("time")
        for name in sorted(needed):
            data[name] = _number(event, name, length + 1)
        if event["verb"] in ("paused", "completed", "terminated"):
            data["progress"] = _number(event, "progress", Decimal(1))
        if event["verb"] == "completed":
            data["duration"] = sum((e - s for s, e in segments), Decimal(0))
        statement = record_event(f"video.{event['verb']}", viewer.workshop, viewer.member, obj,
                                 key=f"{viewer.member.id}:{item.id}:{key}", data=data)
        stored.append(statement["id"])
    progress = member_progress(viewer.workshop, viewer.member)
    return jsonify({"stored": stored, "watched_seconds": str(progress.video_seconds.get(item.id, 0))})
