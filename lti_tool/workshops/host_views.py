"""Host (坊主 and 三人行) pages: workshop settings, phases, activities."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import func, select

from grading import list_presets

from ..extensions import db
from ..i18n import current_lang, t
from ..models import Activity, Phase
from .access import workshop_access
from .forms import PhaseInput, WorkshopSettings, errors_text, form_data, labelled
from .registry import NavLink, register_nav
from .setup_edit import ActivityRefused, activity_input
from .views import bp

register_nav(NavLink("workshop.setup", "工作坊设置", "Workshop setup", lambda viewer: viewer.is_host, order=90))


@bp.route("/<int:workshop_id>/setup", methods=["GET", "POST"])
@workshop_access("host")
def setup(workshop_id: int) -> Any:
    workshop = g.viewer.workshop
    if request.method == "GET":
        return _setup_page(workshop_id)
    try:
        data = WorkshopSettings().load(form_data(request.form))
    except ValidationError as exc:
        return _setup_page(workshop_id, "settings", errors_text(exc))
    presets = {p.name for p in list_presets()}
    if data["grading_preset"] and data["grading_preset"] not in presets:
        return _setup_page(workshop_id, "settings", labelled(
            t("考核方案", "Grading scheme"), t(f"没有名为 {data['grading_preset']!r} 的方案",
                                               f"there is no scheme named {data['grading_preset']!r}")))
    for key, value in data.items():
        setattr(workshop, key, value)
    db.session.commit()
    flash(t("已保存", "Saved"))
    return redirect(url_for("workshop.setup", workshop_id=workshop_id, _anchor="saved"))


def _setup_page(workshop_id: int, failed: str | None = None, error: str | None = None) -> Any:
    """The setup page; after a refused form (`failed`: settings, phase or activity), a 400 showing the
    message by that form and what was typed in it, so nothing has to be typed again."""
    phases = db.session.scalars(select(Phase).where(Phase.workshop_id == workshop_id).order_by(Phase.position)).all()
    activities = db.session.scalars(
        select(Activity).where(Activity.workshop_id == workshop_id).order_by(Activity.phase_id, Activity.position)
    ).all()
    return render_template("workshop/setup.html", workshop=g.viewer.workshop, phases=phases, activities=activities,
                           presets=list_presets(), failed=failed, error=error,
                           typed=request.form if failed else {},
                           lang=current_lang()), (400 if error else 200)


@bp.route("/<int:workshop_id>/phases", methods=["POST"])
@workshop_access("host")
def add_phase(workshop_id: int) -> Any:
    try:
        data = PhaseInput().load(form_data(request.form))
    except ValidationError as exc:
        return _setup_page(workshop_id, "phase", errors_text(exc))
    position = db.session.scalar(select(func.count()).select_from(Phase).where(Phase.workshop_id == workshop_id))
    db.session.add(Phase(workshop_id=workshop_id, position=int(position or 0), **data))
    db.session.commit()
    # Shown by the form, where the page opens again (a redirect without a #fragment keeps the
    # form's, so a notice at the top was off-screen on a phone): the host sees it and adds the next.
    flash(t(f"已添加阶段「{data['title']}」", f"Phase added: {data['title']}"), "phase")
    return redirect(url_for("workshop.setup", workshop_id=workshop_id, _anchor="new-phase"))


@bp.route("/<int:workshop_id>/activities", methods=["POST"])
@workshop_access("host")
def add_activity(workshop_id: int) -> Any:
    try:
        data = activity_input(workshop_id, form_data(request.form))
    except ActivityRefused as exc:
        return _setup_page(workshop_id, "activity", str(exc))
    position = db.session.scalar(select(func.count()).select_from(Activity).where(Activity.workshop_id == workshop_id))
    activity = Activity(workshop_id=workshop_id, position=int(position or 0), **data)
    db.session.add(activity)
    db.session.commit()
    flash(t(f"已添加活动「{activity.title}」", f"Activity added: {activity.title}"), "activity")
    return redirect(url_for("workshop.setup", workshop_id=workshop_id, _anchor="new-activity"))
