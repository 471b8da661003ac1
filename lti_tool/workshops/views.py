"""Workshop pages: the landing after a launch and the participant's home."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, session, url_for

from ..lti.records import LaunchRecord
from ..lti.views import ROLE_LABELS, default_landing
from .access import workshop_access
from .membership import member_for_launch, workshop_for_launch

bp = Blueprint("workshop", __name__, url_prefix="/w")

WORKSHOP_ROLE_LABELS = dict(ROLE_LABELS)
WORKSHOP_ROLE_LABELS["cohost"] = ("三人行成员", "Core team")


def role_label(role: str) -> str:
    zh, en = WORKSHOP_ROLE_LABELS[role]
    return en if session.get("lang") == "en" else zh


def workshop_landing(record: LaunchRecord) -> Any:
    """After a resource-link launch: into the workshop of that link."""
    workshop = workshop_for_launch(record)
    if workshop is None:
        return default_landing(record)
    member_for_launch(workshop, record)
    return redirect(url_for("workshop.home", workshop_id=workshop.id))


@bp.route("/<int:workshop_id>/")
@workshop_access("any")
def home(workshop_id: int) -> Any:
    viewer = g.viewer
    return render_template(
        "workshop/home.html",
        workshop=viewer.workshop,
        viewer=viewer,
        member=viewer.member,
        role_label=role_label(viewer.member.role),
        lang=session.get("lang", "zh"),
    )
