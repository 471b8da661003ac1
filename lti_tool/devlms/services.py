"""Platform web services: JWKS, the OAuth2 token endpoint (client_credentials + private_key_jwt), NRPS.

Also the helpers the AGS endpoints share: bearer-token checks and spec-shaped paging (`limit` plus a
`Link: <…>; rel="next"` header).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, current_app, jsonify, request

from .config import PlatformConfig
from .keys import ToolJWTError, fetch_jwks, verify_tool_jwt
from .state import AccessToken, PlatformState
from .tokens import AGS_SCOPES, NRPS_SCOPE, roles_for

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_LIFETIME = 3600
NRPS_MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


def current_state() -> PlatformState:
    state: PlatformState = current_app.extensions["devlms"]
    return state


def json_response(data: Any, status: int = 200, mimetype: str = "application/json",
                  headers: dict[str, str] | None = None) -> Response:
    resp = jsonify(data)
    resp.status_code = status
    resp.mimetype = mimetype
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def error(status: int, reason: str, detail: str) -> Response:
    """Service errors: JSON with the reason first, so tests can assert on it."""
    return json_response({"error": reason, "error_description": f"{reason}: {detail}"}, status)


def require_scope(*accepted: str) -> AccessToken | Response:
    """The request's bearer token, if valid and holding one of `accepted` scopes; else a 401."""
    token = current_state().check_access_token(request.headers.get("Authorization"))
    if token is None:
        resp = error(401, "invalid_token", "a valid Bearer access token is required")
        resp.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return resp
    if not token.scopes.intersection(accepted):
        resp = error(401, "insufficient_scope", f"the token lacks one of {list(accepted)}")
        resp.headers["WWW-Authenticate"] = 'Bearer error="insufficient_scope"'
        return resp
    return token


def with_query(url: str, **params: Any) -> str:
    """`url` with `params` merged into its query string (Moodle's URLs already carry ?type_id=)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update({k: str(v) for k, v in params.items() if v is not None})
    return urlunsplit(parts._replace(query=urlencode(query)))


def paginate(items: Sequence[Any], public_url: str) -> tuple[Sequence[Any], dict[str, str]] | Response:
    """Apply `limit`/`from` from the request; return the page and a Link header for the next one."""
    try:
        limit = int(request.args["limit"]) if "limit" in request.args else None
        start = int(request.args.get("from", "0"))
    except ValueError:
        return error(400, "invalid_paging", "limit and from must be integers")
    if (limit is not None and limit < 1) or start < 0:
        return error(400, "invalid_paging", "limit must be ≥ 1 and from ≥ 0")
    if limit is None:
        return items[start:], {}
    page = items[start:start + limit]
    headers: dict[str, str] = {}
    if start + limit < len(items):
        params = {k: v for k, v in request.args.items() if k not in ("limit", "from")}
        next_url = with_query(public_url, **params, limit=limit, **{"from": start + limit})
        headers["Link"] = f'<{next_url}>; rel="next"'
    return page, headers


# -- JWKS ------------------------------------------------------------------------------------------
def jwks() -> Response:
    return json_response(current_state().keys.jwks())


# -- token endpoint --------------------------------------------------------------------------------
def token() -> Response:
    state = current_state()
    cfg = state.config
    form = request.form
    if form.get("grant_type") != "client_credentials":
        return error(400, "unsupported_grant_type", f"grant_type {form.get('grant_type')!r}")
    if form.get("client_assertion_type") != JWT_BEARER:
        return error(400, "invalid_request", f"client_assertion_type must be {JWT_BEARER}")
    assertion = form.get("client_assertion")
    if not assertion:
        return error(400, "invalid_request", "client_assertion is missing")
    if not form.get("scope"):
        return error(400, "invalid_request", "scope is missing")
    try:
        claims = verify_tool_jwt(
            assertion, fetch_jwks(cfg.tool.jwks_url, cfg.http_timeout), issuer=cfg.client_id,
            check_sub=cfg.client_id, audience=cfg.auth_token_url, now=cfg.clock(),
            required=("iss", "sub", "aud", "exp", "iat", "jti"),
        )
    except ToolJWTError as exc:  # the description starts with the failed check, e.g. "jwt_aud_mismatch: …"
        return json_response({"error": "invalid_client", "error_description": str(exc)}, 400)
    allowed = [*AGS_SCOPES, NRPS_SCOPE]
    granted = [s for s in form["scope"].split() if s in allowed]
    if not granted:
        return error(400, "invalid_scope", f"none of {form['scope']!r} is offered")
    with state.lock:
        if claims["jti"] in state.used_jtis:
            reused = "jwt_jti_reused: this client_assertion was already used"
            return json_response({"error": "invalid_client", "error_description": reused}, 400)
        state.used_jtis.add(claims["jti"])
        issued = AccessToken(secrets.token_urlsafe(24), frozenset(granted), cfg.clock() + TOKEN_LIFETIME)
        state.access_tokens[issued.token] = issued
    return json_response({
        "access_token": issued.token,
        # Moodle answers "Bearer", lti_consumer "bearer": tools must compare case-insensitively.
        "token_type": "Bearer" if cfg.profile == "moodle" else "bearer",
        "expires_in": TOKEN_LIFETIME,
        "scope": " ".join(granted),
    })


# -- NRPS ------------------------------------------------------------------------------------------
def memberships() -> Response:
    granted = require_scope(NRPS_SCOPE)
    if isinstance(granted, Response):
        return granted
    state = current_state()
    cfg = state.config
    role = request.args.get("role")
    members = []
    for user in state.users.values():
        roles = roles_for(state, user)
        if role and not any(r == role or r.endswith("#" + role) for r in roles):
            continue
        member: dict[str, Any] = {"status": "Active", "user_id": state.subject(user), "roles": roles}
        if cfg.pii:
            member.update(name=user.name, email=user.email)
            if cfg.profile == "moodle":
                member.update(given_name=user.given_name, family_name=user.family_name)
        members.append(member)
    paged = paginate(members, cfg.memberships_url)
    if isinstance(paged, Response):
        return paged
    page, headers = paged
    body = {
        "id": with_query(cfg.memberships_url, **request.args),
        "context": {"id": state.context_id, "label": state.course.label, "title": state.course.title},
        "members": list(page),
    }
    return json_response(body, mimetype=NRPS_MEDIA, headers=headers)


def make_blueprint(cfg: PlatformConfig) -> Blueprint:
    bp = Blueprint("devlms_services", __name__)
    bp.add_url_rule(cfg.paths.jwks, "jwks", jwks, methods=["GET"])
    bp.add_url_rule(cfg.paths.token, "token", token, methods=["POST"])
    bp.add_url_rule(cfg.paths.memberships, "memberships", memberships, methods=["GET"])
    return bp
