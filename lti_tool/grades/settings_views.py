"""The host's grading settings: where each input of the scheme comes from in this workshop, the
scheme itself (a preset, optionally adjusted as a YAML/JSON document), and LMS write-back."""

from __future__ import annotations

import json
from typing import Any

import yaml
from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from grading import DocumentError, PolicyError, load_policy, read_document
from grading.documents import cited
from grading.presets import PRESET_DIR

from ..extensions import db
from ..i18n import current_lang, t
from ..models import Phase
from ..workshops.access import workshop_access
from ..workshops.views import bp
from .feed import mapping_for
from .measures import MEASURES, parse_choice
from .service import NoPolicy, adjusted_document, feed_choices, workshop_policy
from .slots import policy_slots
from .writeback_pause import writeback_saved

MAX_POLICY_BYTES = 64 * 1024


def _policy_text(workshop: Any) -> str:
    document = adjusted_document(workshop)
    if document:
        return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    if workshop.grading_preset:
        return (PRESET_DIR / f"{workshop.grading_preset}.yaml").read_text(encoding="utf-8")
    return ""


@bp.route("/<int:workshop_id>/grades/settings", methods=["GET", "POST"])
@workshop_access("host")
def grade_settings(workshop_id: int) -> Any:
    workshop = g.viewer.workshop
    errors: list[str] = []
    overrides = dict(workshop.grading_overrides or {})
    if request.method == "POST":
        action = request.form.get("action", "feeds")
        if action == "policy":
            errors = _save_policy(overrides, request.form.get("policy", ""), workshop.grading_preset)
        elif action == "reset_policy":
            overrides.pop("policy", None)
        elif action == "feeds":
            errors = _save_feeds(workshop, overrides)
            overrides["writeback"] = request.form.get("writeback") == "1"
            overrides["writeback_components"] = request.form.get("writeback_components") == "1"
        else:
            abort(400, description="action: unknown")
        if not errors:
            queued = writeback_saved(workshop, workshop.grading_overrides or {}, overrides)
            workshop.grading_overrides = overrides
            db.session.commit()
            flash(t("已保存", "Saved") + (t(f"；{queued} 位学员的成绩将回传到平台成绩册",
                                             f"; learners whose grade will be sent to the LMS gradebook: {queued}")
                                           if queued else ""))
            return redirect(url_for("workshop.grade_settings", workshop_id=workshop_id))
    try:
        policy = workshop_policy(workshop)
    except NoPolicy:
        policy = None
    except PolicyError as exc:
        policy, errors = None, errors + exc.errors
    slots = policy_slots(policy) if policy else []
    mapping = mapping_for(policy, feed_choices(workshop)) if policy else {}
    phases = db.session.scalars(select(Phase).where(Phase.workshop_id == workshop_id).order_by(Phase.position)).all()
    return render_template(
        "grades/settings.html", workshop=workshop, viewer=g.viewer, policy=policy, slots=slots, mapping=mapping,
        measures=MEASURES, phases=phases, errors=errors, source=cited(policy.source) if policy else "",
        policy_text=request.form.get("policy") or _policy_text(workshop),
        adjusted=bool(adjusted_document(workshop)), writeback=overrides.get("writeback", True),
        writeback_components=overrides.get("writeback_components", False),
        lang=current_lang(),
    ), (400 if errors else 200)


def _save_policy(overrides: dict[str, Any], text: str, workshop_preset: str | None) -> list[str]:
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        return [f"policy: 超过 {MAX_POLICY_BYTES // 1024} KB / too large"]
    try:
        # Read as the preset files are (floats as Decimals, a band's `on:` a key, not True); a text
        # it cannot read (the date 2026-13-45, nesting too deep to validate) is an error on its line.
        document = read_document(text) if text.strip() else None
    except DocumentError as exc:
        where = f" (第 {exc.line} 行 / line {exc.line})" if exc.line is not None else ""
        return [f"policy: YAML 无法解析{where} / cannot be parsed: {exc.problem}"]
    if not isinstance(document, dict):
        return ["policy: 需要一个 YAML/JSON 对象 / must be a mapping"]
    try:
        load_policy(document)
    except PolicyError as exc:
        return list(exc.errors)
    # Stored as plain JSON-compatible data (dates and the like would not survive the JSON column).
    overrides["policy"] = json.loads(json.dumps(document, default=str))
    overrides["policy_base"] = workshop_preset
    return []


def _save_feeds(workshop: Any, overrides: dict[str, Any]) -> list[str]:
    try:
        policy = workshop_policy(workshop)
    except (NoPolicy, PolicyError):
        return ["feeds: 请先选择评分方案 / choose a grading scheme first"]
    feeds: dict[str, str] = {}
    errors: list[str] = []
    phase_ids = {str(p) for p in db.session.scalars(select(Phase.id).where(Phase.workshop_id == workshop.id))}
    for slot in policy_slots(policy):
        choice = request.form.get(f"feed:{slot.name}", "").strip()
        if not choice:
            continue
        try:
            measure, param = parse_choice(choice)
        except KeyError:
            errors.append(f"{slot.name}: 未知的数据来源 {choice!r} / unknown source")
            continue
        if measure.kind != slot.kind:
            errors.append(f"{slot.name}: {choice} 不适用于此项 / does not fit this input")
        elif measure.takes_phase and param not in phase_ids:
            errors.append(f"{slot.name}: 请选择本工作坊的阶段 / pick a phase of this workshop")
        else:
            feeds[slot.name] = choice
    overrides["feeds"] = feeds
    return errors
