"""Yanxiu (研修): the LTI 1.3 tool. `create_app` is the only way to get an application."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, make_response, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import sqlite_setup
from .china import china_time
from .config import load_config
from .extensions import db, migrate
from .i18n import PUNCT, current_lang, in_language, init_babel, t
from .keys import KeyStore
from .lti.jwks import PlatformKeys
from .refused_body import drop_refused_body
from .sessions import IframeSessionInterface


@dataclass
class Services:
    """Services built once per app (never at import time), reachable as app.extensions['yanxiu']."""

    keys: KeyStore
    platform_keys: PlatformKeys
    landing: Any
    extra: dict[str, Any] = field(default_factory=dict)


class DatabaseId(IntegerConverter):
    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    import os

    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("YANXIU_INSTANCE_PATH")
    app = Flask(__name__, instance_path=str(Path(instance_path).resolve()) if instance_path else None,
                instance_relative_config=True)
    app.config.update(load_config(Path(app.instance_path), config))
    app.permanent_session_lifetime = timedelta(hours=12)
    # Write the cookie only when the session changes (launch): with a refresh on every response, a
    # slow parallel request (a favicon) could put back an older cookie and lose the CSRF token.
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    app.session_interface = IframeSessionInterface()
    if app.config["TRUST_PROXY"]:
        # Behind Nginx/TLS: honour X-Forwarded-Proto/Host so cookies get SameSite=None; Secure.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)  # type: ignore[method-assign]

    # Ids in URLs are database integers: a number past 2**31-1 is a 404, not an overflow in the driver.
    app.url_map.converters["int"] = DatabaseId
    db.init_app(app)
    with app.app_context():
        sqlite_setup.install(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))

    from .workshops.views import workshop_landing

    app.extensions["yanxiu"] = Services(
        keys=KeyStore(app.config["SECRET_KEY"], timedelta(days=app.config["KEY_GRACE_DAYS"])),
        platform_keys=PlatformKeys(timeout=app.config["LTI_HTTP_TIMEOUT_SECONDS"]),
        landing=workshop_landing,
    )

    from .security import init_security

    init_security(app)

    from .static_assets import init_static

    init_static(app)

    from .memory_release import init_memory_release

    init_memory_release(app)

    from .grades.stale import install as watch_grade_inputs

    watch_grade_inputs()
    init_babel(app)
    # Times are stored in UTC; every page shows them in China time.
    app.jinja_env.globals.update(t=t, current_lang=current_lang, china_time=china_time, punct=PUNCT)

    from .lti.registration import bp as registration_bp
    from .lti.views import bp as lti_bp
    from .statements.api import bp as xapi_bp

    app.register_blueprint(lti_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(xapi_bp)

    from .statements.admin import bp as xapi_admin_bp

    app.register_blueprint(xapi_admin_bp)
    from .reports.program_views import bp as program_bp

    app.register_blueprint(program_bp)

    from .grades import routes as grade_routes  # noqa: F401 - routes register on import
    from .reports import overview_views  # noqa: F401
    from .reports import views as report_views  # noqa: F401
    from .workshops import features, host_views, learner_views, video_intake  # noqa: F401
    from .workshops.views import bp as workshop_bp

    app.register_blueprint(workshop_bp)

    if app.config["DEVLMS_ENABLED"]:
        from .devlms_mount import mount_devlms

        mount_devlms(app)

    _register_error_pages(app)
    _configure_logging(app)
    return app


# What a 503 for an unavailable database tells clients to wait: about a PostgreSQL restart.
DATABASE_RETRY_AFTER_SECONDS = 30


# What a page says for a refusal that carries no message of its own, in place of Werkzeug's English.
DEFAULT_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("请求无法处理：请回到上一页重试", "The request could not be handled: go back and try again"),
    401: ("会话已过期，请回到课程重新进入", "Session expired: launch again from the course"),
    403: ("您在本工作坊的身份不能打开此页面", "Your role in this workshop cannot open this page"),
    404: ("没有这个页面：链接可能已失效，或它不属于您能看到的内容",
          "There is no such page: the link may be out of date, or it is not yours to see"),
    405: ("此地址不接受这种请求", "This address does not take this kind of request"),
    409: ("数据已被他人修改：请刷新后重试", "Someone else changed this meanwhile: reload and try again"),
}


def _register_error_pages(app: Flask) -> None:
    def form_page() -> str | None:
        """The page a refused form came from, when the form posts to its own page's address (the
        assignment page does): a GET there shows the form again, empty."""
        adapter = app.create_url_adapter(request)
        if request.method != "POST" or adapter is None:
            return None
        try:
            adapter.match(request.path, method="GET")
        except HTTPException:  # no page there (405, 404), or one under another address (a redirect)
            return None
        return request.script_root + request.path

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        back = None
        if exc.code == 413:  # an upload over MAX_CONTENT_LENGTH: refused_body.py
            drop_refused_body()
        if request.accept_mimetypes.best == "application/json" or request.path.startswith("/xapi"):
            message = exc.description
            if message == type(exc).description and exc.code in DEFAULT_MESSAGES:
                message = " / ".join(DEFAULT_MESSAGES[exc.code])  # a client may show it to anyone
            return {"error": exc.name, "message": message}, exc.code
        if exc.code == 413:
            from .workshops.uploads import limit_text

            # Werkzeug's text is English and names no limit. The form was refused unread, so what was
            # typed cannot come back from here; the browser's Back shows the form as it was left.
            limit = limit_text()
            exc.description = t(
                f"文件太大，上限 {limit}。请用浏览器的“返回”回到上一页：填写的内容还在，换一个较小的文件再提交。",
                f"The file is too large (limit {limit}). Use the browser's Back button: what you typed is still "
                "there; choose a smaller file and submit again.")
            back = form_page()
        elif exc.description == type(exc).description:  # Werkzeug's own English, for any page
            default = exc.description or ""
            exc.description = t(*DEFAULT_MESSAGES.get(exc.code or 0, (default, default)))
        else:
            exc.description = in_language(exc.description or "")
        lang = current_lang()
        return (
            render_template("lti/error.html", code=exc.code, message=exc.description, back_url=back, lang=lang),
            exc.code,
        )

    @app.errorhandler(OperationalError)
    def database_unavailable(exc: OperationalError) -> Any:
        """The database refused or dropped the connection (PostgreSQL restarting for an upgrade, a
        failover, a deadlock): the request can be made again, so 503 with Retry-After rather than a
        500 that says nothing. A load balancer takes the worker out of rotation on /healthz, and
        the player's queue and xAPI clients send again. One log line, without the SQL and its
        parameters (learners' data); nothing was written, the transaction is rolled back."""
        try:
            db.session.rollback()
        except Exception:  # noqa: S110 - the connection is gone; the pool replaces it
            pass
        reason = str(exc.orig or exc).strip().splitlines()
        logging.getLogger("yanxiu").error("database_unavailable %s %s: %s", request.method, request.path,
                                          reason[0][:300] if reason else type(exc).__name__)
        response = make_response(http_error(ServiceUnavailable(
            description="数据库暂时不可用，请稍后再试 / The database is unavailable for a moment: try again shortly")))
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response


def _configure_logging(app: Flask) -> None:
    logger = logging.getLogger("yanxiu")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
