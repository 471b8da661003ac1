"""The tool's own learning events → xAPI statements in the store (same path as outside content)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import current_app, request

from xapi import ActivityRef, ActorInfo, ContextInfo, Event, build_statement, vocab

from ..models import Workshop, WorkshopMember
from .store import StatementConflict, store_statements


def tool_base() -> str:
    return str(current_app.config.get("BASE_URL") or request.url_root.rstrip("/"))


def activity_iri(kind: str, ident: int | str) -> str:
    return f"{tool_base()}/xapi/activities/{kind}/{ident}"


def workshop_context(workshop: Workshop, member: WorkshopMember) -> ContextInfo:
    course = workshop.course
    klass = member.workshop_class
    group = member.group
    return ContextInfo(
        workshop=ActivityRef(activity_iri("workshop", workshop.id), workshop.title, vocab.COURSE),
        course=ActivityRef(activity_iri("course", course.id), course.title or course.context_id, vocab.COURSE),
        klass=ActivityRef(activity_iri("class", klass.id), klass.name, vocab.GROUP) if klass else None,
        group=ActivityRef(activity_iri("group", group.id), group.name, vocab.GROUP) if group else None,
    )


def record_event(
    kind: str,
    workshop: Workshop,
    member: WorkshopMember,
    obj: ActivityRef,
    key: str,
    data: Mapping[str, Any] | None = None,
    when: datetime | None = None,
) -> dict[str, Any]:
    """Build, validate and store one statement; idempotent for the same `key`."""
    user = member.user
    event = Event(
        tool=tool_base(),
        key=f"{kind}:{key}",
        actor=ActorInfo(issuer=user.issuer, sub=user.sub, name=user.name),
        object=obj,
        context=workshop_context(workshop, member),
        timestamp=when or datetime.now(UTC),
        data=dict(data or {}),
    )
    statement = build_statement(kind, event)
    try:
        store_statements([statement])
    except StatementConflict:
        # The same event key was recorded before (a re-send from the browser's queue, a double
        # click): the first recording stands; its timestamp is the one the LRS already has.
        pass
    return statement
