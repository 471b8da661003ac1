"""Viewing time, updated incrementally as statements arrive (no rescan of history).

For each (learner, video) the union of played ranges is kept; a new statement adds its segments
and the watched total moves by exactly what was newly covered (xapi.segments does the arithmetic).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select, tuple_

from xapi import WatchedRanges, played_segments, video_length

from ..extensions import db
from ..models import VideoProgress
from .actors import actor_key

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def update_video_progress(statements: list[dict[str, Any]]) -> None:
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for statement in statements:
        obj = statement.get("object") or {}
        if obj.get("objectType", "Activity") != "Activity" or not obj.get("id"):
            continue
        if played_segments(statement) or statement["verb"]["id"] == COMPLETED:
            grouped[(actor_key(statement["actor"])[:600], obj["id"][:1000])].append(statement)
    if not grouped:
        return
    keys = list(grouped)
    rows = {
        (row.actor_key, row.video_id): row
        for row in db.session.scalars(
            select(VideoProgress).where(tuple_(VideoProgress.actor_key, VideoProgress.video_id).in_(keys))
        )
    }
    for key, items in grouped.items():
        row = rows.get(key)
        if row is None:
            row = VideoProgress(actor_key=key[0], video_id=key[1], ranges="[]", watched_seconds=Decimal(0))
            db.session.add(row)
        ranges = WatchedRanges.from_json(row.ranges)
        length = row.length_seconds
        for statement in items:
            length = video_length(statement) or length
            ranges.add(played_segments(statement))
            if statement["verb"]["id"] == COMPLETED:
                row.completed = True
        row.length_seconds = length
        row.ranges = ranges.to_json()
        row.watched_seconds = ranges.total(cap=length)
