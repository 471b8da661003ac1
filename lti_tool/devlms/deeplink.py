"""Deep Linking 2.0 return endpoint: verify the tool's LtiDeepLinkingResponse and add what it chose.

The tool's browser form posts `JWT`. Checks: RS256 with the tool's key set, iss = client_id,
aud = the platform issuer, exp/iat, nonce, message_type, version, deployment_id, the `data` value
the request carried (single use), and the request's settings (ltiResourceLink only, one item).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request

from .config import PlatformConfig
from .keys import ToolJWTError, fetch_jwks, verify_tool_jwt
from .services import current_state
from .state import PlatformState

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


class DeepLinkError(ValueError):
    pass


def _refuse(message: str) -> Response:
    return Response(message + "\n", status=400, mimetype="text/plain")


def verify_response(state: PlatformState, token: str) -> dict[str, Any]:
    cfg = state.config
    try:
        claims = verify_tool_jwt(
            token, fetch_jwks(cfg.tool.jwks_url, cfg.http_timeout), issuer=cfg.client_id,
            audience=cfg.issuer, now=cfg.clock(), required=("iss", "aud", "exp", "iat", "nonce"),
        )
    except ToolJWTError as exc:
        raise DeepLinkError(str(exc)) from exc
    if claims.get(LTI + "message_type") != "LtiDeepLinkingResponse":
        raise DeepLinkError(f"dl_message_type_invalid: {claims.get(LTI + 'message_type')!r}")
    if claims.get(LTI + "version") != "1.3.0":
        raise DeepLinkError(f"dl_version_invalid: {claims.get(LTI + 'version')!r}")
    if claims.get(LTI + "deployment_id") != cfg.deployment_id:
        raise DeepLinkError(f"dl_deployment_id_mismatch: {claims.get(LTI + 'deployment_id')!r}")
    data = claims.get(DL + "data")
    with state.lock:
        if data is None or state.deep_link_requests.pop(data, None) is None:
            raise DeepLinkError("dl_data_mismatch: the response must echo the request's data (once)")
    items = claims.get(DL + "content_items", [])
    if not isinstance(items, list):
        raise DeepLinkError("dl_content_items_invalid: content_items must be a list")
    if len(items) > 1:
        raise DeepLinkError("dl_too_many_items: accept_multiple was false")
    for item in items:
        if not isinstance(item, dict) or item.get("type") != "ltiResourceLink":
            raise DeepLinkError("dl_item_type_not_accepted: only ltiResourceLink was offered")
        custom = item.get("custom", {})
        if not isinstance(custom, dict) or not all(isinstance(v, str) for v in custom.values()):
            raise DeepLinkError("dl_custom_invalid: custom must map names to strings")
        line_item = item.get("lineItem")
        if line_item is not None:
            maximum = line_item.get("scoreMaximum") if isinstance(line_item, dict) else None
            if isinstance(maximum, bool) or not isinstance(maximum, int | float) or maximum <= 0:
                raise DeepLinkError("dl_line_item_invalid: lineItem.scoreMaximum must be a number > 0")
    return claims


def record(state: PlatformState, claims: dict[str, Any]) -> list[str]:
    """Create a resource link (and its line item) per content item; return the titles added."""
    titles = []
    with state.lock:
        for item in claims.get(DL + "content_items", []):
            title = str(item.get("title") or "未命名活动 / untitled")
            link = state.add_resource_link(None, title, str(item.get("text") or ""), url=item.get("url"),
                                           custom=item.get("custom"), from_deep_link=True)
            line_item = item.get("lineItem")
            if line_item:
                state.add_line_item(
                    str(line_item.get("label") or title), line_item["scoreMaximum"], resource_link_id=link.id,
                    resource_id=str(line_item.get("resourceId") or ""), tag=str(line_item.get("tag") or ""),
                    link=link)
            titles.append(title)
        state.deep_link_responses.append({"claims": claims, "titles": titles})
    return titles


def deep_link_return() -> Response | str:
    state = current_state()
    token = request.form.get("JWT")
    if not token:
        return _refuse("dl_jwt_missing: the form must post a JWT field")
    try:
        claims = verify_response(state, token)
    except DeepLinkError as exc:
        return _refuse(str(exc))
    titles = record(state, claims)
    return render_template("devlms/deeplink_done.html", titles=titles,
                           message=claims.get(DL + "msg"), error=claims.get(DL + "errormsg"))


def make_blueprint(cfg: PlatformConfig) -> Blueprint:
    bp = Blueprint("devlms_deeplink", __name__)
    bp.add_url_rule(cfg.paths.deep_link_return, "deep_link_return", deep_link_return, methods=["POST"])
    return bp
