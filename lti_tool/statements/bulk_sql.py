"""`WHERE column IN (…)` for the long lists a batch of statements produces.

On PostgreSQL the list goes as one array parameter (`= ANY(%s)`): the query text is the same for
every batch, so neither SQLAlchemy nor psycopg re-renders and re-parses a statement with hundreds
of placeholders (a tenth of a 1,000-statement batch went to that), and no chunking is needed.
Elsewhere (SQLite) an ordinary `IN (…)` per chunk, within the driver's parameter limit.

How good a plan for `= ANY(array)` is depends on the array's length, which a generic plan does not
know. psycopg prepares a statement after its fifth run and PostgreSQL may then keep a generic plan
made while the table was small: a sequential scan that searches the array for every row. In the
ingest bench that took the id lookup from 4 ms to 160–380 ms per batch of 1,000 as the store grew
to 10,000 statements. `plan_for_parameters` makes the transaction plan each run for its values.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam, func, select, text, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

CHUNK = 400  # values per IN (…) off PostgreSQL; pairs take two parameters each, still far within limits


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def plan_for_parameters(session: Session, values: Sequence[Any]) -> None:
    """Before looking `values` up: for the rest of this transaction, plan every query for its
    actual parameters (PostgreSQL, when `among` will send an array; `SET LOCAL` ends with the
    transaction, so pooled connections are not changed). One round trip, spared a single value."""
    if len(values) > 1 and _postgres(session):
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def among(session: Session, column: Any, values: Sequence[Any]) -> Iterator[ColumnElement[bool]]:
    """Conditions that together select `column IN values`: one per query to run."""
    if not values:
        return
    if len(values) == 1:  # one statement: a plain `=`, whose plan never depends on a list
        yield column == values[0]
        return
    if _postgres(session):
        yield column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
        return
    for start in range(0, len(values), CHUNK):
        yield column.in_(values[start : start + CHUNK])


def among_pairs(session: Session, first: Any, second: Any,
                pairs: Sequence[tuple[Any, Any]]) -> Iterator[ColumnElement[bool]]:
    """The same for `(first, second) IN pairs`; on PostgreSQL two arrays unnested side by side."""
    if not pairs:
        return
    if len(pairs) == 1:
        yield (first == pairs[0][0]) & (second == pairs[0][1])
        return
    if _postgres(session):
        left = bindparam(None, [p[0] for p in pairs], type_=ARRAY(first.type))
        right = bindparam(None, [p[1] for p in pairs], type_=ARRAY(second.type))
        yield tuple_(first, second).in_(select(func.unnest(left), func.unnest(right)))
        return
    for start in range(0, len(pairs), CHUNK):
        yield tuple_(first, second).in_(pairs[start : start + CHUNK])
