"""`WHERE column IN (…)` for the lists a batch of statements produces.

One value (a batch of one statement, the player's usual request) is a plain `=`. Longer lists go
as `IN (…)` in chunks within every driver's parameter limit. A list of hundreds of values is one
long query text that psycopg does not prepare, so PostgreSQL plans it for its actual values each
time. Tried and measured against this (`make bench-ab`): one array parameter (`= ANY(%s)`) saved
the rendering of the placeholders. But once psycopg prepared it, PostgreSQL kept a generic
sequential-scan plan made while the table was small (160–380 ms per batch of 1,000 at 10,000
stored). Forcing custom plans for the transaction fixed that, but then it planned each row of the
statement INSERT too: 0.92–0.95× of IN lists on batches of 100 and 1,000.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, tuple_

CHUNK = 400  # values per IN (…); pairs take two parameters each, still far within every limit


def among(column: Any, values: Sequence[Any]) -> Iterator[ColumnElement[bool]]:
    """Conditions that together select `column IN values`: one per query to run."""
    if len(values) == 1:
        yield column == values[0]
        return
    for start in range(0, len(values), CHUNK):
        yield column.in_(values[start : start + CHUNK])


def among_pairs(first: Any, second: Any, pairs: Sequence[tuple[Any, Any]]) -> Iterator[ColumnElement[bool]]:
    """The same for `(first, second) IN pairs`."""
    if len(pairs) == 1:
        yield (first == pairs[0][0]) & (second == pairs[0][1])
        return
    for start in range(0, len(pairs), CHUNK):
        yield tuple_(first, second).in_(pairs[start : start + CHUNK])
