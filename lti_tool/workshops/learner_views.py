"""Participant pages: the workshop home with progress, each activity, and the video player's intake."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort, g, redirect, render_template, session, url_for
from sqlalchemy import select

from xapi import ActivityRef, vocab

from ..extensions import db
from ..i18n import current_lang, t
from ..models import Activity, Phase
from ..statements.events import activity_iri, record_event
from ..text import markdown
from .access import workshop_access
from .progress import member_progress
from .registry import KIND_PAGES
from .views import bp, role_label


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
        next_activity=todo[0] if todo else None, lang=current_lang(),
    )


def _done(activity: Activity, progress: Any) -> bool:
    if activity.kind == "video":
        watched = progress.video_seconds.get(activity.id, Decimal(0))
        if not activity.video_seconds:
            return False
        return bool(watched >= Decimal("0.9") * activity.video_seconds)
    if activity.kind == "assignment":
        return activity.id in progress.submissions
    if activity.kind == "discussion":
        # Seed 004 asks for taking part in the topic; one post or reply is taking part.
        return activity.id in progress.discussed
    if activity.kind == "reading":
        return activity.id in progress.read
    return False


@bp.route("/<int:workshop_id>/a/<int:activity_id>/read", methods=["POST"])
@workshop_access("any")
def reading_completed(workshop_id: int, activity_id: int) -> Any:
    """"我已读完": a `reading.completed` statement (issue 4 §1). Keyed by member and reading, so
    pressing it again is the same statement, not a second one."""
    from flask import flash

    item = activity_or_404(workshop_id, activity_id)
    if item.kind != "reading":
        abort(404)
    viewer = g.viewer
    record_event("reading.completed", viewer.workshop, viewer.member,
                 ActivityRef(activity_iri("reading", item.id), item.title, vocab.ARTICLE),
                 key=f"{viewer.member.id}:{item.id}")
    flash(t("已记录：读完了", "Recorded: finished reading"))
    return redirect(url_for("workshop.activity", workshop_id=workshop_id, activity_id=activity_id))


def activity_or_404(workshop_id: int, activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.workshop_id != workshop_id:
        abort(404)
    return activity


@bp.route("/<int:workshop_id>/a/<int:activity_id>")
@workshop_access("any")
def activity(workshop_id: int, activity_id: int) -> Any:
    item = activity_or_404(workshop_id, activity_id)
    if item.kind in KIND_PAGES:
        return redirect(url_for(KIND_PAGES[item.kind], workshop_id=workshop_id, activity_id=activity_id))
    viewer = g.viewer
    progress = member_progress(viewer.workshop, viewer.member)
    if item.kind == "reading":
        record_event("reading.opened", viewer.workshop, viewer.member,
                     ActivityRef(activity_iri("reading", item.id), item.title, vocab.ARTICLE),
                     key=f"{viewer.member.id}:{item.id}:{session.get('launch_id')}")
    return render_template(
        "workshop/activity.html", workshop=viewer.workshop, activity=item, body_html=markdown(item.body),
        watched=progress.video_seconds.get(item.id, Decimal(0)), video_iri=activity_iri("video", item.id),
        read=item.id in progress.read,
        lang=current_lang(),
    )
