"""The tool's own learning events → xAPI statements in the store (same path as outside content)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    return record_events(workshop, member, obj, [(kind, key, data or {})], when=when)[0]


def record_events(
    workshop: Workshop,
    member: WorkshopMember,
    obj: ActivityRef,
    events: Sequence[tuple[str, str, Mapping[str, Any]]],
    when: datetime | None = None,
) -> list[dict[str, Any]]:
    """Several events about one object ((kind, key, data) each), stored in one transaction; each is
    idempotent for its key, as in record_event."""
    user = member.user
    context = workshop_context(workshop, member)
    moment = when or datetime.now(UTC)
    statements = [
        build_statement(kind, Event(tool=tool_base(), key=f"{kind}:{key}",
                                    actor=ActorInfo(issuer=user.issuer, sub=user.sub, name=user.name),
                                    object=obj, context=context, timestamp=moment, data=dict(data)))
        for kind, key, data in events
    ]
    unique: dict[str, dict[str, Any]] = {}  # a key sent twice in one request: its first event
    for statement in statements:
        unique.setdefault(statement["id"], statement)
    try:
        store_statements(list(unique.values()))
    except StatementConflict:
        # One of these event keys was recorded before with other content (a re-send from the
        # browser's queue, a double click): the first recording stands, so store the rest one by one.
        for statement in unique.values():
            try:
                store_statements([statement])
            except StatementConflict:
                pass
    return statements
