"""One outbox worker at a time per database; any others stand by and take over.

The worker (forwarder, AGS write-back, stale grades, state purge) claims nothing row by row: two
of them at once would send every statement twice. The LRS ignores the second copy (fixed ids),
but the traffic and the delivered counts double. Deployments with several machines naturally start
one worker on each, so the lease makes that safe instead of leaving it to the operator:

- PostgreSQL: a session-level advisory lock on the worker's own connection. If the process dies or
  its connection drops, PostgreSQL releases the lock, and a standby takes it at its next turn.
- SQLite: an exclusive `flock` on a file beside the database, released by the kernel when the
  process ends.
"""

from __future__ import annotations

import fcntl
import logging
import os
from contextlib import suppress
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

log = logging.getLogger("yanxiu.xapi.forward")

# pg_try_advisory_lock's key: "YXOW" (Yanxiu outbox worker), so no other lock of ours collides.
ADVISORY_KEY = 0x59584F57


class WorkerLease:
    """`held()` tries to take the lease if this worker does not hold it, and says whether it does."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Any = None  # PostgreSQL: the connection that holds the advisory lock
        self._fd: int | None = None  # SQLite: the locked file
        self._held = False
        self.unreachable = False  # the last try found no database (not another worker's lease)

    def held(self) -> bool:
        if self._engine.dialect.name == "postgresql":
            return self._postgres()
        return self._sqlite()

    def _postgres(self) -> bool:
        self.unreachable = False
        try:
            if self._conn is None:
                self._conn = self._engine.connect()
            if self._held:
                self._conn.execute(text("SELECT 1"))  # still the session that holds the lock
            else:
                self._held = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                                     {"key": ADVISORY_KEY}).scalar())
            # The lock is the session's: no transaction may stay open on this long-lived connection,
            # or it would hold back VACUUM everywhere for as long as the worker runs.
            self._conn.commit()
        except DBAPIError as exc:  # the database is down or restarting: try again next turn
            if self._held:
                log.warning("outbox_worker_lease_lost: %s", str(exc.orig)[:200])
            self.release()
            self.unreachable = True
        return self._held

    def _sqlite(self) -> bool:
        if self._held:
            return True
        path = _lock_file(self._engine)
        if path is None:
            self._held = True  # nobody else can reach this database
            return True
        if self._fd is None:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._held = True
        return True

    def release(self) -> None:
        """Give the lease up (the worker stops): a standby takes it at its next turn."""
        self._held = False
        if self._conn is not None:
            # Discard the driver's connection rather than return it to the pool, where its session,
            # and with it the advisory lock, would live on.
            with suppress(SQLAlchemyError):  # already gone with the database: nothing to give back
                self._conn.invalidate()
                self._conn.close()
            self._conn = None
        if self._fd is not None:
            os.close(self._fd)  # the flock goes with the file's last descriptor
            self._fd = None


def worker_running(engine: Engine) -> bool:
    """Whether some process holds the lease now: the monitoring check (/healthz/worker). Without a
    worker no statement is forwarded, no score reaches a gradebook and a city's roster is never
    synced, and nothing else says so. Takes nothing lasting: PostgreSQL lists advisory locks in
    pg_locks; on SQLite a shared probe of the lock file fails while a worker holds it (a worker
    trying to take it at that very moment stands by for one turn). An in-memory database has no
    other process: False."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return bool(conn.execute(text(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                " AND classid = 0 AND objid = CAST(:key AS oid) AND objsubid = 1)"), {"key": ADVISORY_KEY}).scalar())
    path = _lock_file(engine)
    if path is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:  # no worker ever ran beside this database
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # with it the probe's own lock, if it got one
    return False


def _lock_file(engine: Engine) -> str | None:
    """The SQLite worker's lock file, beside the database; None for an in-memory database."""
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return os.path.abspath(database) + "-worker.lock"
