"""GET /xapi/statements: filters, `more` paging over the store's sequence, voided rules."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from xapi import ValidationError, parse_json, validate_actor

from ..extensions import db
from ..models import Statement
from ..models.statements import OBJECT_ID_LENGTH, VERB_ID_LENGTH
from .actors import actor_key

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
FILTERS = {"agent", "verb", "activity", "registration", "since", "until", "limit", "ascending",
           "format", "attachments", "more", "related_activities", "related_agents"}


_MAX_SEQ = 2**63 - 1  # the sequence column's range (BIGINT; SQLite's INTEGER)


class QueryError(ValueError):
    pass


def check_params(args: Mapping[str, Any]) -> None:
    """Every parameter is text a database can compare (each of these was a 500): PostgreSQL's text
    holds no NUL, and UTF-8 no lone surrogate, which a `more` cursor's JSON can carry."""
    for name, value in args.items():
        if type(value) is not str:
            raise QueryError(f"{name}: must be text")
        if "\x00" in value:
            raise QueryError(f"{name}: must not contain the NUL character (U+0000)")
        try:
            value.encode()
        except UnicodeEncodeError as exc:
            raise QueryError(f"{name}: a lone surrogate ({exc.object[exc.start]!r}) is no Unicode character") from None


def statement_by_id(statement_id: str, voided: bool) -> str | None:
    row = db.session.execute(
        select(Statement.body, Statement.voided).where(Statement.id == statement_id.lower())
    ).first()
    # xAPI 1.0.3 §2.1.4: a voided statement is returned only by voidedStatementId, and vice versa.
    if row is None or row.voided != voided:
        return None
    return str(row.body)


def _time(name: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(f"{name}: not an ISO 8601 timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        raise QueryError(f"{name}: timestamp needs a timezone: {value!r}")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the year 1 in UTC
        raise QueryError(f"{name}: outside the years 1 to 9999 in UTC: {value!r}") from None


def _known(params: Mapping[str, Any]) -> None:
    unknown = set(params) - FILTERS
    if unknown:
        raise QueryError(f"unknown query parameter(s): {', '.join(sorted(unknown))}")


def _cursor(token: str) -> tuple[int, dict[str, str]]:
    """The position and the filters a `more` link carries. Anyone can write one, so it is checked
    like the query it stands for."""
    try:
        cursor = json.loads(base64.urlsafe_b64decode(token.encode()))
        after, params = cursor["after"], cursor["params"]
    except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: nested thousands deep
        raise QueryError("more: not a cursor this server issued") from None
    if type(after) is not int or not 0 <= after <= _MAX_SEQ or type(params) is not dict or "more" in params:
        raise QueryError("more: not a cursor this server issued")
    try:
        check_params(params)
        _known(params)
    except QueryError as exc:
        raise QueryError(f"more: not a cursor this server issued ({exc})") from None
    return after, params


def _agent(value: str) -> str:
    try:
        agent = parse_json(value.encode())
        validate_actor(agent, "agent")
    except ValidationError as exc:
        raise QueryError(str(exc)) from None
    except ValueError as exc:
        raise QueryError(f"agent: must be a JSON Agent or Group object ({exc})") from None
    return actor_key(agent)


def query_statements(args: Mapping[str, str], base_path: str) -> tuple[list[str], str, datetime]:
    """One page of statements, newest first unless `ascending`; `args` are checked by check_params."""
    _known(args)
    params = dict(args)
    after_seq: int | None = None
    if "more" in params:
        after_seq, params = _cursor(params.pop("more"))
    if params.get("related_activities") == "true" or params.get("related_agents") == "true":
        raise QueryError("related_activities/related_agents are not supported by this endpoint")
    try:
        limit = int(params.get("limit", DEFAULT_LIMIT))
    except ValueError:
        raise QueryError("limit: must be an integer") from None
    limit = MAX_LIMIT if limit <= 0 else min(limit, MAX_LIMIT)
    ascending = params.get("ascending", "false") == "true"

    query = select(Statement.seq, Statement.body).where(Statement.voided.is_(False))
    if "agent" in params:
        query = query.where(Statement.actor_key == _agent(params["agent"]))
    if "verb" in params:
        query = query.where(Statement.verb_id == params["verb"][:VERB_ID_LENGTH])
    if "activity" in params:
        query = query.where(Statement.object_id == params["activity"][:OBJECT_ID_LENGTH])
    if "registration" in params:
        query = query.where(Statement.registration == params["registration"].lower())
    if "since" in params:
        query = query.where(Statement.stored > _time("since", params["since"]))
    if "until" in params:
        query = query.where(Statement.stored <= _time("until", params["until"]))
    if after_seq is not None:
        query = query.where(Statement.seq > after_seq if ascending else Statement.seq < after_seq)
    query = query.order_by(Statement.seq.asc() if ascending else Statement.seq.desc()).limit(limit + 1)
    rows = db.session.execute(query).all()
    more = ""
    if len(rows) > limit:
        rows = rows[:limit]
        cursor = json.dumps({"after": rows[-1].seq, "params": params})
        more = base_path + "?" + urlencode({"more": base64.urlsafe_b64encode(cursor.encode()).decode()})
    return [str(r.body) for r in rows], more, datetime.now(UTC)
