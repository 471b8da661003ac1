"""Mark a workshop's grades stale whenever something they are computed from changes.

A session hook rather than calls sprinkled over every page: any flush that adds, changes or
deletes a post, submission, attendance record, manual score, activity, member, class, group or
viewing-time row marks the owning workshop, so no feature can forget to. The recomputation itself
happens later, once, when someone reads the grades.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..models import (
    Activity,
    Attendance,
    ManualScore,
    Phase,
    Post,
    StudyGroup,
    Submission,
    VideoProgress,
    Workshop,
    WorkshopClass,
    WorkshopMember,
)
from ..models._types import utcnow
from ..models.grades import GradeState

WATCHED = (Activity, Attendance, ManualScore, Phase, Post, StudyGroup, Submission, VideoProgress, Workshop,
           WorkshopClass, WorkshopMember)
# Attributes whose change never moves a grade (a launch touches last_seen_at every time).
IGNORED = {WorkshopMember: {"last_seen_at"}}
VIDEO_IRI = re.compile(r"/xapi/activities/video/(\d+)$")


def _changed(obj: Any) -> bool:
    ignored = IGNORED.get(type(obj), set())
    state = inspect(obj)
    return any(attr.history.has_changes() for attr in state.attrs if attr.key not in ignored)


def _workshop_id(session: Session, obj: Any) -> int | None:
    if isinstance(obj, Workshop):
        return obj.id
    if isinstance(obj, VideoProgress):
        found = VIDEO_IRI.search(obj.video_id or "")
        activity = session.get(Activity, int(found.group(1))) if found else None
        return activity.workshop_id if activity else None
    workshop_id = getattr(obj, "workshop_id", None)
    if workshop_id is not None:
        return int(workshop_id)
    activity_id = getattr(obj, "activity_id", None)
    if activity_id is not None:
        activity = session.get(Activity, activity_id)
        return activity.workshop_id if activity else None
    return None


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    touched: set[int] = set()
    with session.no_autoflush:
        for obj in list(session.new) + list(session.deleted):
            if isinstance(obj, WATCHED):
                touched.add(_workshop_id(session, obj) or 0)
        for obj in list(session.dirty):
            if isinstance(obj, WATCHED) and _changed(obj):
                touched.add(_workshop_id(session, obj) or 0)
        touched.discard(0)
        for workshop_id in touched:
            if session.get(Workshop, workshop_id) is None:
                continue  # being created in this flush: nothing computed yet
            state = session.get(GradeState, workshop_id)
            if state is None:
                session.add(GradeState(workshop_id=workshop_id, stale=True, learners=0, changed_at=utcnow()))
            else:
                # changed_at moves every time: a recomputation that started earlier sees it moved
                # and leaves the workshop stale (see service.recompute).
                state.stale, state.changed_at = True, utcnow()


def install() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
