"""Ingest as the store grows: the API's rate (and the raw insert rate) in a window measured on an
empty store, then at a quarter, half and all of BENCH_GROWTH_TO statements (default 1,000,000),
on SQLite and PostgreSQL. The reference is the same window on the empty store: end/start = 1.0
means flat.

Filling between windows is not measured: a pool of 20,000 generated statements (23,000 learners)
goes in by each store's bulk path, then the store copies its own rows under fresh ids in SQL, so
a default run stays in minutes; the windows themselves go through the real server
(batches of 100, one client) and, for the raw rate, Core executemany as in the ingest benchmark.
BENCH_GROWTH_WINDOW sets the window (default 3,000 statements, sent as five slices of which the
best is reported); BENCH_GROWTH_DB="sqlite,postgresql".
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

from . import datagen
from .ingest_bench import (
    ToolServer,
    best_rate,
    count_statements,
    database,
    post_batches,
    raw_inserter,
    stored_rows,
    tool_session,
)

FIGURES: dict[str, Any] = {}
BATCH = 100
POOL = 20_000
SLICES = 5  # a window is sent as five slices; the best slice's rate is reported


COLUMNS = ("id", "stored", "timestamp", "actor_key", "verb_id", "object_id", "registration", "voided",
           "client_id", "body")


def _fresh(pool: list[dict[str, Any]], start: int, count: int) -> Iterator[dict[str, Any]]:
    """`count` pool rows from `start` on (cycling), each under a new statement id."""
    for i in range(start, start + count):
        row = pool[i % len(pool)]
        new = str(uuid.uuid4())
        yield {**row, "id": new, "body": row["body"].replace(row["id"], new, 1)}


# A random (version 4 shaped) UUID in SQLite's SQL; PostgreSQL has gen_random_uuid().
SQLITE_UUID = ("lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
               "substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1) || "
               "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))")


def _fill(url: str, pool: list[dict[str, Any]], start: int, count: int) -> float:
    """Pre-fill (not measured, only timed for the record): the generated pool goes in first, then
    the store copies its own rows under new ids inside the database (no per-row Python), so the
    fill costs what the indexes cost. Returns seconds."""
    began = time.perf_counter()
    seeded = min(count, max(0, len(pool) - start))
    if seeded:
        _fill_rows(url, pool, start, seeded)
    if count > seeded:
        _copy_within(url, count - seeded)
    return time.perf_counter() - began


def _copy_within(url: str, count: int) -> None:
    """INSERT … SELECT of the oldest rows under fresh ids (the body's id replaced too), 100,000 a
    transaction; the new ids are drawn once per row in a materialized CTE."""
    from sqlalchemy import create_engine, event, func, select, text

    from lti_tool.models import Statement

    engine = create_engine(url)
    sqlite = url.startswith("sqlite")
    if sqlite:
        @event.listens_for(engine, "connect")
        def _fast(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA synchronous=OFF")
            dbapi_conn.execute("PRAGMA cache_size=-262144")

    new_id = SQLITE_UUID if sqlite else "gen_random_uuid()::text"
    rest = ", ".join(COLUMNS[1:-1])
    sql = text(f"INSERT INTO xapi_statements ({', '.join(COLUMNS)}) "  # noqa: S608 - fixed names, no input
               f"WITH src AS MATERIALIZED (SELECT {new_id} AS new_id, id, {rest}, body FROM xapi_statements "
               f"ORDER BY seq LIMIT :n) SELECT new_id, {rest}, replace(body, id, new_id) FROM src")
    try:
        while count > 0:
            with engine.begin() as conn:
                have = int(conn.scalar(select(func.count()).select_from(Statement.__table__)) or 0)
                n = min(count, have, 100_000)
                conn.execute(sql, {"n": n})
            count -= n
    finally:
        engine.dispose()


def _fill_rows(url: str, pool: list[dict[str, Any]], start: int, count: int) -> None:
    """The pool's rows by each store's bulk path: PostgreSQL COPY; SQLite's driver executemany with
    synchronous=OFF on this connection only."""
    rows = _fresh(pool, start, count)
    if url.startswith("postgresql"):
        import psycopg
        from sqlalchemy.engine import make_url

        u = make_url(url)
        with psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database) as conn, \
                conn.cursor() as cur, cur.copy(f"COPY xapi_statements ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row[c] for c in COLUMNS))
        return
    import sqlite3

    from sqlalchemy.dialects import sqlite
    from sqlalchemy.engine import make_url

    # Straight through the driver: SQLAlchemy's per-row work would make this CPU-bound. Datetimes
    # are written as the SQLite dialect writes them (UTC, no offset), booleans as 0/1.
    as_text = sqlite.DATETIME().bind_processor(sqlite.dialect())
    assert as_text is not None
    conn = sqlite3.connect(make_url(url).database or "")
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")  # 256 MiB: the random-id unique index fits
        # Fixed column names from this module, no input: not an injection vector.
        sql = f"INSERT INTO xapi_statements ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"  # noqa: S608
        while True:
            chunk = [(row["id"], as_text(row["stored"].astimezone(UTC)), as_text(row["timestamp"].astimezone(UTC)),
                      row["actor_key"], row["verb_id"], row["object_id"], row["registration"], 0, row["client_id"],
                      row["body"]) for _, row in zip(range(20_000), rows, strict=False)]
            if not chunk:
                break
            with conn:
                conn.executemany(sql, chunk)
    finally:
        conn.close()


def _analyze(url: str) -> None:
    """PostgreSQL's autovacuum would analyze a table that grew this much; do it now, not mid-window."""
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE xapi_statements"))
    finally:
        engine.dispose()


def _one_store(kind: str, target: int, window: int, pool: list[dict[str, Any]], root: Path) -> dict[str, Any]:
    checkpoints = sorted({0, target // 4, target // 2, target})
    points: list[dict[str, Any]] = []
    fill_seconds = 0.0
    with database(kind, root) as url:
        server = ToolServer(url, root)
        server.migrate()
        session = tool_session(server)
        insert_rows, dispose = raw_inserter(url)
        try:
            server.start()
            endpoint = server.url + "/xapi/statements"
            post_batches(session, endpoint, datagen.statements(40, tag=f"gwarm-{kind}"), 1)
            insert_rows(stored_rows(datagen.statements(40, tag=f"grwarm-{kind}"), server.client_id), 1)
            for n, size in enumerate(checkpoints):
                have = count_statements(url)
                if size > have:
                    fill_seconds += _fill(url, pool, have, size - have)
                    _analyze(url)
                have = count_statements(url)
                items = datagen.statements(window, tag=f"g{n}-{kind}", seed=1000 + n)
                api = best_rate(items, SLICES, lambda part: post_batches(session, endpoint, part, BATCH))
                rows = stored_rows(datagen.statements(window, tag=f"r{n}-{kind}", seed=2000 + n), server.client_id)
                raw = best_rate(rows, SLICES, lambda part: insert_rows(part, BATCH))
                points.append({"stored_before": have, "api_per_s": api, "raw_per_s": raw})
        finally:
            session.close()
            dispose()
            server.stop()
    return {"points": points, "fill_seconds": fill_seconds}


def run() -> Iterator[str]:
    target = int(os.environ.get("BENCH_GROWTH_TO", 1_000_000))
    window = int(os.environ.get("BENCH_GROWTH_WINDOW", 3_000))
    kinds = [k for k in os.environ.get("BENCH_GROWTH_DB", "sqlite,postgresql").split(",") if k]
    pool = stored_rows(datagen.statements(min(POOL, max(target, 1)), tag="pool", learners=23_000))
    yield (f"ingest as the store grows to {target:,} statements: POST /xapi/statements in batches of {BATCH} "
           f"({window:,} statements a window), statements/s; reference = the same window on the empty store")
    for kind in kinds:
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=f"yanxiu-growth-{kind}-") as tmp:
            result = _one_store(kind, target, window, pool, Path(tmp))
        result["seconds"] = time.perf_counter() - start
        FIGURES[kind] = result
        first = result["points"][0]
        for p in result["points"]:
            api, raw = p["api_per_s"], p["raw_per_s"]
            yield (f"  {kind:10} at {p['stored_before']:>9,}: tool {api:>7,.0f}/s "
                   f"({api / first['api_per_s']:.2f}× start), raw insert {raw:>7,.0f}/s "
                   f"({raw / first['raw_per_s']:.2f}× start), tool/raw {api / raw:.2f}×")
        filled = result["points"][-1]["stored_before"]
        yield (f"  {kind:10} pre-fill {filled:,} rows in {result['fill_seconds']:.0f} s "
               f"({filled / max(result['fill_seconds'], 1e-9):,.0f} rows/s); whole store {result['seconds']:.0f} s")
