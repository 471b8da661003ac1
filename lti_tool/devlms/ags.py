"""Assignment and Grade Services 2.0: line items container and item, scores, results.

Spec shapes (a bare JSON array for containers, not `{"content": …}`), spec media types enforced on
writes (415 otherwise), Moodle's `?type_id=` query kept on every URL it hands out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, request

from .config import PlatformConfig
from .services import current_state, error, json_response, paginate, require_scope
from .state import LineItem, PlatformState
from .tokens import AGS_SCOPES

SCOPE_LINEITEM, SCOPE_LINEITEM_RO, SCOPE_RESULT_RO, SCOPE_SCORE = AGS_SCOPES
LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
RESULTS_MEDIA = "application/vnd.ims.lis.v2.resultcontainer+json"
ACTIVITY_PROGRESS = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
GRADING_PROGRESS = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def item_json(state: PlatformState, item: LineItem) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": state.config.lineitem_url(item.id),
        "scoreMaximum": _number(item.score_maximum),
        "label": item.label,
        "resourceId": item.resource_id,
        "tag": item.tag,
    }
    if item.resource_link_id:
        data["resourceLinkId"] = item.resource_link_id
    if item.start_date_time:
        data["startDateTime"] = item.start_date_time
    if item.end_date_time:
        data["endDateTime"] = item.end_date_time
    return data


def _check_type_id() -> Response | None:
    cfg = current_state().config
    if cfg.profile == "moodle" and "type_id" in request.args and request.args["type_id"] != cfg.deployment_id:
        return error(400, "type_id_mismatch", f"type_id {request.args['type_id']!r} is not this tool")
    return None


def _json_body(media: str) -> dict[str, Any] | Response:
    if request.mimetype != media:
        return error(415, "unsupported_media_type", f"Content-Type must be {media}, got {request.mimetype!r}")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error(400, "invalid_json", "the body must be a JSON object")
    return body


def _is_iso(value: Any, *, need_tz: bool) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False
    return parsed.tzinfo is not None or not need_tz


def _line_item_fields(state: PlatformState, body: dict[str, Any]) -> dict[str, Any] | Response:
    label, maximum = body.get("label"), body.get("scoreMaximum")
    if not isinstance(label, str) or not label.strip():
        return error(400, "lineitem_label_missing", "label must be a non-empty string")
    if isinstance(maximum, bool) or not isinstance(maximum, int | float) or maximum <= 0:
        return error(400, "lineitem_score_maximum_invalid", "scoreMaximum must be a number > 0")
    link_id = body.get("resourceLinkId")
    if link_id is not None and link_id not in state.resource_links:
        return error(400, "lineitem_resource_link_unknown", f"no resource link {link_id!r}")
    for name in ("startDateTime", "endDateTime"):
        if body.get(name) is not None and not _is_iso(body[name], need_tz=True):
            return error(400, "lineitem_date_invalid", f"{name} must be ISO 8601 with a time zone")
    return {"label": label, "score_maximum": float(maximum), "resource_link_id": link_id,
            "resource_id": str(body.get("resourceId") or ""), "tag": str(body.get("tag") or ""),
            "start_date_time": body.get("startDateTime"), "end_date_time": body.get("endDateTime")}


def lineitems() -> Response:
    bad = _check_type_id()
    if bad:
        return bad
    state = current_state()
    if request.method == "POST":
        granted = require_scope(SCOPE_LINEITEM)
        if isinstance(granted, Response):
            return granted
        body = _json_body(LINEITEM_MEDIA)
        if isinstance(body, Response):
            return body
        fields = _line_item_fields(state, body)
        if isinstance(fields, Response):
            return fields
        with state.lock:
            item = state.add_line_item(**fields)
        return json_response(item_json(state, item), 201, LINEITEM_MEDIA)
    granted = require_scope(SCOPE_LINEITEM, SCOPE_LINEITEM_RO)
    if isinstance(granted, Response):
        return granted
    items = list(state.line_items.values())
    for arg in ("resource_link_id", "resource_id", "tag"):
        if arg in request.args:
            items = [i for i in items if getattr(i, arg) == request.args[arg]]
    paged = paginate([item_json(state, i) for i in items], state.config.lineitems_url)
    if isinstance(paged, Response):
        return paged
    page, headers = paged
    return json_response(list(page), mimetype=CONTAINER_MEDIA, headers=headers)


def lineitem(item_id: int) -> Response:
    bad = _check_type_id()
    if bad:
        return bad
    state = current_state()
    item = state.line_items.get(item_id)
    if item is None:
        return error(404, "lineitem_not_found", f"no line item {item_id}")
    if request.method == "GET":
        granted = require_scope(SCOPE_LINEITEM, SCOPE_LINEITEM_RO)
        if isinstance(granted, Response):
            return granted
        return json_response(item_json(state, item), mimetype=LINEITEM_MEDIA)
    granted = require_scope(SCOPE_LINEITEM)
    if isinstance(granted, Response):
        return granted
    if request.method == "DELETE":
        with state.lock:
            state.line_items.pop(item_id, None)
        return Response(status=204)
    body = _json_body(LINEITEM_MEDIA)
    if isinstance(body, Response):
        return body
    if body.get("id") not in (None, state.config.lineitem_url(item_id)):
        return error(400, "lineitem_id_mismatch", "the body's id is not this line item's URL")
    link_id = body.get("resourceLinkId", item.resource_link_id)
    fields = _line_item_fields(state, {**body, "resourceLinkId": link_id})
    if isinstance(fields, Response):
        return fields
    with state.lock:
        for name, value in fields.items():
            setattr(item, name, value)
    return json_response(item_json(state, item), mimetype=LINEITEM_MEDIA)


def _validate_score(state: PlatformState, body: dict[str, Any]) -> str | None:
    user_id = body.get("userId")
    if not isinstance(user_id, str) or state.user_by_subject(user_id) is None:
        return f"score_user_unknown: userId {user_id!r} is not a member of the course"
    if not _is_iso(body.get("timestamp"), need_tz=True):
        return "score_timestamp_invalid: timestamp must be ISO 8601 with a time zone"
    if body.get("activityProgress") not in ACTIVITY_PROGRESS:
        return f"score_activity_progress_invalid: must be one of {', '.join(ACTIVITY_PROGRESS)}"
    if body.get("gradingProgress") not in GRADING_PROGRESS:
        return f"score_grading_progress_invalid: must be one of {', '.join(GRADING_PROGRESS)}"
    given, maximum = body.get("scoreGiven"), body.get("scoreMaximum")
    if given is not None:
        if isinstance(given, bool) or not isinstance(given, int | float) or given < 0:
            return "score_given_invalid: scoreGiven must be a number ≥ 0"
        if isinstance(maximum, bool) or not isinstance(maximum, int | float) or maximum <= 0:
            return "score_maximum_invalid: scoreMaximum must be a number > 0 when scoreGiven is sent"
        if given > maximum:
            return "score_given_above_maximum: scoreGiven must not exceed scoreMaximum"
    if "comment" in body and body["comment"] is not None and not isinstance(body["comment"], str):
        return "score_comment_invalid: comment must be a string"
    return None


def scores(item_id: int) -> Response:
    bad = _check_type_id()
    if bad:
        return bad
    state = current_state()
    if item_id not in state.line_items:
        return error(404, "lineitem_not_found", f"no line item {item_id}")
    granted = require_scope(SCOPE_SCORE)
    if isinstance(granted, Response):
        return granted
    body = _json_body(SCORE_MEDIA)
    if isinstance(body, Response):
        return body
    problem = _validate_score(state, body)
    if problem:
        reason, detail = problem.split(": ", 1)
        return error(400, reason, detail)
    stamp = datetime.fromisoformat(body["timestamp"])
    with state.lock:
        previous = [s for s in state.scores if s["lineItemId"] == item_id and s["userId"] == body["userId"]]
        if previous and datetime.fromisoformat(previous[-1]["timestamp"]) >= stamp:
            return error(409, "score_timestamp_not_newer",
                         "a score with the same or a later timestamp is already recorded")
        user = state.user_by_subject(body["userId"])
        state.scores.append({**body, "lineItemId": item_id, "user_login": user.login if user else None,
                             "received_at": state.config.clock()})
    return Response(status=204)


def results(item_id: int) -> Response:
    bad = _check_type_id()
    if bad:
        return bad
    state = current_state()
    if item_id not in state.line_items:
        return error(404, "lineitem_not_found", f"no line item {item_id}")
    granted = require_scope(SCOPE_RESULT_RO)
    if isinstance(granted, Response):
        return granted
    latest: dict[str, dict[str, Any]] = {}
    for score in state.scores:
        if score["lineItemId"] == item_id:
            latest[score["userId"]] = score
    wanted = request.args.get("user_id")
    item_url = state.config.lineitem_url(item_id)
    out = []
    for user_id, score in latest.items():
        if wanted and user_id != wanted:
            continue
        result: dict[str, Any] = {"id": f"{item_url.split('?')[0]}/results/{user_id}", "scoreOf": item_url,
                                  "userId": user_id}
        if score.get("scoreGiven") is not None:
            result["resultScore"] = score["scoreGiven"]
            result["resultMaximum"] = score["scoreMaximum"]
        if score.get("comment"):
            result["comment"] = score["comment"]
        out.append(result)
    paged = paginate(out, item_url.split("?")[0] + "/results" + state.config.paths.service_query)
    if isinstance(paged, Response):
        return paged
    page, headers = paged
    return json_response(list(page), mimetype=RESULTS_MEDIA, headers=headers)


def make_blueprint(cfg: PlatformConfig) -> Blueprint:
    bp = Blueprint("devlms_ags", __name__)
    item_rule = cfg.paths.lineitem.replace("{item}", "<int:item_id>")
    bp.add_url_rule(cfg.paths.lineitems, "lineitems", lineitems, methods=["GET", "POST"])
    bp.add_url_rule(item_rule, "lineitem", lineitem, methods=["GET", "PUT", "DELETE"])
    bp.add_url_rule(item_rule + "/scores", "scores", scores, methods=["POST"])
    bp.add_url_rule(item_rule + "/results", "results", results, methods=["GET"])
    return bp
