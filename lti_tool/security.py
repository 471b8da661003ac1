"""CSRF for the tool's own forms, the session's view of the current user, and role checks."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, g, request, session

F = TypeVar("F", bound=Callable[..., Any])

CSRF_FIELD = "csrf_token"
# Endpoints that receive cross-site posts by design: the platform's form posts (protected by
# state + nonce + signature) and Basic-auth APIs.
CSRF_EXEMPT_ENDPOINTS: set[str] = {"lti.login", "lti.launch", "lti.deep_link"}
CSRF_EXEMPT_PREFIXES = ("xapi_api.", "devlms")


def new_csrf_token() -> str:
    token = session["_csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_token() -> str:
    token = session.get("_csrf")
    return str(token) if token else new_csrf_token()


def _check_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    endpoint = request.endpoint or ""
    if endpoint in CSRF_EXEMPT_ENDPOINTS or endpoint.startswith(CSRF_EXEMPT_PREFIXES):
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("_csrf") or ""
    if not expected or not hmac.compare_digest(str(sent), str(expected)):
        abort(400, description="CSRF token missing or invalid / 表单已过期，请刷新页面后重试")


def _check_nul() -> None:
    """Refuse NUL in any field, query parameter or file name: PostgreSQL's text cannot hold it (every
    form that stored one was a 500 there), and nobody types it. Both databases answer alike."""
    if (request.endpoint or "").startswith("xapi_api."):
        return  # the xAPI API words its own errors (statements/query.py, xapi.parse_json)
    fields = list(request.args.items(multi=True))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        fields += request.form.items(multi=True)
        fields += ((name, upload.filename or "") for name, upload in request.files.items(multi=True))
    for name, value in fields:
        if "\x00" in name or "\x00" in value:
            field = name.replace("\x00", "\\0")
            abort(400, description=f"{field}: 不能含有空字符 (U+0000) / must not contain the NUL character (U+0000)")


def init_security(app: Flask) -> None:
    app.before_request(_check_csrf)
    app.before_request(_check_nul)
    app.jinja_env.globals["csrf_token"] = csrf_token


def current_user_id() -> int | None:
    uid = session.get("uid")
    return int(uid) if uid is not None else None


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        uid = current_user_id()
        if uid is None:
            abort(401)
        g.uid = uid
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
