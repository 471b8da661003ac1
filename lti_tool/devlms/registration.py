"""LTI Dynamic Registration 1.0, Moodle side (moodle profile only; Open edX has none).

GET the openid configuration; POST a registration with `Authorization: Bearer <registration token>`
(one-time tokens from `state.new_registration_token()`). The body is checked strictly; refusals are
400 JSON `{"error": reason, "error_description": "reason: detail"}`, 401 for a bad token.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, request

from .config import PlatformConfig
from .services import current_state, error, json_response
from .state import PlatformState
from .tokens import AGS_SCOPES, MOODLE_VERSION, NRPS_SCOPE

TOOL_CONF = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONF = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_SETTINGS_SCOPE = "https://purl.imsglobal.org/spec/lti-ts/scope/toolsetting"
MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")


def openid_configuration() -> Response:
    cfg = current_state().config
    return json_response({
        "issuer": cfg.issuer,
        "authorization_endpoint": cfg.auth_login_url,
        "registration_endpoint": cfg.registration_endpoint_url,
        "jwks_uri": cfg.key_set_url,
        "token_endpoint": cfg.auth_token_url,
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "scopes_supported": [*AGS_SCOPES, NRPS_SCOPE, TOOL_SETTINGS_SCOPE, "openid"],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
        PLATFORM_CONF: {
            "product_family_code": "moodle",
            "version": MOODLE_VERSION,
            "messages_supported": [{"type": "LtiResourceLinkRequest"},
                                   {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]}],
            "variables": ["basic-lti-launch-request", "Context.id", "Person.address.street1",
                          "Person.address.locality", "Person.name.full", "Person.email.primary",
                          "User.id", "User.username", "ResourceLink.id", "ResourceLink.title"],
        },
    })


def _is_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _in_domain(url: str, domain: str) -> bool:
    parts = urlsplit(url)
    return domain in (parts.netloc, parts.hostname)


def validate(body: dict[str, Any]) -> tuple[str, str] | None:
    """The first problem with a registration request as (reason, detail), or None."""
    if body.get("application_type") != "web":
        return "application_type_not_web", f"got {body.get('application_type')!r}"
    if not isinstance(body.get("response_types"), list) or "id_token" not in body["response_types"]:
        return "response_types_invalid", "response_types must include id_token"
    grants = body.get("grant_types")
    if not isinstance(grants, list) or not {"implicit", "client_credentials"} <= set(grants):
        return "grant_types_incomplete", "grant_types must include implicit and client_credentials"
    if not _is_url(body.get("initiate_login_uri")):
        return "initiate_login_uri_invalid", "initiate_login_uri must be an absolute URL"
    uris = body.get("redirect_uris")
    if not isinstance(uris, list) or not uris or not all(_is_url(u) for u in uris):
        return "redirect_uris_invalid", "redirect_uris must be a non-empty list of absolute URLs"
    if not isinstance(body.get("client_name"), str) or not body["client_name"].strip():
        return "client_name_missing", "client_name is required"
    if not _is_url(body.get("jwks_uri")):
        return "jwks_uri_invalid", "jwks_uri must be an absolute URL"
    if body.get("token_endpoint_auth_method") != "private_key_jwt":
        return "token_endpoint_auth_method_invalid", "token_endpoint_auth_method must be private_key_jwt"
    if not isinstance(body.get("scope"), str):
        return "scope_missing", "scope must be a space-separated string"
    conf = body.get(TOOL_CONF)
    if not isinstance(conf, dict):
        return "tool_configuration_missing", f"the {TOOL_CONF} object is required"
    domain = conf.get("domain")
    if not isinstance(domain, str) or not domain:
        return "domain_missing", "the tool configuration needs a domain"
    if not _is_url(conf.get("target_link_uri")) or not _in_domain(conf["target_link_uri"], domain):
        return "target_link_uri_invalid", "target_link_uri must be an absolute URL within the domain"
    claims = conf.get("claims")
    if not isinstance(claims, list) or not all(isinstance(c, str) for c in claims):
        return "claims_invalid", "claims must be a list of claim names"
    messages = conf.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages_invalid", "messages must be a non-empty list"
    for message in messages:
        if not isinstance(message, dict) or message.get("type") not in MESSAGE_TYPES:
            return "messages_invalid", f"each message needs a type among {', '.join(MESSAGE_TYPES)}"
        if "target_link_uri" in message and not _in_domain(str(message["target_link_uri"]), domain):
            return "messages_invalid", "a message's target_link_uri is outside the domain"
    custom = conf.get("custom_parameters", {})
    if not isinstance(custom, dict) or not all(isinstance(v, str) for v in custom.values()):
        return "custom_parameters_invalid", "custom_parameters must map names to strings"
    return None


def _token_entry(state: PlatformState) -> dict[str, Any] | None:
    """The registration token's record if the request carries a valid, unused one (caller holds lock)."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    entry = state.registration_tokens.get(header[7:].strip())
    if entry is None or entry["used"] or entry["expires_at"] <= state.config.clock():
        return None
    return entry


def register() -> Response:
    state = current_state()
    with state.lock:
        if _token_entry(state) is None:
            return error(401, "registration_token_invalid", "a valid, unused registration token is required")
    body = request.get_json(silent=True) if request.mimetype == "application/json" else None
    if not isinstance(body, dict):
        return error(400, "invalid_json", "the body must be a JSON object sent as application/json")
    problem = validate(body)
    if problem:
        return error(400, *problem)
    offered = {*AGS_SCOPES, NRPS_SCOPE, TOOL_SETTINGS_SCOPE}
    with state.lock:
        entry = _token_entry(state)
        if entry is None:  # spent by a concurrent request
            return error(401, "registration_token_invalid", "a valid, unused registration token is required")
        entry["used"] = True
        number = len(state.registrations) + 1
        client_id = f"devlms-reg-{number}"
        deployment_id = str(100 + number)
        response = {
            **body,
            "client_id": client_id,
            "scope": " ".join(s for s in body["scope"].split() if s in offered),
            TOOL_CONF: {**body[TOOL_CONF], "deployment_id": deployment_id},
        }
        state.registrations.append({"request": body, "response": response, "client_id": client_id,
                                    "deployment_id": deployment_id})
    return json_response(response)


def make_blueprint(cfg: PlatformConfig) -> Blueprint:
    bp = Blueprint("devlms_registration", __name__)
    if cfg.paths.openid_configuration and cfg.paths.registration:
        bp.add_url_rule(cfg.paths.openid_configuration, "openid_configuration", openid_configuration)
        bp.add_url_rule(cfg.paths.registration, "register", register, methods=["POST"])
    return bp
