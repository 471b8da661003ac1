"""GET /xapi/statements: filters, `more` paging over the store's sequence, voided rules."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import urlencode

from sqlalchemy import select

from ..extensions import db
from ..models import Statement
from ..models.statements import OBJECT_ID_LENGTH, VERB_ID_LENGTH
from .actors import actor_key

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
FILTERS = {"agent", "verb", "activity", "registration", "since", "until", "limit", "ascending",
           "format", "attachments", "more", "related_activities", "related_agents"}


class QueryError(ValueError):
    pass


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
    return parsed.astimezone(UTC)


def query_statements(args: Mapping[str, str], base_path: str) -> tuple[list[str], str, datetime]:
    unknown = set(args) - FILTERS
    if unknown:
        raise QueryError(f"unknown query parameter(s): {', '.join(sorted(unknown))}")
    params = dict(args)
    after_seq: int | None = None
    if "more" in params:
        try:
            cursor = json.loads(base64.urlsafe_b64decode(params.pop("more").encode()))
            after_seq, params = int(cursor["after"]), dict(cursor["params"])
        except (ValueError, KeyError, TypeError):
            raise QueryError("more: not a cursor this server issued") from None
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
        try:
            agent = json.loads(params["agent"])
            if not isinstance(agent, dict):
                raise ValueError
        except ValueError:
            raise QueryError("agent: must be a JSON Agent object") from None
        query = query.where(Statement.actor_key == actor_key(agent))
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
