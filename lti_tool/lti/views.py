"""The LTI endpoints: login initiation, launch, deep linking, configuration for admins."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, render_template, request, session, url_for
from pylti1p3.contrib.flask.oidc_login import FlaskOIDCLogin
from pylti1p3.contrib.flask.request import FlaskRequest
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException

from ..i18n import current_lang, normalise_locale
from ..models import Platform
from ..security import new_csrf_token
from .errors import LtiError
from .jwks import platform_keys
from .launch import DEEP_LINK, StrictMessageLaunch
from .records import record_launch
from .storage import launch_data_storage
from .tool_conf import DbToolConf

bp = Blueprint("lti", __name__)
log = logging.getLogger("yanxiu.lti")

ROLE_LABELS = {
    "host": ("坊主", "Host"),
    "tutor": ("辅导老师", "Tutor"),
    "participant": ("学员", "Participant"),
    "observer": ("观察员 / 学科专家", "Observer / expert"),
}


def services() -> Any:
    return current_app.extensions["yanxiu"]


def base_url() -> str:
    return str(current_app.config.get("BASE_URL") or request.url_root.rstrip("/"))


def tool_urls() -> dict[str, Any]:
    base = base_url()
    return {
        "login_url": base + "/lti/login",
        "launch_url": base + "/lti/launch",
        "jwks_url": base + "/.well-known/jwks.json",
        "deep_link_url": base + "/lti/deep-link",
        "registration_url": base + "/lti/register",
        "redirect_uris": [base + "/lti/launch", base + "/lti/deep-link"],
    }


def _tool_conf() -> DbToolConf:
    return DbToolConf(services().keys)


def _flask_request() -> FlaskRequest:
    # pylti1p3's FlaskRequest.__init__ has no annotations.
    return FlaskRequest()  # type: ignore[no-untyped-call]


@bp.app_errorhandler(LtiError)
def lti_error(exc: LtiError) -> Any:
    # One structured line per refused launch; never the token itself (it is a credential).
    log.warning(
        "lti_refused code=%s status=%s detail=%r endpoint=%s iss=%r",
        exc.code,
        exc.status,
        exc.detail,
        request.endpoint,
        request.values.get("iss"),
    )
    lang = current_lang()
    return render_template("lti/error.html", code=exc.code, message=exc.message(lang), lang=lang), exc.status


@bp.route("/lti/login", methods=["GET", "POST"])
def login() -> Any:
    for param in ("iss", "login_hint", "target_link_uri"):
        if not request.values.get(param):
            raise LtiError("missing_param", param)
    target = request.values["target_link_uri"]
    urls = tool_urls()
    # Never let a login initiation send the id_token elsewhere: only our own redirect URIs.
    redirect_uri = target if target in urls["redirect_uris"] else urls["launch_url"]
    oidc = FlaskOIDCLogin(_flask_request(), _tool_conf(), launch_data_storage=launch_data_storage())
    # Inside an iframe, first check that the browser keeps our cookies (Safari and blocked
    # third-party cookies do not); if not, the page offers to continue in a new window.
    in_iframe = request.headers.get("Sec-Fetch-Dest") == "iframe"
    if in_iframe and not request.values.get("lti1p3_new_window"):
        platform = _tool_conf().find_platform(request.values["iss"], request.values.get("client_id"))
        if platform is None:
            raise LtiError(
                "unknown_platform", f"{request.values['iss']} / {request.values.get('client_id')}"
            )
        params = {k: v for k, v in request.values.items() if k != "lti1p3_new_window"}
        params["lti1p3_new_window"] = "1"
        new_window_url = url_for("lti.login", _external=False) + "?" + urlencode(params)
        return render_template(
            "lti/cookie_check.html", new_window_url=new_window_url, lang=current_lang()
        )
    try:
        return oidc.redirect(redirect_uri)
    except (OIDCException, LtiException) as exc:
        raise LtiError("unknown_platform", str(exc)) from None


def _validated_launch() -> StrictMessageLaunch:
    if not request.form.get("id_token"):
        raise LtiError("missing_param", "id_token")
    if not request.form.get("state"):
        raise LtiError("missing_param", "state")
    launch = StrictMessageLaunch(_flask_request(), _tool_conf(), launch_data_storage=launch_data_storage())
    launch.platform_keys = platform_keys()
    launch.leeway = current_app.config["LTI_CLOCK_SKEW_SECONDS"]
    launch.validate()
    return launch


def _start_session(launch: StrictMessageLaunch) -> Any:
    claims = launch.get_launch_data()
    platform = _tool_conf().find_platform(launch.get_iss(), launch.validated_registration().get_client_id())
    if platform is None:
        # Removed (`yanxiu platform remove`) since validate() found its registration.
        raise LtiError("unknown_platform", f"{launch.get_iss()} / {launch.get_client_id()}")
    record = record_launch(platform, claims)
    # A fresh session per launch: a new role must never inherit the previous user's session.
    session.clear()
    session["uid"] = record.user.id
    session["course_id"] = record.course.id
    session["membership_id"] = record.membership.id
    session["link_id"] = record.link.id if record.link else None
    session["launch_id"] = launch.get_launch_id()
    session["lang"] = normalise_locale(record.locale)
    # Minted here, not lazily on the first form: a page's sub-requests (favicon, player posts) run
    # concurrently, and a lazily minted token could be overwritten by a parallel response.
    new_csrf_token()
    session.permanent = True
    log.info(
        "lti_launch user=%s course=%s role=%s message=%s",
        record.user.id,
        record.course.id,
        record.membership.role,
        claims.get("https://purl.imsglobal.org/spec/lti/claim/message_type"),
    )
    return record


@bp.route("/lti/launch", methods=["POST"])
def launch() -> Any:
    launch = _validated_launch()
    record = _start_session(launch)
    if launch.get_launch_data().get("https://purl.imsglobal.org/spec/lti/claim/message_type") == DEEP_LINK:
        return _deep_link_page(launch, record)
    hook = current_app.extensions["yanxiu"].landing
    return hook(record)


def default_landing(record: Any) -> Any:
    lang = current_lang()
    label = ROLE_LABELS[record.membership.role][1 if lang == "en" else 0]
    return render_template(
        "lti/landing.html",
        user=record.user,
        course=record.course,
        link=record.link,
        membership=record.membership,
        role_label=label,
        lang=lang,
    )


@bp.route("/lti/deep-link", methods=["POST"])
def deep_link() -> Any:
    launch = _validated_launch()
    record = _start_session(launch)
    if not launch.is_deep_link_launch():
        raise LtiError("not_deep_link")
    return _deep_link_page(launch, record)


def _deep_link_page(launch: StrictMessageLaunch, record: Any) -> Any:
    if record.membership.role != "host":
        raise LtiError("forbidden")
    session["deep_link_launch_id"] = launch.get_launch_id()
    return render_template(
        "lti/deep_link.html",
        launch_id=launch.get_launch_id(),
        default_title=(record.course.title or "工作坊")[:200],
        lang=current_lang(),
    )


@bp.route("/lti/deep-link/respond", methods=["POST"])
def deep_link_respond() -> Any:
    launch_id = request.form.get("launch_id", "")
    if not launch_id or session.get("deep_link_launch_id") != launch_id:
        raise LtiError("session_expired")
    title = (request.form.get("title") or "").strip()[:200]
    if not title:
        raise LtiError("missing_param", "title")
    try:
        launch = StrictMessageLaunch.from_cache(
            launch_id, _flask_request(), _tool_conf(), launch_data_storage=launch_data_storage()
        )
        deep_link = launch.get_deep_link()
    except LtiException as exc:
        raise LtiError("session_expired", str(exc)) from None
    resource = (
        DeepLinkResource()
        .set_url(tool_urls()["launch_url"])
        .set_title(title)
        .set_custom_params({"workshop_title": title})
    )
    token = deep_link.get_response_jwt([resource])
    return_url = launch.get_launch_data()["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"][
        "deep_link_return_url"
    ]
    session.pop("deep_link_launch_id", None)
    return render_template(
        "lti/autopost.html", action=return_url, fields={"JWT": token}, lang=current_lang()
    )


@bp.route("/lti/config")
def config() -> Any:
    urls = tool_urls()
    urls.update(
        {
            "title": "研修 Yanxiu",
            "target_link_uri": urls["launch_url"],
            "custom_parameters_example": {"school": "$Person.address.street1", "town": "$Person.address.locality"},
            "scopes": [
                "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
                "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
            ],
            "platforms_registered": Platform.query.count(),
        }
    )
    return jsonify(urls)


@bp.route("/.well-known/jwks.json")
def jwks() -> Any:
    resp = jsonify(services().keys.jwks())
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@bp.route("/healthz")
def healthz() -> Any:
    from sqlalchemy import text

    from ..extensions import db

    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


@bp.route("/healthz/worker")
def healthz_worker() -> Any:
    """For monitoring, not for a load balancer (the web workers serve without it): 503 while no
    background worker runs (`yanxiu xapi forward`, or the thread of a one-worker `yanxiu serve`)."""
    from ..extensions import db
    from ..statements.worker_lease import worker_running

    if worker_running(db.engine):
        return jsonify({"worker": "running"})
    return jsonify({"worker": "absent", "message": WORKER_ABSENT}), 503


WORKER_ABSENT = ("没有后台进程在工作：学习记录不转发，成绩不回传 LMS（请启动 yanxiu xapi forward）/ no background "
                 "worker: statements are not forwarded and scores not sent to the LMS (start yanxiu xapi forward)")
