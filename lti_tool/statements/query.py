"""GET /xapi/statements: filters, `more` paging in stored order, voided rules.

Results come in `stored` order (xAPI 1.0.3 §7.2.3: "ascending … of stored time"), ties (a batch
shares one `stored`) broken by the store's sequence; a `more` link carries the last (stored, seq)
of its page. The indexes the filters use end in those two columns (models/statements.py), so a
page with since/until is one index range however large the store."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, func, literal, or_, select, true, tuple_
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from xapi import ValidationError, parse_json, validate_actor

from ..extensions import db
from ..models import Statement, Workshop, XapiClient
from ..models._types import UTCDateTime
from ..models.statements import OBJECT_ID_LENGTH, VERB_ID_LENGTH
from .actors import actor_key

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
FILTERS = {"agent", "verb", "activity", "registration", "since", "until", "limit", "ascending",
           "format", "attachments", "more", "related_activities", "related_agents"}


_MAX_SEQ = 2**63 - 1  # the sequence column's range (BIGINT; SQLite's INTEGER)
# Up to this many statements, a course's client's pages on SQLite are found through the client's
# and the workshops' indexes and sorted (`_course_on_sqlite`); a course holding more in stored order.
SMALL_COURSE = 10_000


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


def readable(client: XapiClient) -> ColumnElement[bool]:
    """The statements a client may read, as a condition. A client the operator made (`yanxiu xapi
    client add`, no course) reads everything, as an analytics job or a second LRS needs. One a
    course's host made (/admin/xapi/) for that course's content reads what it stored itself and
    what concerns that course's workshops: never another course's or county's teachers."""
    if client.course_id is None:
        return true()
    return course_statements(client.course_id, [client.id])


def course_statements(course_id: int, client_ids: list[int]) -> ColumnElement[bool]:
    """The statements that concern a course: about its workshops, or stored by these clients of its."""
    return _about(_workshops(course_id), client_ids)


def _workshops(course_id: int) -> list[int]:
    return list(db.session.scalars(select(Workshop.id).where(Workshop.course_id == course_id)))


def _about(workshops: list[int], client_ids: list[int], *, indexed: bool = True) -> ColumnElement[bool]:
    """`indexed=False`: the same condition, which SQLite will not look up by those columns' indexes."""
    # The course's few workshop ids as values, not a subquery: each side of the OR is then a range
    # of its own index, which PostgreSQL combines (with a subquery it read every statement: 0.6 s
    # with 1,000,000 stored; 4 ms now). SQLite: see `_course_on_sqlite`.
    client_id, workshop_id = Statement.client_id, Statement.workshop_id
    if not indexed:
        client_id, workshop_id = _unindexed(client_id), _unindexed(workshop_id)
    return or_(client_id.in_(client_ids), workshop_id.in_(workshops))


def _unindexed(column: Any) -> Any:
    """`+column`: the same values, which SQLite will not read from an index (its documented way to
    keep an index from being chosen for a term)."""
    return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


def _course_on_sqlite(client: XapiClient) -> tuple[ColumnElement[bool], bool]:
    """(the condition to read a course's client's statements by, whether to find them through the
    client's and the workshops' indexes only, and sort them, rather than through the stored order or
    a filter's index) on SQLite, whose statistics hold no per-value counts to choose by.
    It walked the stored order for a course holding few (1.3 s with 1,000,000 stored and a course
    holding 50, for `since` or a `more` page; 0.3 ms found through the client's and the workshops'
    indexes and sorted), and sorted a course holding many (0.9 s for the latest page of a course
    holding 200,000; the stored order has its rows every few steps). So: counted up to SMALL_COURSE
    through those indexes, a course holding fewer is sorted, one holding more is read in stored
    order. PostgreSQL's statistics tell it which, and it chooses itself."""
    assert client.course_id is not None
    workshops = _workshops(client.course_id)  # read once for either condition
    scope = _about(workshops, [client.id])
    held = select(literal(1)).select_from(Statement).where(scope).limit(SMALL_COURSE).subquery()
    if int(db.session.scalar(select(func.count()).select_from(held)) or 0) < SMALL_COURSE:
        return scope, True
    return _about(workshops, [client.id], indexed=False), False


def statement_by_id(statement_id: str, voided: bool, client: XapiClient) -> str | None:
    """The statement's body, or None: none with this id, not readable by `client` (as if none:
    its existence is not told either), or voided when asked by statementId (and vice versa)."""
    row = db.session.execute(select(Statement.body, Statement.voided)
                             .where(Statement.id == statement_id.lower(), readable(client))).first()
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


Position = tuple[datetime, int]  # the (stored, seq) a page ends at


def _cursor(token: str) -> tuple[Position, dict[str, str]]:
    """The position and the filters a `more` link carries. Anyone can write one, so it is checked
    like the query it stands for."""
    try:
        cursor = json.loads(base64.urlsafe_b64decode(token.encode()))
        after, params = cursor["after"], cursor["params"]
    except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: nested thousands deep
        raise QueryError("more: not a cursor this server issued") from None
    if type(params) is not dict or "more" in params:
        raise QueryError("more: not a cursor this server issued")
    try:
        check_params(params)
        _known(params)
    except QueryError as exc:
        raise QueryError(f"more: not a cursor this server issued ({exc})") from None
    return _position(after), params


def _position(after: Any) -> Position:
    """A cursor's [stored, seq]; or a bare seq, as links issued before stored order carried (a
    client paging through an upgrade goes on from the same statement)."""
    if type(after) is int and 0 <= after <= _MAX_SEQ:
        stored = db.session.scalar(select(Statement.stored).where(Statement.seq == after))
        if stored is not None:
            return stored, after
    elif type(after) is list and len(after) == 2 and type(after[0]) is str and type(after[1]) is int \
            and 0 <= after[1] <= _MAX_SEQ:
        try:
            stored = datetime.fromisoformat(after[0])
            if stored.tzinfo is not None:
                return stored.astimezone(UTC), after[1]
        except (ValueError, OverflowError):  # OverflowError: before the year 1 in UTC
            pass
    raise QueryError("more: not a cursor this server issued")


def _agent(value: str) -> str:
    try:
        agent = parse_json(value.encode())
        validate_actor(agent, "agent")
    except ValidationError as exc:
        raise QueryError(str(exc)) from None
    except ValueError as exc:
        raise QueryError(f"agent: must be a JSON Agent or Group object ({exc})") from None
    return actor_key(agent)


def query_statements(args: Mapping[str, str], base_path: str,
                     client: XapiClient) -> tuple[list[str], str, datetime]:
    """One page of the statements `client` may read, newest first unless `ascending`; `args` are
    checked by check_params."""
    _known(args)
    params = dict(args)
    after: Position | None = None
    if "more" in params:
        after, params = _cursor(params.pop("more"))
    if params.get("related_activities") == "true" or params.get("related_agents") == "true":
        raise QueryError("related_activities/related_agents are not supported by this endpoint")
    try:
        limit = int(params.get("limit", DEFAULT_LIMIT))
    except ValueError:
        raise QueryError("limit: must be an integer") from None
    limit = MAX_LIMIT if limit <= 0 else min(limit, MAX_LIMIT)
    ascending = params.get("ascending", "false") == "true"

    if client.course_id is not None and db.session.get_bind().dialect.name == "sqlite":
        scope, by_course = _course_on_sqlite(client)
    else:
        scope, by_course = readable(client), False

    def column(c: Any) -> Any:  # a course's few rows on SQLite: no other index is offered
        return _unindexed(c) if by_course else c

    stored, seq = column(Statement.stored), column(Statement.seq)
    query = select(Statement.stored, Statement.seq, Statement.body).where(Statement.voided.is_(False), scope)
    if "agent" in params:
        query = query.where(column(Statement.actor_key) == _agent(params["agent"]))
    if "verb" in params:
        query = query.where(column(Statement.verb_id) == params["verb"][:VERB_ID_LENGTH])
    if "activity" in params:
        query = query.where(column(Statement.object_id) == params["activity"][:OBJECT_ID_LENGTH])
    if "registration" in params:
        query = query.where(column(Statement.registration) == params["registration"].lower())
    if "since" in params:
        query = query.where(stored > _time("since", params["since"]))
    if "until" in params:
        query = query.where(stored <= _time("until", params["until"]))
    if after is not None:
        # A row value, which both databases search as one range of the (…, stored, seq) index.
        mark = tuple_(literal(after[0], UTCDateTime()), literal(after[1]))
        query = query.where(tuple_(stored, seq) > mark if ascending else tuple_(stored, seq) < mark)
    order = (stored, seq) if ascending else (stored.desc(), seq.desc())
    rows = db.session.execute(query.order_by(*order).limit(limit + 1)).all()
    more = ""
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        cursor = json.dumps({"after": [last.stored.isoformat(), last.seq], "params": params})
        more = base_path + "?" + urlencode({"more": base64.urlsafe_b64encode(cursor.encode()).decode()})
    return [str(r.body) for r in rows], more, datetime.now(UTC)
