"""LTI Dynamic Registration 1.0 (1EdTech LTI-DR): a Moodle admin pastes /lti/register and is done.

Moodle opens the URL with `openid_configuration` and `registration_token`; we fetch the platform
configuration, POST our registration, store the platform and its deployment, and tell the opener
to close (platform-facts: `{"subject":"org.imsglobal.lti.close"}`).
"""

from __future__ import annotations

import logging
import os
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Blueprint, current_app, render_template, request
from pylti1p3.dynamic_registration import DynamicRegistration
from sqlalchemy import select

from ..extensions import db
from ..i18n import current_lang
from ..models import Deployment, Platform
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


class YanxiuRegistration(DynamicRegistration):  # type: ignore[misc]
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
        return urlsplit(self.urls["launch_url"]).netloc

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


@bp.route("/lti/register", methods=["GET"])
def register() -> Any:
    from .views import tool_urls

    config_url = request.args.get("openid_configuration", "")
    token = request.args.get("registration_token")
    if not config_url.startswith(("https://", "http://")):
        raise LtiError("missing_param", "openid_configuration")
    session = requests.Session()
    platform_conf = _get_json(session, "GET", config_url)
    issuer = str(platform_conf.get("issuer") or "")
    # LTI-DR 3.5.1: the configuration must come from under the issuer it names.
    if not issuer or not config_url.startswith(issuer.rstrip("/") + "/"):
        raise LtiError("registration_failed", f"issuer {issuer!r} does not match {config_url}")
    if not _allowed(issuer):
        raise LtiError("registration_failed", f"issuer {issuer} is not in the allow-list")
    for field in ("registration_endpoint", "authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not platform_conf.get(field):
            raise LtiError("registration_failed", f"openid configuration lacks {field}")
    if PLATFORM_CONF not in platform_conf:
        raise LtiError("registration_failed", f"openid configuration lacks {PLATFORM_CONF}")

    body = YanxiuRegistration(tool_urls()).registration_body()
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    answer = _get_json(session, "POST", platform_conf["registration_endpoint"], json=body, headers=headers)
    client_id = answer.get("client_id")
    deployment_id = (answer.get(TOOL_CONF) or {}).get("deployment_id")
    if not client_id:
        raise LtiError("registration_failed", "the platform answered without client_id")

    platform = db.session.scalars(
        select(Platform).where(Platform.issuer == issuer, Platform.client_id == client_id)
    ).first()
    if platform is None:
        product = (platform_conf.get(PLATFORM_CONF) or {}).get("product_family_code", "other")
        platform = Platform(name=f"{product} {urlsplit(issuer).netloc}", issuer=issuer, client_id=client_id,
                            kind=product if product in ("moodle", "openedx") else "other")
        db.session.add(platform)
    platform.auth_login_url = platform_conf["authorization_endpoint"]
    platform.auth_token_url = platform_conf["token_endpoint"]
    platform.key_set_url = platform_conf["jwks_uri"]
    platform.auth_audience = platform_conf.get("authorization_server") or None
    db.session.flush()
    if deployment_id and str(deployment_id) not in platform.deployment_ids:
        platform.deployments.append(Deployment(deployment_id=str(deployment_id)))
    db.session.commit()
    log.info("lti_registered issuer=%s client_id=%s deployment=%s", issuer, client_id, deployment_id)
    return render_template(
        "lti/registered.html", platform=platform, deployment_id=deployment_id, lang=current_lang(), csp_nonce=""
    )
