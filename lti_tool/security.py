"""CSRF for the tool's own forms, the Content-Security-Policy of its pages, the session's view of
the current user, and role checks."""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, abort, g, request, session

F = TypeVar("F", bound=Callable[..., Any])

CSRF_FIELD = "csrf_token"
# Endpoints that receive cross-site posts by design: the platform's form posts (protected by
# state + nonce + signature) and Basic-auth APIs.
CSRF_EXEMPT_ENDPOINTS: set[str] = {"lti.login", "lti.launch", "lti.deep_link"}
CSRF_EXEMPT_PREFIXES = ("xapi_api.", "devlms")


def new_csrf_token() -> str:
    """A new CSRF secret for this session (at each launch); pages carry it masked (`csrf_token`)."""
    token = session["_csrf"] = secrets.token_urlsafe(32)
    g.pop("_csrf_masked", None)
    return token


def csrf_token() -> str:
    """The session's CSRF secret under a random mask (pad + pad XOR secret), as Django masks its
    own: a new mask for each response, so a compressed HTTPS page (Nginx gzips them,
    deploy/nginx-yanxiu.conf) cannot give the secret away a character at a time to someone who can
    make the page reflect guesses and watch its size (BREACH). One mask for all the forms of one
    response: the people page of a city workshop has hundreds, and a token each (random, so
    incompressible) made it tens of kilobytes heavier as sent."""
    masked = g.get("_csrf_masked")
    if masked is None:
        secret = session.get("_csrf")
        plain = (str(secret) if secret else new_csrf_token()).encode()
        pad = secrets.token_bytes(len(plain))
        masked = base64.urlsafe_b64encode(pad + bytes(a ^ b for a, b in zip(pad, plain, strict=True))).decode()
        g._csrf_masked = masked
    return str(masked)


def _unmasked(sent: str) -> bytes | None:
    """The secret inside a masked token, or None for anything that cannot be one."""
    try:
        raw = base64.urlsafe_b64decode(sent.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    half = len(raw) // 2
    if half == 0 or len(raw) % 2:
        return None
    return bytes(a ^ b for a, b in zip(raw[:half], raw[half:], strict=True))


def _check_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    endpoint = request.endpoint or ""
    if endpoint in CSRF_EXEMPT_ENDPOINTS or endpoint.startswith(CSRF_EXEMPT_PREFIXES):
        return
    if not session.get("_csrf"):
        # No session at all (it expired, or the browser dropped its cookie): no page of ours can be
        # posted any more, and "reload the page" would only show that. The launch makes a new one;
        # the browser's Back still holds what was typed.
        abort(401, description="会话已过期：请回到课程重新进入（浏览器的“返回”里还有刚才填写的内容，可先复制） / "
                               "Session expired: open this again from the course (the browser's Back still holds "
                               "what you typed, to copy first)")
    sent = str(request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or "")
    expected = str(session.get("_csrf") or "").encode()
    unmasked = _unmasked(sent)
    # The bare secret is taken too: pages rendered before tokens were masked still post it, and it
    # gives nothing away (it is what the session holds).
    if not expected or not (hmac.compare_digest(sent.encode("utf-8", "replace"), expected)
                            or (unmasked is not None and hmac.compare_digest(unmasked, expected))):
        abort(400, description="表单已过期，请刷新页面后重试 / The form has expired (CSRF token missing or invalid): "
                           "reload the page and try again")


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


def csp_nonce() -> str:
    """This response's nonce for its inline scripts: only the LTI hand-off pages have any (one line
    each: post the deep-linking answer, open a new window, close the registration)."""
    nonce = g.get("_csp_nonce")
    if nonce is None:
        nonce = g._csp_nonce = secrets.token_urlsafe(16)
    return str(nonce)


def content_security_policy(nonce: str | None) -> str:
    """A page runs only the tool's own scripts (static/, under the page's origin) and the inline
    script carrying this response's nonce, so text someone managed to slip past the escaping still
    cannot run. 'unsafe-inline' is for browsers without nonces (CSP 1: old phone browsers), which
    would otherwise refuse the hand-off scripts; every browser that knows nonces ignores it.
    Styles may be inline (style attributes in the templates). Videos come from wherever the host
    points (a county media server, often plain HTTP on its own network). No frame-ancestors: the
    LMS frames the tool, from origins only the registered platforms know. No form-action: a
    deep-linking answer posts to the platform."""
    scripts = "'self'" + (f" 'nonce-{nonce}' 'unsafe-inline'" if nonce else "")
    return (f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "media-src 'self' https: http:; object-src 'none'; base-uri 'none'")


def _page_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html" and "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = content_security_policy(g.get("_csp_nonce"))
    return response


def init_security(app: Flask) -> None:
    app.before_request(_check_csrf)
    app.before_request(_check_nul)
    app.after_request(_page_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["csp_nonce"] = csp_nonce


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
