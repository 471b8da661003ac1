"""Scores entered by hand for inputs no record provides (an exam, a practical part marked at
school): a host for everyone, a tutor for their classes. The whole sheet is checked first; one bad
row saves nothing and the message names the row and the field."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import select

from ..extensions import db
from ..models import ManualScore
from ..workshops.access import Viewer, workshop_access
from ..workshops.views import bp
from .feed import mapping_for
from .service import NoPolicy, feed_choices, workshop_policy
from .slots import policy_slots
from .views import visible_members


def manual_slots(workshop: Any) -> list[Any]:
    try:
        policy = workshop_policy(workshop)
    except NoPolicy:
        return []
    mapping = mapping_for(policy, feed_choices(workshop))
    return [s for s in policy_slots(policy) if s.kind == "scores" and mapping[s.name] == "manual"]


@bp.route("/<int:workshop_id>/grades/manual", methods=["GET", "POST"])
@workshop_access("tutor")
def manual_scores(workshop_id: int) -> Any:
    viewer: Viewer = g.viewer
    workshop = viewer.workshop
    slots = manual_slots(workshop)
    members = visible_members(viewer)
    existing = {(r.member_id, r.key): r for r in db.session.scalars(
        select(ManualScore).where(ManualScore.workshop_id == workshop_id))}
    errors: list[str] = []
    if request.method == "POST":
        if not slots:
            abort(400, description="没有需要手工录入的成绩 / nothing is entered by hand")
        wanted: list[tuple[int, str, Decimal | None]] = []
        for row, member in enumerate(members, start=1):
            for slot in slots:
                field = f"score:{member.id}:{slot.key}"
                if field not in request.form:
                    continue
                text = request.form[field].strip()
                if not text:
                    wanted.append((member.id, slot.key, None))
                    continue
                try:
                    value = Decimal(text)
                except InvalidOperation:
                    value = None
                if value is None or not value.is_finite() or not 0 <= value <= slot.max:
                    errors.append(f"第 {row} 行（{member.display_name}）「{slot.label}」：须为 0–{slot.max} 的数 / "
                                  f"row {row}, {slot.key}: must be a number from 0 to {slot.max}")
                    continue
                wanted.append((member.id, slot.key, value.quantize(Decimal("0.01"))))
        if not errors:
            for member_id, key, value in wanted:
                entry = existing.get((member_id, key))
                if entry is None:
                    db.session.add(ManualScore(workshop_id=workshop_id, member_id=member_id, key=key, score=value,
                                               entered_by_id=viewer.member.id))
                elif entry.score != value:
                    entry.score, entry.entered_by_id = value, viewer.member.id
            db.session.commit()
            flash("已保存 / Saved")
            return redirect(url_for("workshop.manual_scores", workshop_id=workshop_id))
    values = {(k[0], k[1]): r.score for k, r in existing.items()}
    return render_template("grades/manual.html", workshop=workshop, viewer=viewer, slots=slots, members=members,
                           values=values, form=request.form if errors else {}, errors=errors,
                           lang=session.get("lang", "zh")), (400 if errors else 200)
