"""`create_platform_app`: the simulated LMS as a plain Flask (WSGI) app. Nothing runs on import."""

from __future__ import annotations

import os
import secrets
import threading
import time
from typing import Literal

from flask import Flask, Response, jsonify, request

from . import ags, auth, deeplink, media, pages, registration, services
from .config import PlatformConfig
from .state import PlatformState

Purpose = Literal["test", "demo"]


def create_platform_app(config: PlatformConfig, purpose: Purpose = "test") -> Flask:
    """Build the platform. `purpose="demo"` is refused when YANXIU_ENV is production (its default).

    `purpose="test"` is always allowed: test suites run with YANXIU_ENV unset. The tool itself only
    imports this package in development/demo mode; this check is the second lock on the door.
    """
    if purpose not in ("test", "demo"):
        raise ValueError("purpose must be 'test' or 'demo'")
    if purpose == "demo" and os.environ.get("YANXIU_ENV", "production") == "production":
        raise RuntimeError("the development LMS is never served in production (YANXIU_ENV=production)")
    # Own template folder (templates/devlms/...) and no static route, so nothing clashes with the tool.
    app = Flask(__name__, template_folder="templates", static_folder=None)
    app.secret_key = config.secret_key or secrets.token_hex(32)
    # A distinct cookie name: browsers and requests share cookies across ports of 127.0.0.1.
    app.config.update(SESSION_COOKIE_NAME="devlms_session", SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_HTTPONLY=True)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    state = PlatformState(config)
    app.extensions["devlms"] = state

    @app.before_request
    def _injected_failure() -> Response | None:
        path = request.script_root + request.full_path
        barrier = state.take_hold(path)
        if barrier is not None:
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                resp = jsonify({"error": "held_requests_apart", "error_description":
                                f"held_requests_apart: fewer than {barrier.parties} requests came at once"})
                resp.status_code = 503
                return resp
        pause = state.delay_for(path)
        if pause > 0:
            time.sleep(pause)
        rule = state.take_failure(path)
        if rule is None:
            return None
        resp = jsonify({"error": "injected_failure", "error_description": f"injected_failure: {rule.status}"})
        resp.status_code = rule.status
        if rule.status == 401:
            resp.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        resp.headers.update(rule.headers)
        return resp

    @app.after_request
    def _log(resp: Response) -> Response:
        with state.lock:
            state.request_log.append((request.method, request.script_root + request.full_path.rstrip("?"),
                                      resp.status_code))
        return resp

    for module in (pages, auth, services, ags, deeplink, registration, media):
        app.register_blueprint(module.make_blueprint(config), url_prefix=config.url_prefix or None)
    return app
