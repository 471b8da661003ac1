"""LTI Dynamic Registration 1.0 (1EdTech LTI-DR): a Moodle admin pastes /lti/register and is done.

Moodle opens the URL with `openid_configuration` and `registration_token`; we fetch the platform
configuration, POST our registration, store the platform and its deployment, and tell the opener
to close (platform-facts: `{"subject":"org.imsglobal.lti.close"}`).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Blueprint, current_app, render_template, request
from pylti1p3.dynamic_registration import DynamicRegistration
from sqlalchemy import select

from ..extensions import db
from ..i18n import current_lang
from ..models import Deployment, Platform
from .claims import column_length, text_problem
from .errors import LtiError

bp = Blueprint("registration", __name__)
log = logging.getLogger("yanxiu.lti")

TOOL_CONF = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONF = "https://purl.imsglobal.org/spec/lti-platform-configuration"
SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]


class YanxiuRegistration(DynamicRegistration):
    client_name = "研修 Yanxiu"
    description = "教师工作坊研修：视频学习、讨论、作业、线下研修与成绩回传"

    def __init__(self, urls: dict[str, Any]) -> None:
        self.urls = urls

    def get_initiate_login_uri(self) -> str:
        return str(self.urls["login_url"])

    def get_jwks_uri(self) -> str:
        return str(self.urls["jwks_url"])

    def get_redirect_uris(self) -> list[str]:
        return list(self.urls["redirect_uris"])

    def get_scopes(self) -> list[str]:
        return SCOPES

    def get_domain(self) -> str:
        return urlsplit(str(self.urls["launch_url"])).netloc

    def get_target_link_uri(self) -> str:
        return str(self.urls["launch_url"])

    def get_claims(self) -> list[str]:
        return ["iss", "sub", "name", "given_name", "family_name", "email", "locale"]

    def get_messages(self) -> list[dict[str, Any]]:
        return [
            {"type": "LtiResourceLinkRequest", "target_link_uri": self.urls["launch_url"]},
            {
                "type": "LtiDeepLinkingRequest",
                "target_link_uri": self.urls["deep_link_url"],
                "label": "插入研修工作坊 / Insert a Yanxiu workshop",
                "placements": ["ContentArea"],
            },
        ]

    def get_logo_uri(self) -> str:
        return str(self.urls["launch_url"]).rsplit("/lti/", 1)[0] + "/static/logo.svg"

    def registration_body(self) -> dict[str, Any]:
        data: dict[str, Any] = self.lti_registration_data()
        data[TOOL_CONF]["custom_parameters"] = {
            "school": "$Person.address.street1",
            "town": "$Person.address.locality",
        }
        return data


def _allowed(issuer: str) -> bool:
    """Optional allow-list (YANXIU_REGISTRATION_ALLOWED_ISSUERS, comma-separated prefixes)."""
    allowed = [p.strip() for p in os.environ.get("YANXIU_REGISTRATION_ALLOWED_ISSUERS", "").split(",") if p.strip()]
    return not allowed or any(issuer.startswith(prefix) for prefix in allowed)


def _get_json(session: requests.Session, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    timeout = current_app.config["LTI_HTTP_TIMEOUT_SECONDS"]
    try:
        resp = session.request(method, url, timeout=timeout, **kwargs)
    except requests.RequestException as exc:
        raise LtiError("registration_failed", f"{url}: {type(exc).__name__}") from None
    if not resp.ok:
        raise LtiError("registration_failed", f"{url} answered HTTP {resp.status_code}: {resp.text[:200]}")
    try:
        body = resp.json()
    except ValueError:
        raise LtiError("registration_failed", f"{url} did not return JSON") from None
    if not isinstance(body, dict):
        raise LtiError("registration_failed", f"{url} did not return a JSON object")
    return body


def _kind(value: Any) -> str:
    """How a JSON value looks, for an error that tells the platform's admin what was sent."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return "a string"


def _text(where: str, field: str, value: Any, limit: int | None) -> str:
    """A non-empty string we can store as sent, or a refusal naming `field`: the launch's own rules
    (claims.text_problem: no NUL, no lone surrogate, within its column). Identifiers and URLs are
    never clipped: a clipped one would silently fail to match at launch."""
    if not isinstance(value, str) or not value:
        shown = "an empty string" if value == "" else _kind(value)
        raise LtiError("registration_failed", f"{where}: {field} must be a non-empty string, not {shown}")
    problem = text_problem(value, limit)
    if problem is not None:
        raise LtiError("registration_failed", f"{where}: {field} {problem}")
    return value


def _url(where: str, field: str, value: Any, limit: int | None) -> str:
    """An http(s) URL with a host: the tool will call it (or send browsers to it) later."""
    text = _text(where, field, value, limit)
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() or not c.isprintable() for c in text)
    ):
        raise LtiError("registration_failed", f"{where}: {field} is not an http(s) URL: {text[:200]!r}")
    return text


def _object(where: str, field: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise LtiError("registration_failed", f"{where}: {field} must be a JSON object, not {_kind(value)}")
    return value


@dataclass(frozen=True)
class PlatformFacts:
    """What we keep from the platform's openid configuration (LTI-DR 3.4), every value checked."""

    issuer: str
    registration_endpoint: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    authorization_server: str | None
    product: str


def _platform_facts(conf: dict[str, Any], config_url: str) -> PlatformFacts:
    where = "openid configuration"
    # An http(s) URL with a host: a bare "https:" would otherwise prefix-match any configuration URL.
    issuer = _url(where, "issuer", conf.get("issuer"), column_length(Platform.issuer))
    # LTI-DR 3.5.1: the configuration must come from under the issuer it names.
    if not config_url.startswith(issuer.rstrip("/") + "/"):
        raise LtiError("registration_failed", f"issuer {issuer!r} does not match {config_url}")
    for field in ("registration_endpoint", "authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not conf.get(field):
            raise LtiError("registration_failed", f"{where} lacks {field}")
    if PLATFORM_CONF not in conf:
        raise LtiError("registration_failed", f"{where} lacks {PLATFORM_CONF}")
    lti_conf = _object(where, PLATFORM_CONF, conf[PLATFORM_CONF])
    # product_family_code only names the platform and picks its kind; "other" when it is absent.
    product = lti_conf.get("product_family_code")
    server = conf.get("authorization_server")
    return PlatformFacts(
        issuer=issuer,
        # Not stored, but we POST our registration there: the same limit as the stored endpoints.
        registration_endpoint=_url(
            where, "registration_endpoint", conf["registration_endpoint"], column_length(Platform.auth_login_url)
        ),
        authorization_endpoint=_url(
            where, "authorization_endpoint", conf["authorization_endpoint"], column_length(Platform.auth_login_url)
        ),
        token_endpoint=_url(where, "token_endpoint", conf["token_endpoint"], column_length(Platform.auth_token_url)),
        jwks_uri=_url(where, "jwks_uri", conf["jwks_uri"], column_length(Platform.key_set_url)),
        # The audience of our token requests (LTI-DR 3.4): any string, often but not always a URL.
        authorization_server=None
        if server in (None, "")
        else _text(where, "authorization_server", server, column_length(Platform.auth_audience)),
        # A display name, so no length limit here: it is clipped to its column where it is used.
        product="other" if product is None else _text(PLATFORM_CONF, "product_family_code", product, None),
    )


def _registration_facts(answer: dict[str, Any]) -> tuple[str, str | None]:
    """(client_id, deployment_id or None) from the platform's registration response (LTI-DR 3.6).

    A number is refused, not taken as its decimal text: the spec (and RFC 7591) make both ids
    strings, the platform will send them as strings in every launch's id_token, and the text of a
    number is a guess (2**70, 1.5, true, 1e3) that would only fail later, at launch, as an unknown
    platform; refused now, the admin sees the reason where they are looking.
    """
    where = "registration response"
    if answer.get("client_id") in (None, ""):
        raise LtiError("registration_failed", "the platform answered without client_id")
    client_id = _text(where, "client_id", answer["client_id"], column_length(Platform.client_id))
    tool_conf = answer.get(TOOL_CONF)
    if tool_conf is None:
        return client_id, None
    deployment_id = _object(where, TOOL_CONF, tool_conf).get("deployment_id")
    if deployment_id in (None, ""):
        return client_id, None
    return client_id, _text(TOOL_CONF, "deployment_id", deployment_id, column_length(Deployment.deployment_id))


def _bearer(token: str | None) -> str | None:
    """The registration token, which goes into an HTTP header: visible ASCII only (RFC 6750's b64token
    is a subset). Anything else made requests fail with a 500 (UnicodeEncodeError for the latin-1
    header) or sent a broken header. The token is a credential: the refusal does not repeat it."""
    if not token:
        return None
    if not all("\x21" <= c <= "\x7e" for c in token):
        raise LtiError("registration_failed", "registration_token must be printable ASCII without spaces")
    return token


@bp.route("/lti/register", methods=["GET"])
def register() -> Any:
    from .views import tool_urls

    config_url = request.args.get("openid_configuration", "")
    token = _bearer(request.args.get("registration_token"))
    if not config_url.startswith(("https://", "http://")):
        raise LtiError("missing_param", "openid_configuration")
    session = requests.Session()
    # Every value from the platform's two documents is checked before it is used or stored, so a
    # refusal leaves nothing behind.
    facts = _platform_facts(_get_json(session, "GET", config_url), config_url)
    if not _allowed(facts.issuer):
        raise LtiError("registration_failed", f"issuer {facts.issuer} is not in the allow-list")

    body = YanxiuRegistration(tool_urls()).registration_body()
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    answer = _get_json(session, "POST", facts.registration_endpoint, json=body, headers=headers)
    client_id, deployment_id = _registration_facts(answer)

    platform = db.session.scalars(
        select(Platform).where(Platform.issuer == facts.issuer, Platform.client_id == client_id)
    ).first()
    if platform is None:
        name = f"{facts.product} {urlsplit(facts.issuer).netloc}"[: column_length(Platform.name)]
        platform = Platform(
            name=name,
            issuer=facts.issuer,
            client_id=client_id,
            kind=facts.product if facts.product in ("moodle", "openedx") else "other",
        )
        db.session.add(platform)
    platform.auth_login_url = facts.authorization_endpoint
    platform.auth_token_url = facts.token_endpoint
    platform.key_set_url = facts.jwks_uri
    platform.auth_audience = facts.authorization_server
    db.session.flush()
    if deployment_id and deployment_id not in platform.deployment_ids:
        platform.deployments.append(Deployment(deployment_id=deployment_id))
    db.session.commit()
    log.info("lti_registered issuer=%s client_id=%s deployment=%s", facts.issuer, client_id, deployment_id)
    return render_template(
        "lti/registered.html", platform=platform, deployment_id=deployment_id, lang=current_lang()
    )
