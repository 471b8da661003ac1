"""Scores entered by hand for inputs no record provides (an exam, a practical part marked at
school): a host for everyone, a tutor for their classes, a class and fifty learners a page. The
page sent is checked first; one bad row saves nothing and the message names the row and the field.

Two people may have the same sheet open (the host and a class's tutor): each field carries the
value the page showed (`shown:<member>:<key>`), a save writes only the fields its user changed,
and a field someone else changed since the page was shown refuses the whole save (409), naming it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from grading import PolicyError

from ..extensions import db
from ..i18n import current_lang, t
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


@dataclass(frozen=True)
class Change:
    """A field the user changed: its row on the page sent, and the value the page showed (`seen`
    False when the form did not say, as from a page older than the shown fields: written as sent)."""

    row: int
    member: WorkshopMember
    slot: Any
    value: Decimal | None
    shown: Decimal | None
    seen: bool

    @property
    def field(self) -> str:
        return f"score:{self.member.id}:{self.slot.key}"


@dataclass(frozen=True)
class Conflict:
    change: Change
    stored: Decimal | None
    by: str


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
    # What the inputs show instead of the stored scores, the values the page says it showed, and a
    # note beside a field someone else changed meanwhile.
    typed: dict[str, str] = {}
    shown: dict[str, str] = {}
    notes: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not slots:
            abort(400, description="没有需要手工录入的成绩 / nothing is entered by hand")
        sent = {int(name.split(":")[1]) for name in request.form if _FIELD.fullmatch(name)}
        members = _members([i for i in ids if i in sent])  # fields for anyone else are ignored
        changes, errors = _changes(members, slots)
        if errors:
            # The page's own shown values stay: the corrected save is still checked against them.
            typed = {f: v for f, v in request.form.items() if _FIELD.fullmatch(f)}
            shown = {"score:" + f.split(":", 1)[1]: v for f, v in request.form.items() if _SHOWN.fullmatch(f)}
            status = 400
        else:
            conflicts = _save(workshop_id, viewer.member.id, changes)
            if not conflicts:
                flash(t("已保存", "Saved"))
                return redirect(url_for("workshop.manual_scores", workshop_id=workshop_id, **_where()))
            # The inputs keep what this user typed; everything else, and what the next save is
            # checked against, is the score stored now.
            typed = {c.field: request.form[c.field] for c in changes}
            notes = {c.change.field: _note(c) for c in conflicts}
            errors = [_conflict_message(c) for c in conflicts]
            status = 409
    pages = max(1, (len(ids) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    members = _members(ids[(page - 1) * PAGE_SIZE: page * PAGE_SIZE])
    values = {key: r.score for key, r in _entered(workshop_id, [m.id for m in members]).items()}
    classes = db.session.scalars(select(WorkshopClass).where(WorkshopClass.workshop_id == workshop_id)
                                 .order_by(WorkshopClass.name)).all()
    if not viewer.is_host:
        classes = [c for c in classes if c.id in viewer.class_ids]
    return render_template("grades/manual.html", workshop=workshop, viewer=viewer, slots=slots, members=members,
                           values=values, typed=typed, shown=shown, notes=notes, errors=errors,
                           conflict=status == 409, classes=classes, klass=klass, page=page, pages=pages,
                           total=len(ids), where=_where(), page_window=page_window,
                           lang=current_lang()), status


_FIELD = re.compile(r"score:\d{1,18}:[^:]{1,100}")
_SHOWN = re.compile(r"shown:\d{1,18}:[^:]{1,100}")


def _changes(members: list[WorkshopMember], slots: list[Any]) -> tuple[list[Change], list[str]]:
    """The fields of the form sent whose value differs from what the page showed (clearing one is
    a change), each checked; an untouched field is no change even if its stored score no longer
    fits the scheme (a maximum lowered since): it is not this user's entry."""
    changes: list[Change] = []
    errors: list[str] = []
    for row, member in enumerate(members, start=1):  # the rows of the page that was sent
        for slot in slots:
            field = f"score:{member.id}:{slot.key}"
            if field not in request.form:
                continue
            text = request.form[field].strip()
            seen_text = request.form.get(f"shown:{member.id}:{slot.key}")
            seen, shown = _shown(seen_text)
            if seen and text == (seen_text or "").strip():
                continue
            value = _number(text) if text else None
            if text and (value is None or not 0 <= value <= slot.max):
                errors.append(f"第 {row} 行（{member.display_name}）「{slot.label}」：须为 0–{slot.max} 的数 / "
                              f"row {row}, {slot.key}: must be a number from 0 to {slot.max}")
                continue
            value = value.quantize(Decimal("0.01")) if value is not None else None
            if seen and value == shown:
                continue  # the same number written another way ("70" for "70.00")
            changes.append(Change(row, member, slot, value, shown, seen))
    return changes, errors


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _shown(text: str | None) -> tuple[bool, Decimal | None]:
    """(whether the form says what the page showed, that value); a value that is not a number
    (not from our page) counts as unsaid."""
    if text is None:
        return False, None
    if not text.strip():
        return True, None
    value = _number(text.strip())
    return value is not None, value


def _save(workshop_id: int, member_id: int, changes: list[Change], retry: bool = True) -> list[Conflict]:
    """Write the changes in one transaction, or nothing and the fields someone else changed since
    the page was shown (a field both set to the same value is no conflict). The scores are read
    under lock, so a concurrent save waits and then reads what the other wrote: an UPDATE that
    changes nothing locks the rows on PostgreSQL and takes the write lock on SQLite (Python's
    sqlite3 begins a transaction at the first write; a read before it let two saves of the same
    field both succeed)."""
    member_ids = sorted({c.member.id for c in changes})
    if member_ids:
        db.session.execute(update(ManualScore).where(ManualScore.workshop_id == workshop_id,
                                                     ManualScore.member_id.in_(member_ids))
                           .values(score=ManualScore.score).execution_options(synchronize_session=False))
    existing = _entered(workshop_id, member_ids, fresh=True)
    conflicts = []
    for c in changes:
        entry = existing.get((c.member.id, c.slot.key))
        stored = entry.score if entry is not None else None
        if c.seen and stored != c.shown and stored != c.value:
            conflicts.append((c, stored, entry.entered_by_id if entry is not None else None))
    if conflicts:
        db.session.rollback()  # releases the locks
        return [Conflict(c, stored, _who(by, member_id)) for c, stored, by in conflicts]
    for c in changes:
        entry = existing.get((c.member.id, c.slot.key))
        if entry is None:
            db.session.add(ManualScore(workshop_id=workshop_id, member_id=c.member.id, key=c.slot.key, score=c.value,
                                       entered_by_id=member_id))
        elif entry.score != c.value:
            entry.score, entry.entered_by_id = c.value, member_id
    try:
        db.session.commit()
    except IntegrityError:  # someone entered a first score for the same field meanwhile: compare with theirs
        db.session.rollback()
        if not retry:
            raise
        return _save(workshop_id, member_id, changes, retry=False)
    return []


def _who(entered_by_id: int | None, me: int) -> str:
    if entered_by_id == me:
        return t("你（在另一页面）", "you (on another page)")
    entered_by = db.session.get(WorkshopMember, entered_by_id) if entered_by_id is not None else None
    return entered_by.display_name if entered_by is not None else t("他人", "someone else")


def _text(value: Decimal | None, empty: str) -> str:
    return empty if value is None else f"{value:.2f}"


def _note(c: Conflict) -> str:
    """Beside the field: what is stored now, and who entered it."""
    return t(f"现为 {_text(c.stored, '空')}（{c.by}）", f"now {_text(c.stored, 'empty')} ({c.by})")


def _conflict_message(c: Conflict) -> str:
    change = c.change
    name, row = change.member.display_name, change.row
    return t(f"第 {row} 行（{name}）「{change.slot.label}」：你打开本页后，{c.by}已改为 {_text(c.stored, '空')}"
             f"（你填的是 {_text(change.value, '空')}）",
             f"row {row} ({name}), {change.slot.key}: {c.by} changed it to {_text(c.stored, 'empty')} after you "
             f"opened this page (you entered {_text(change.value, 'empty')})")


def _where() -> dict[str, Any]:
    """The sheet's page and class, kept across a save."""
    return {k: v for k in ("class", "page") if (v := request.args.get(k, "").strip()[:20])}


def _members(ids: list[int]) -> list[WorkshopMember]:
    if not ids:
        return []
    return list(db.session.scalars(select(WorkshopMember).where(WorkshopMember.id.in_(ids))
                                   .options(selectinload(WorkshopMember.user)).order_by(WorkshopMember.id)))


def _entered(workshop_id: int, member_ids: list[int], fresh: bool = False) -> dict[tuple[int, str], ManualScore]:
    if not member_ids:
        return {}
    query = select(ManualScore).where(ManualScore.workshop_id == workshop_id, ManualScore.member_id.in_(member_ids))
    if fresh:  # the stored values, not those of rows this session may hold from before the lock
        query = query.execution_options(populate_existing=True)
    return {(r.member_id, r.key): r for r in db.session.scalars(query)}
