"""Which workshop a statement belongs to, from its context activities (parent or grouping).

Our own statements name the workshop as `{tool}/xapi/activities/workshop/<id>` (xapi.builders).
Content reporting through `/xapi/statements` may name one too; it is kept only when that
workshop belongs to the course the client's credentials were made for, so one course's content
cannot count as participation in another course's workshop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import Workshop, XapiClient

WORKSHOP_IRI = re.compile(r"/xapi/activities/workshop/(\d{1,10})$")


def named_workshop(statement: Any) -> int | None:
    """The workshop a statement's context names, if any. Safe on any decoded JSON: the intake asks
    before the statements are validated (store.py), and an invalid one names none."""
    context = statement.get("context") if isinstance(statement, dict) else None
    activities = context.get("contextActivities") if isinstance(context, dict) else None
    if not isinstance(activities, dict):
        return None
    for kind in ("parent", "grouping"):
        entries = activities.get(kind)
        for entry in entries if isinstance(entries, list) else [entries]:
            ident = entry.get("id") if isinstance(entry, dict) else None
            found = WORKSHOP_IRI.search(ident) if isinstance(ident, str) else None
            if found:
                return int(found.group(1))
    return None


def workshop_ids(statements: Sequence[Any], client_id: int | None) -> list[int | None]:
    """The workshop of each statement, or None (not ours, unknown, or another course's)."""
    named = [named_workshop(s) for s in statements]
    wanted = {w for w in named if w is not None}
    if not wanted:
        return named
    query = select(Workshop.id).where(Workshop.id.in_(wanted))
    if client_id is not None:
        client = db.session.get(XapiClient, client_id)  # loaded by the request's authentication
        query = query.where(Workshop.course_id == (client.course_id if client else None))
    known = set(db.session.scalars(query))
    return [w if w in known else None for w in named]
