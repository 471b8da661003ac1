"""Scores entered by hand for inputs no record provides (an exam, a practical part marked at
school): a host for everyone, a tutor for their classes, a class and fifty learners a page. The
page sent is checked first; one bad row saves nothing and the message names the row and the field."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grading import PolicyError

from ..extensions import db
from ..i18n import t
from ..models import ManualScore, WorkshopClass, WorkshopMember
from ..params import small_int
from ..workshops.access import Viewer, workshop_access
from ..workshops.views import bp
from .feed import mapping_for
from .service import NoPolicy, feed_choices, workshop_policy
from .slots import policy_slots
from .views import PAGE_SIZE, page_window, visible_query


def manual_slots(workshop: Any) -> list[Any]:
    try:
        policy = workshop_policy(workshop)
    except (NoPolicy, PolicyError):  # a stored scheme that no longer loads: the grade table says why
        return []
    mapping = mapping_for(policy, feed_choices(workshop))
    return [s for s in policy_slots(policy) if s.kind == "scores" and mapping[s.name] == "manual"]


@bp.route("/<int:workshop_id>/grades/manual", methods=["GET", "POST"])
@workshop_access("tutor")
def manual_scores(workshop_id: int) -> Any:
    """One page of the sheet (a class, fifty learners): a city cohort's whole sheet would be
    23,000 rows. A save takes the fields the form sent, for learners this viewer may grade."""
    viewer: Viewer = g.viewer
    workshop = viewer.workshop
    slots = manual_slots(workshop)
    visible = visible_query(viewer)
    klass = request.args.get("class", "").strip()[:20]
    if klass:
        chosen = small_int(klass)
        visible = visible.where(WorkshopMember.class_id == (chosen if chosen is not None else -1))
    ids = list(db.session.scalars(visible.with_only_columns(WorkshopMember.id)))
    errors: list[str] = []
    if request.method == "POST":
        if not slots:
            abort(400, description="没有需要手工录入的成绩 / nothing is entered by hand")
        sent = {int(name.split(":")[1]) for name in request.form if _FIELD.fullmatch(name)}
        members = _members([i for i in ids if i in sent])  # fields for anyone else are ignored
        existing = _entered(workshop_id, [m.id for m in members])
        wanted: list[tuple[int, str, Decimal | None]] = []
        for row, member in enumerate(members, start=1):  # the rows of the page that was sent
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
            flash(t("已保存", "Saved"))
            return redirect(url_for("workshop.manual_scores", workshop_id=workshop_id, **_where()))
    pages = max(1, (len(ids) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    members = _members(ids[(page - 1) * PAGE_SIZE: page * PAGE_SIZE])
    values = {key: r.score for key, r in _entered(workshop_id, [m.id for m in members]).items()}
    classes = db.session.scalars(select(WorkshopClass).where(WorkshopClass.workshop_id == workshop_id)
                                 .order_by(WorkshopClass.name)).all()
    if not viewer.is_host:
        classes = [c for c in classes if c.id in viewer.class_ids]
    return render_template("grades/manual.html", workshop=workshop, viewer=viewer, slots=slots, members=members,
                           values=values, form=request.form if errors else {}, errors=errors, classes=classes,
                           klass=klass, page=page, pages=pages, total=len(ids), where=_where(),
                           page_window=page_window, lang=session.get("lang", "zh")), (400 if errors else 200)


_FIELD = re.compile(r"score:\d{1,18}:[^:]{1,100}")


def _where() -> dict[str, Any]:
    """The sheet's page and class, kept across a save."""
    return {k: v for k in ("class", "page") if (v := request.args.get(k, "").strip()[:20])}


def _members(ids: list[int]) -> list[WorkshopMember]:
    if not ids:
        return []
    return list(db.session.scalars(select(WorkshopMember).where(WorkshopMember.id.in_(ids))
                                   .options(selectinload(WorkshopMember.user)).order_by(WorkshopMember.id)))


def _entered(workshop_id: int, member_ids: list[int]) -> dict[tuple[int, str], ManualScore]:
    if not member_ids:
        return {}
    return {(r.member_id, r.key): r for r in db.session.scalars(select(ManualScore).where(
        ManualScore.workshop_id == workshop_id, ManualScore.member_id.in_(member_ids)))}
