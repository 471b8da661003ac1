"""The development LMS page: the demo course, its people with "launch as" buttons, what came back."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from .config import PlatformConfig
from .demo_data import ROLE_LABELS
from .services import current_state


def home() -> str:
    state = current_state()
    users = list(state.users.values())
    staff = [u for u in users if u.role != "participant"]
    schools: dict[str, list[Any]] = {}
    for user in users:
        if user.role == "participant":
            schools.setdefault(user.school, []).append(user)
    with state.lock:
        links = list(state.resource_links.values())
        items = dict(state.line_items)
        scores = list(reversed(state.scores[-20:]))
        added = list(state.deep_link_responses)
    labels = {i.id: i.label for i in items.values()}
    rows = [
        {"name": state.users[s["user_login"]].name if s.get("user_login") in state.users else s["userId"],
         "item": labels.get(s["lineItemId"], str(s["lineItemId"])),
         "score": "—" if s.get("scoreGiven") is None else f"{s['scoreGiven']} / {s.get('scoreMaximum')}",
         "progress": f"{s.get('activityProgress')} · {s.get('gradingProgress')}",
         "timestamp": s.get("timestamp")}
        for s in scores
    ]
    return render_template("devlms/index.html", cfg=state.config, course=state.course, staff=staff,
                           schools=schools, links=links, role_labels=ROLE_LABELS, score_rows=rows,
                           added=added, registrations=len(state.registrations))


def make_blueprint(cfg: PlatformConfig) -> Blueprint:
    bp = Blueprint("devlms_pages", __name__)
    bp.add_url_rule("/", "home", home, methods=["GET"])
    return bp
