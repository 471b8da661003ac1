"""A batch's statement rows, sent chunk by chunk while the rest of the batch is worked out.

On PostgreSQL the rows stream into one `COPY … FROM STDIN` per batch: each chunk is written as soon
as it is validated and built, and the server stores it while Python validates the next chunk; the
COPY ends with the block. Against the INSERT sent through psycopg's pipeline before, `make bench-ab`
gave 1.08× at batches of 1, 1.07× at 100 and 1.06× at 1,000: COPY costs the worker less per row
(7 ms of CPU per 1,000 rows against 11, bench machine) and the server too. A binary COPY was
tried and is slower here: it costs the worker 3 ms less per 1,000 rows, but PostgreSQL 15 reads its
rows as they come and stores them only at the end (with 250 rows every 8 ms, the wait at the end
of 1,000 was 22 ms against 6 for the text format): nothing overlaps, the batch took 16 ms longer.

Errors are raised as SQLAlchemy's, as if an INSERT had gone through it, so the intake's retry sees
the same exceptions on both databases (a unique violation is an IntegrityError).

A small batch (store.py's SMALL_BATCH) goes another way on PostgreSQL: one INSERT … ON CONFLICT DO
NOTHING that also queues the outbox rows (`insert_new`). With few rows there is nothing to overlap,
and the round trips the COPY needs around it cost more than the rows.

Elsewhere (SQLite, which runs inside this process) each chunk is inserted as it comes.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..models import Lrs, OutboxEntry, Statement

CHUNK = 250  # rows validated, then sent, at a time: four chunks for a batch of 1,000 (two overlapped less)
_TABLE = Statement.__table__
_COLUMNS = [c.name for c in _TABLE.columns if c.name != "seq"]
_COPY = f"COPY {_TABLE.name} ({', '.join(_COLUMNS)}) FROM STDIN"
_values = operator.itemgetter(*_COLUMNS)  # a row's values in COPY's column order

Send = Callable[[list[dict[str, Any]]], None]


@contextmanager
def sending(session: Session) -> Iterator[Send]:
    """`send(rows)` stores statement rows (dicts with every column but `seq`) in the session's
    transaction; on PostgreSQL they may still be on their way until the block ends. The session's
    connection must not run anything else inside the block (the COPY holds it)."""
    if session.get_bind().dialect.name != "postgresql":

        def insert_now(rows: list[dict[str, Any]]) -> None:
            session.execute(insert(_TABLE), rows)

        yield insert_now
        return
    import psycopg

    driver = session.connection().connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(_COPY) as copy:  # type: ignore[union-attr]

            def stream(rows: list[dict[str, Any]]) -> None:
                for row in rows:
                    copy.write_row(_values(row))

            yield stream
    except psycopg.Error as exc:
        # IntegrityError for an id a concurrent batch stored first, OperationalError for a lock cycle…
        raise DBAPIError.instance(_COPY, None, exc, psycopg.Error) from exc


# The models' table and column names: no input is ever part of this text.
_INSERT_NEW = (
    f"WITH ins AS (INSERT INTO {_TABLE.name} ({', '.join(_COLUMNS)}) VALUES {{rows}}"  # noqa: S608
    " ON CONFLICT (id) DO NOTHING RETURNING seq, id),"
    f" queued AS (INSERT INTO {OutboxEntry.__tablename__} (lrs_id, statement_seq)"
    f" SELECT lrs.id, ins.seq FROM {Lrs.__tablename__} lrs CROSS JOIN ins WHERE lrs.active"
    " ORDER BY lrs.id, ins.seq)"
    " SELECT id FROM ins"
)
_PLACEHOLDERS = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"


def _insert_new_sql(count: int) -> str:
    """`insert_new`'s statement for `count` rows: psycopg prepares it once it has run five times
    (one text per batch size, and small batches come in few sizes)."""
    return _INSERT_NEW.format(rows=", ".join([_PLACEHOLDERS] * count))


def insert_new(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """PostgreSQL, for a small batch: insert the rows whose id is not stored yet, and their outbox
    rows (one per active LRS), in one statement; returns the ids inserted. A row whose id is stored
    is skipped, also when a concurrent transaction stored it first (this one then waits for its
    commit). One round trip instead of three (the id lookup, the COPY, the outbox INSERT … SELECT):
    for a batch of one statement that was a quarter of the request's time."""
    params = tuple(value for row in rows for value in _values(row))
    inserted = session.connection().exec_driver_sql(_insert_new_sql(len(rows)), params)
    return {ident for (ident,) in inserted}
