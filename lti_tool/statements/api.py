"""The tool's own xAPI endpoint: `/xapi/statements` and `/xapi/about` (xAPI 1.0.3 + 2.0 intake).

Content in the LMS (H5P, cmi5) reports here with per-client Basic credentials; what it sends
counts toward progress exactly like the tool's own statements.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from xapi import parse_json

from ..refused_body import drop_refused_body
from .clients import authenticate
from .query import QueryError, check_params, query_statements, statement_by_id
from .store import StatementConflict, StatementRejected, store_statements

bp = Blueprint("xapi_api", __name__, url_prefix="/xapi")
VERSION_RE = re.compile(r"^(1\.0(\.\d+)?|2\.0(\.\d+)?)$")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _error(status: int, message: str) -> Response:
    resp = jsonify({"error": status, "message": message})
    resp.status_code = status
    return resp


@bp.before_request
def _check_request() -> Response | None:
    if request.endpoint == "xapi_api.about":
        return None
    auth = request.headers.get("Authorization", "")
    client = None
    if auth.startswith("Basic "):
        try:
            key, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            client = authenticate(key, secret)
        except (ValueError, UnicodeDecodeError):
            client = None
    if client is None:
        resp = _error(401, "missing or wrong credentials (HTTP Basic with an xAPI client key and secret)")
        resp.headers["WWW-Authenticate"] = 'Basic realm="yanxiu-xapi"'
        return resp
    g.xapi_client = client
    version = request.headers.get("X-Experience-API-Version", "")
    if not VERSION_RE.match(version):
        return _error(400, f"X-Experience-API-Version header must be 1.0.x or 2.0.x, got {version!r}")
    limit = current_app.config.get("XAPI_MAX_BODY_BYTES", 16 * 1024 * 1024)
    if request.content_length is not None and request.content_length > limit:
        drop_refused_body()
        return _error(413, f"request body larger than {limit} bytes")
    return None


@bp.after_request
def _version_header(resp: Response) -> Response:
    resp.headers["X-Experience-API-Version"] = "1.0.3"
    return resp


@bp.route("/about")
def about() -> Response:
    return jsonify({"version": ["1.0.3", "2.0.0"], "extensions": {}})


def _authority() -> dict[str, Any]:
    client = g.xapi_client
    home = current_app.config.get("BASE_URL") or request.url_root.rstrip("/")
    return {"objectType": "Agent", "name": client.name, "account": {"homePage": home, "name": client.key}}


def _read_json() -> Any:
    limit = current_app.config.get("XAPI_MAX_BODY_BYTES", 16 * 1024 * 1024)
    raw = request.get_data(cache=False)
    if len(raw) > limit:
        raise _Abort(_error(413, f"request body larger than {limit} bytes"))
    try:
        return parse_json(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Abort(_error(400, f"body is not valid JSON: {exc}")) from None


class _Abort(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


@bp.errorhandler(_Abort)
def _abort(exc: _Abort) -> Response:
    return exc.response


def _store(statements: list[Any]) -> Any:
    if not all(isinstance(s, dict) for s in statements):
        return _error(400, "every statement must be a JSON object")
    try:
        return store_statements(statements, client_id=g.xapi_client.id, authority=_authority())
    except StatementRejected as exc:
        return _error(400, str(exc))
    except StatementConflict as exc:
        return _error(409, str(exc))


@bp.route("/statements", methods=["POST"])
def post_statements() -> Response:
    body = _read_json()
    statements = body if isinstance(body, list) else [body]
    if not statements:
        return _error(400, "empty batch")
    result = _store(statements)
    if isinstance(result, Response):
        return result
    return jsonify(result.ids)


@bp.route("/statements", methods=["PUT"])
def put_statement() -> Response:
    statement_id = request.args.get("statementId", "")
    if not UUID_RE.match(statement_id):
        return _error(400, "statementId query parameter must be a UUID")
    body = _read_json()
    if not isinstance(body, dict):
        return _error(400, "PUT takes one statement object")
    if "id" in body and str(body["id"]).lower() != statement_id.lower():
        return _error(400, "id: differs from the statementId parameter")
    body["id"] = statement_id.lower()
    result = _store([body])
    if isinstance(result, Response):
        return result
    return Response(status=204)


@bp.route("/statements", methods=["GET"])
def get_statements() -> Response:
    args = request.args
    try:
        check_params(args)
    except QueryError as exc:
        return _error(400, str(exc))
    for name in ("statementId", "voidedStatementId"):
        if name in args:
            others = set(args) - {name, "format", "attachments"}
            if others:
                return _error(400, f"{name} cannot be combined with {', '.join(sorted(others))}")
            if not UUID_RE.match(args[name]):
                return _error(400, f"{name}: must be a UUID")
            found = statement_by_id(args[name], voided=name == "voidedStatementId", client=g.xapi_client)
            if found is None:
                return _error(404, f"no statement with {name}={args[name]}")
            return Response(found, mimetype="application/json")
    try:
        page, more, consistent = query_statements(args, base_path=request.path, client=g.xapi_client)
    except QueryError as exc:
        return _error(400, str(exc))
    resp = Response('{"statements":[' + ",".join(page) + '],"more":' + json.dumps(more) + "}",
                    mimetype="application/json")
    resp.headers["X-Experience-API-Consistent-Through"] = consistent.isoformat() if isinstance(
        consistent, datetime) else str(consistent)
    return resp
