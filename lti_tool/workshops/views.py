"""Workshop pages: the landing after a launch and the participant's home."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, session, url_for

from ..i18n import t
from ..lti.records import LaunchRecord
from ..lti.views import ROLE_LABELS, default_landing
from .membership import workshop_and_member
from .registry import nav_for

bp = Blueprint("workshop", __name__, url_prefix="/w")


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    return {"workshop_nav": nav_for}

WORKSHOP_ROLE_LABELS = dict(ROLE_LABELS)
WORKSHOP_ROLE_LABELS["cohost"] = ("三人行成员", "Core team")


def role_label(role: str) -> str:
    return t(*WORKSHOP_ROLE_LABELS[role])


def workshop_landing(record: LaunchRecord) -> Any:
    """After a resource-link launch: into the workshop of that link."""
    found = workshop_and_member(record)
    if found is None:
        return default_landing(record)
    workshop, member = found
    from xapi import ActivityRef, vocab

    from .roster import sync_on_host_launch

    # A host's launch refreshes the roster when it is stale (workshop issue §2); never fails it.
    sync_on_host_launch(workshop, member)

    from ..statements.events import activity_iri, record_event

    # Every launch is a learning event too (issue xAPI §1); keyed by the launch so a replayed
    # request could never count twice.
    record_event(
        "lti.launched",
        workshop,
        member,
        ActivityRef(activity_iri("workshop", workshop.id), workshop.title, vocab.LTI_LINK),
        key=str(session.get("launch_id")),
    )
    return redirect(url_for("workshop.home", workshop_id=workshop.id))
