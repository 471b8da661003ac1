"""Mark a workshop's grades stale whenever something they are computed from changes.

A session hook rather than calls sprinkled over every page: any flush that adds, changes or
deletes a post, submission, attendance record, manual score, activity, member, class, group or
viewing-time row marks the owning workshop, so no feature can forget to. The recomputation itself
happens later, once, when someone reads the grades.

A change that concerns one learner (their post, submission, manual score or viewing time) also
lists that learner in GradeDirty, so the next recomputation can read only them when the scheme
does not rank people against each other; anything else marks the workshop for a full one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

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
from ..models.grades import GradeDirty, GradeState

WATCHED = (Activity, Attendance, ManualScore, Phase, Post, StudyGroup, Submission, VideoProgress, Workshop,
           WorkshopClass, WorkshopMember)
# Attributes whose change never moves a grade (a launch touches last_seen_at every time).
IGNORED = {WorkshopMember: {"last_seen_at"}}
VIDEO_IRI = re.compile(r"/xapi/activities/video/(\d+)$")
READING_IRI = re.compile(r"/xapi/activities/reading/(\d+)$")


def _changed(obj: Any) -> bool:
    ignored = IGNORED.get(type(obj), set())
    state = inspect(obj)
    return any(attr.history.has_changes() for attr in state.attrs if attr.key not in ignored)


def _video_activity(obj: VideoProgress) -> int | None:
    found = VIDEO_IRI.search(obj.video_id or "")
    return int(found.group(1)) if found and len(found.group(1)) < 10 else None


def _video_workshops(session: Session, objects: list[Any]) -> dict[int, int]:
    """Activity id → workshop id for every video the flush's viewing-time rows name, in one query
    (a batch of statements touches hundreds of rows; session.get would ask once per missing id)."""
    wanted = {a for a in (_video_activity(o) for o in objects if isinstance(o, VideoProgress)) if a is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Activity.id, Activity.workshop_id).where(Activity.id.in_(wanted)))
    return {activity_id: workshop_id for activity_id, workshop_id in rows}


def _workshop_id(session: Session, obj: Any, videos: dict[int, int]) -> int | None:
    if isinstance(obj, Workshop):
        return obj.id
    if isinstance(obj, VideoProgress):
        activity_id = _video_activity(obj)
        return videos.get(activity_id) if activity_id is not None else None
    workshop_id = getattr(obj, "workshop_id", None)
    if workshop_id is not None:
        return int(workshop_id)
    activity_id = getattr(obj, "activity_id", None)
    if activity_id is not None:
        activity = session.get(Activity, activity_id)
        return activity.workshop_id if activity else None
    return None


# Changes that concern one learner only, and the attribute naming them. Attendance is not here:
# the first roll call of a session makes it count for everyone (see facts.completion).
MEMBER_SCOPED: dict[type, str] = {Post: "author_id", Submission: "member_id", ManualScore: "member_id"}


def _learner(obj: Any) -> tuple[int | None, str | None] | None:
    """(member id, actor key) of the one learner a change concerns, or None when it may concern anyone."""
    if isinstance(obj, VideoProgress):
        return (None, obj.actor_key) if obj.actor_key else None
    attr = MEMBER_SCOPED.get(type(obj))
    value = getattr(obj, attr, None) if attr else None
    return (int(value), None) if value is not None else None


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    touched: dict[int, set[tuple[int | None, str | None]] | None] = {}  # workshop → learners, None = all

    def touch(obj: Any) -> None:
        workshop_id = _workshop_id(session, obj, videos)
        if not workshop_id:
            return
        learner = _learner(obj)
        if learner is None:
            touched[workshop_id] = None
        elif touched.get(workshop_id, set()) is not None:
            touched.setdefault(workshop_id, set()).add(learner)  # type: ignore[union-attr]

    with session.no_autoflush:
        changed = [o for o in list(session.new) + list(session.deleted) if isinstance(o, WATCHED)]
        changed += [o for o in list(session.dirty) if isinstance(o, WATCHED) and _changed(o)]
        videos = _video_workshops(session, changed)
        for obj in changed:
            touch(obj)
        for workshop_id, learners in touched.items():
            _mark(session, workshop_id, learners)


def _mark(session: Session, workshop_id: int, learners: set[tuple[int | None, str | None]] | None) -> None:
    """Mark the workshop stale; `learners` lists whose inputs changed, None means anyone's may have."""
    if session.get(Workshop, workshop_id) is None:
        return  # being created in this flush: nothing computed yet
    state = session.get(GradeState, workshop_id)
    if state is None:
        session.add(GradeState(workshop_id=workshop_id, stale=True, full=True, learners=0, changed_at=utcnow()))
        return
    # changed_at moves every time: a recomputation that started earlier sees it moved and leaves
    # the workshop stale (see service.recompute). The flags are written even when this session's
    # copy already holds the value: another request may have cleared them since.
    state.stale, state.changed_at = True, utcnow()
    flag_modified(state, "stale")
    if learners is None:
        state.full = True
        flag_modified(state, "full")
        return
    # Listed even while a full recomputation is pending: this session's copy of `full` may be out
    # of date, and a listed learner costs one row.
    session.add_all(GradeDirty(workshop_id=workshop_id, member_id=member_id, actor_key=actor)
                    for member_id, actor in learners)


def statements_stored(session: Session, rows: Sequence[tuple[str, str | None]],
                      videos: Sequence[tuple[str, str]] = ()) -> None:
    """Statements are stored in bulk, past the ORM hook. Those about a reading (opened, completed,
    or voided) change that learner's grade inputs (facts.gather reads them); so do the viewing-time
    rows the batch changed (`videos`: actor key, video IRI).

    Three statements per batch, whatever its size (an H5P page sends statements one at a time):
    the activities with their workshops' grade state, one UPDATE of the stale flags, one INSERT of
    the learners — the same marks as _mark, which takes several round trips per workshop."""
    wanted: dict[tuple[str, int], set[str]] = {}  # (activity kind, id) → actor keys
    for kind, pattern, pairs in (("reading", READING_IRI, rows), ("video", VIDEO_IRI, videos)):
        for actor, object_id in pairs:
            found = pattern.search(object_id or "")
            if found and len(found.group(1)) < 10:
                wanted.setdefault((kind, int(found.group(1))), set()).add(actor)
    if not wanted:
        return
    by_workshop: dict[int, set[tuple[int | None, str | None]]] = {}
    computed: set[int] = set()  # workshops with a grade state row
    query = (select(Activity.id, Activity.kind, Activity.workshop_id, GradeState.workshop_id)
             .outerjoin(GradeState, GradeState.workshop_id == Activity.workshop_id)
             .where(Activity.id.in_({activity_id for _, activity_id in wanted})))
    with session.no_autoflush:
        for activity_id, kind, workshop_id, state in session.execute(query):
            actors = wanted.get((kind, activity_id), set())
            if actors:
                by_workshop.setdefault(workshop_id, set()).update((None, actor) for actor in actors)
                if state is not None:
                    computed.add(workshop_id)
    for workshop_id in set(by_workshop) - computed:
        _mark(session, workshop_id, by_workshop.pop(workshop_id))  # never computed: the ORM's way
    if not by_workshop:
        return
    states = GradeState.__table__
    session.execute(update(states).where(states.c.workshop_id.in_(by_workshop))
                    .values(stale=True, changed_at=utcnow()))
    session.execute(insert(GradeDirty.__table__), [
        {"workshop_id": workshop_id, "member_id": member_id, "actor_key": actor}
        for workshop_id, learners in by_workshop.items() for member_id, actor in learners])


def install() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
