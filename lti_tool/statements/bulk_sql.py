"""`WHERE column IN (…)` for the lists a batch of statements produces.

One value (a batch of one statement, the player's usual request) is a plain `=`.

On PostgreSQL a longer list goes as one array parameter (`= ANY(%s)`, pairs as two arrays
unnested side by side). `IN (…)` with hundreds of placeholders cost a fifth of a batch of 1,000:
SQLAlchemy rendered the placeholders and psycopg re-parsed the long query text on every run.
The array is sent as PostgreSQL's array text, written here and cast in the query: psycopg's list
adapter took 1.1 ms per 1,000 statement ids in Python (four lists per batch), this takes 0.13.
Those queries must run `unprepared`. psycopg prepares a query after its fifth run, and PostgreSQL
may then keep a generic plan made while the table was small: a sequential scan that searches the
array for every row (160–380 ms per batch of 1,000 at 10,000 stored, in the ingest bench). Forcing
custom plans for the whole transaction (`SET LOCAL plan_cache_mode`) was tried first. It also
planned every row of the statement INSERT, and that cost more than the placeholders had.

Elsewhere (SQLite) the list goes as `IN (…)` in chunks within the driver's parameter limit;
SQLite has no plan cache to go wrong and parses its placeholders in C.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam, cast, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

CHUNK = 400  # values per IN (…) off PostgreSQL; pairs take two parameters each, still far within every limit


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _element(value: str | int | None) -> str:
    if value is None:
        return "NULL"
    if type(value) is int:
        return str(value)
    if isinstance(value, str):
        if "\\" in value or '"' in value:
            value = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{value}"'  # quoted: commas, braces, spaces and the word NULL are then plain text
    raise TypeError(f"no array text for {type(value).__name__}")


def array_text(values: Sequence[str | int | None]) -> str:
    """`values` in PostgreSQL's array input syntax (`{"a","b\\"c",NULL}`), for text or integers."""
    return "{" + ",".join(map(_element, values)) + "}"


def _array(column: Any, values: Sequence[Any]) -> ColumnElement[Any]:
    """One parameter holding `values`, cast to an array of the column's type without its length (a
    longer value then compares unequal instead of being cut to fit)."""
    element = column.type.__class__() if hasattr(column.type, "length") else column.type
    return cast(bindparam(None, array_text(values), type_=NullType()), ARRAY(element))


def among(session: Session, column: Any, values: Sequence[Any]) -> Iterator[ColumnElement[bool]]:
    """Conditions that together select `column IN values`: one per query to run (run them inside
    `unprepared`)."""
    if len(values) == 1:
        yield column == values[0]
    elif values and _postgres(session):
        yield column == any_(_array(column, values))
    else:
        for start in range(0, len(values), CHUNK):
            yield column.in_(values[start : start + CHUNK])


def among_pairs(session: Session, first: Any, second: Any,
                pairs: Sequence[tuple[Any, Any]]) -> Iterator[ColumnElement[bool]]:
    """The same for `(first, second) IN pairs`."""
    if len(pairs) == 1:
        yield (first == pairs[0][0]) & (second == pairs[0][1])
    elif pairs and _postgres(session):
        left, right = _array(first, [p[0] for p in pairs]), _array(second, [p[1] for p in pairs])
        yield tuple_(first, second).in_(select(func.unnest(left), func.unnest(right)))
    else:
        for start in range(0, len(pairs), CHUNK):
            yield tuple_(first, second).in_(pairs[start : start + CHUNK])


@contextmanager
def unprepared(session: Session, values: Sequence[Any]) -> Iterator[None]:
    """Queries about `values` run inside are never prepared by psycopg, so PostgreSQL plans each
    one for its actual array (see above). Only these: the statement INSERT keeps its prepared plan,
    and so does the plain `=` of a single value (its generic plan is the index lookup). The
    connection is as before afterwards, even after an error (it goes back to the pool)."""
    if len(values) < 2 or not _postgres(session):
        yield
        return
    driver = session.connection().connection.driver_connection
    before = driver.prepare_threshold  # type: ignore[union-attr]
    driver.prepare_threshold = None  # type: ignore[union-attr]
    try:
        yield
    finally:
        driver.prepare_threshold = before  # type: ignore[union-attr]
