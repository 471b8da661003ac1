"""Third-party-initiated login (GET /launch) and the OIDC authorization endpoint, strict like Moodle.

Each refusal is HTTP 400 with a plain-text body "<reason>: <detail>"; reasons are the constants in
`REASONS`, so tests assert on them. `strict=False` relaxes exactly two checks: the login_hint need
not be the user logged in to the platform (only a known user), and `prompt` may be absent.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, redirect, render_template, request, session

from .config import PlatformConfig
from .services import current_state
from .state import PlatformState
from .tokens import build_claims, sign_id_token

REASONS = (
    "unknown_user", "unknown_message", "unknown_resource_link", "deep_link_not_allowed",
    "scope_not_openid", "response_type_not_id_token", "response_mode_not_form_post", "prompt_not_none",
    "client_id_mismatch", "redirect_uri_not_registered", "login_hint_missing", "login_hint_unknown",
    "login_hint_not_logged_in_user", "lti_message_hint_invalid", "nonce_missing",
)
SESSION_USER = "devlms_login"


class AuthError(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        assert reason in REASONS
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def refusal(exc: AuthError) -> Response:
    return Response(str(exc) + "\n", status=400, mimetype="text/plain")


def launch() -> Any:
    """Log the chosen person in to the platform and start a login at the tool."""
    state = current_state()
    cfg = state.config
    try:
        login = request.args.get("user", "")
        user = state.users.get(login)
        if user is None:
            raise AuthError("unknown_user", f"no demo user {login!r}")
        message = request.args.get("message", "resource")
        if message not in ("resource", "deeplink"):
            raise AuthError("unknown_message", f"message must be resource or deeplink, not {message!r}")
        link_id: str | None = None
        if message == "resource":
            link_id = request.args.get("resource_link") or next(iter(state.resource_links))
            if link_id not in state.resource_links:
                raise AuthError("unknown_resource_link", f"no resource link {link_id!r}")
        elif user.role not in ("host", "admin"):
            raise AuthError("deep_link_not_allowed", "only the host or an admin may add content")
    except AuthError as exc:
        return refusal(exc)
    session[SESSION_USER] = user.login
    hint = state.issue_hint(user.login, message, link_id)
    link = state.resource_links.get(link_id or "")
    if message == "deeplink":
        target = cfg.tool.deep_link_url or cfg.tool.launch_url
    else:
        target = (link.url if link else None) or cfg.tool.launch_url
    params = {
        "iss": cfg.issuer,
        "target_link_uri": target,
        "login_hint": state.subject(user),
        "lti_message_hint": hint.id,
        "client_id": cfg.client_id,
        "lti_deployment_id": cfg.deployment_id,
    }
    if cfg.profile == "openedx":  # lti_consumer redirects with a query string
        sep = "&" if "?" in cfg.tool.login_url else "?"
        return redirect(cfg.tool.login_url + sep + urlencode(params), code=302)
    # Moodle posts an auto-submitting form to the tool's initiate-login URL.
    return render_template("devlms/autopost.html", action=cfg.tool.login_url, fields=params,
                           title="正在进入工具… / Launching…")


def _check(cfg: PlatformConfig, state: PlatformState, p: Any) -> tuple[Any, Any]:
    scopes = (p.get("scope") or "").split()
    if "openid" not in scopes:
        raise AuthError("scope_not_openid", f"scope must contain openid, got {p.get('scope')!r}")
    if p.get("response_type") != "id_token":
        raise AuthError("response_type_not_id_token", f"got {p.get('response_type')!r}")
    if p.get("response_mode") != "form_post":
        raise AuthError("response_mode_not_form_post", f"got {p.get('response_mode')!r}")
    if p.get("prompt") != "none" and (cfg.strict or p.get("prompt") is not None):
        raise AuthError("prompt_not_none", f"got {p.get('prompt')!r}")
    if p.get("client_id") != cfg.client_id:
        raise AuthError("client_id_mismatch", f"got {p.get('client_id')!r}")
    redirect_uri = p.get("redirect_uri")
    if redirect_uri not in list(cfg.tool.redirect_uris):
        raise AuthError("redirect_uri_not_registered", f"{redirect_uri!r} is not one of the registered URIs")
    login_hint = p.get("login_hint")
    if not login_hint:
        raise AuthError("login_hint_missing", "login_hint is required")
    user = state.user_by_subject(login_hint)
    if user is None:
        raise AuthError("login_hint_unknown", f"no user with id {login_hint!r}")
    if cfg.strict and session.get(SESSION_USER) != user.login:
        raise AuthError("login_hint_not_logged_in_user",
                        f"login_hint {login_hint!r} is not the user logged in to the platform")
    hint = state.find_hint(p.get("lti_message_hint") or "")
    if hint is None or hint.login != user.login:
        raise AuthError("lti_message_hint_invalid", "unknown, expired or for another user")
    if not p.get("nonce"):
        raise AuthError("nonce_missing", "nonce is required")
    return user, hint


def authorize() -> Any:
    state = current_state()
    p = request.values
    try:
        user, hint = _check(state.config, state, p)
    except AuthError as exc:
        current_app.logger.info("devlms auth refused: %s", exc.reason)
        return refusal(exc)
    id_token = sign_id_token(state, build_claims(state, user, hint, p["nonce"]))
    fields = {"id_token": id_token}
    if p.get("state") is not None:
        fields["state"] = p["state"]
    return render_template("devlms/autopost.html", action=p["redirect_uri"], fields=fields,
                           title="正在进入工具… / Launching…")


def make_blueprint(cfg: PlatformConfig) -> Blueprint:
    bp = Blueprint("devlms_auth", __name__)
    bp.add_url_rule("/launch", "launch", launch, methods=["GET"])
    bp.add_url_rule(cfg.paths.auth, "authorize", authorize, methods=["GET", "POST"])
    return bp
