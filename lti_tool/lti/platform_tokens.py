"""OAuth2 access tokens from a platform for LTI Advantage services (AGS, NRPS).

Client-credentials grant with a signed JWT client assertion (RS256, the tool's current key), as
1EdTech Security Framework §4.1 and both Moodle and Open edX require. Tokens are cached in the
database until shortly before they expire: platforms rate-limit token requests, and several worker
processes share the cache. The token never appears in logs or error messages.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import requests
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import AccessToken, Platform

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
EARLY_RENEWAL = timedelta(seconds=60)


class ServiceError(Exception):
    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(message)
        self.status = status


def _scope_key(scopes: list[str]) -> str:
    return " ".join(sorted(set(scopes)))


def _assertion(platform: Platform, now: datetime) -> str:
    keys = current_app.extensions["yanxiu"].keys
    key = keys.signing_key()
    claims = {"iss": platform.client_id, "sub": platform.client_id,
              "aud": platform.auth_audience or platform.auth_token_url, "iat": int(now.timestamp()),
              "exp": int((now + timedelta(minutes=5)).timestamp()), "jti": str(uuid.uuid4())}
    return jwt.encode(claims, keys.private_key(key), algorithm="RS256", headers={"kid": key.kid})


def access_token(platform: Platform, scopes: list[str], http: Any = None, *, fresh: bool = False) -> str:
    """A valid token for `scopes`: the cached one, or a new one from the platform's token URL."""
    now = datetime.now(UTC)
    key = _scope_key(scopes)
    cached = db.session.scalars(select(AccessToken).where(AccessToken.platform_id == platform.id,
                                                          AccessToken.scopes == key)).first()
    if cached is not None and not fresh and cached.expires_at - EARLY_RENEWAL > now:
        return cached.token
    http = http or requests
    try:
        response = http.post(platform.auth_token_url, data={
            "grant_type": "client_credentials", "client_assertion_type": JWT_BEARER,
            "client_assertion": _assertion(platform, now), "scope": key,
        }, timeout=current_app.config["LTI_HTTP_TIMEOUT_SECONDS"])
    except requests.RequestException as exc:
        raise ServiceError(None, f"token endpoint unreachable: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise ServiceError(response.status_code, f"token endpoint answered {response.status_code}: "
                                                 f"{error_text(response)}")
    try:
        body = response.json()
        token, lifetime = str(body["access_token"]), int(body.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError):
        raise ServiceError(response.status_code, "token endpoint sent no access_token") from None
    expires = now + timedelta(seconds=max(lifetime, 1))
    if cached is None:
        db.session.add(AccessToken(platform_id=platform.id, scopes=key, token=token, expires_at=expires))
    else:
        cached.token, cached.expires_at = token, expires
    db.session.commit()
    return token


def forget_token(platform: Platform, scopes: list[str]) -> None:
    for row in db.session.scalars(select(AccessToken).where(AccessToken.platform_id == platform.id,
                                                            AccessToken.scopes == _scope_key(scopes))):
        db.session.delete(row)
    db.session.commit()


def error_text(response: Any) -> str:
    """The platform's reason, short, never echoing a bearer token back."""
    try:
        body = response.json()
        text = str(body.get("error_description") or body.get("error") or "")
    except ValueError:
        text = response.text or ""
    return text[:200].replace("Bearer ", "Bearer …")


def call(platform: Platform, scopes: list[str], method: str, url: str, *, json_body: Any = None,
         content_type: str | None = None, accept: str | None = None, http: Any = None) -> Any:
    """One service request with a cached token; a 401 gets one retry with a new token."""
    http = http or requests
    for attempt in (1, 2):
        token = access_token(platform, scopes, http, fresh=attempt == 2)
        headers = {"Authorization": f"Bearer {token}"}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        try:
            response = http.request(method, url, json=json_body, headers=headers,
                                    timeout=current_app.config["LTI_HTTP_TIMEOUT_SECONDS"])
        except requests.RequestException as exc:
            raise ServiceError(None, f"{method} {url}: {type(exc).__name__}") from None
        if response.status_code == 401 and attempt == 1:
            forget_token(platform, scopes)
            continue
        if response.status_code >= 300:
            raise ServiceError(response.status_code, f"{method} {url} answered {response.status_code}: "
                                                     f"{error_text(response)}")
        return response
    raise AssertionError("unreachable")
