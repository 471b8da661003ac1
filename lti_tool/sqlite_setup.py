"""SQLite, the embedded default, set up for a web server: several threads (and the forwarder)
share one file.

- `journal_mode=WAL`: readers no longer wait for a writer and a writer no longer waits for readers,
  and a commit syncs one file instead of three (one-row commits: 4,080/s against 1,194/s with the
  default rollback journal, a plain sqlite3 loop on the bench machine). The mode is kept in the
  database file.
- `synchronous=FULL` is kept (WAL's usual NORMAL is faster still, but a power cut could then undo
  statements the tool had already acknowledged to the sender).
- reads through a 256 MiB memory map (the operating system's page cache, shared by every
  connection) and a 32 MiB page cache per connection instead of 2 MiB: a statement's random id
  and actor land on random index pages, and with a million statements stored the default cache
  made each insert read them from the file again (`make bench BENCH=growth`: at 1,000,000 stored,
  3,154 → 4,475 statements/s through the API, raw inserts 7,463 → 9,767).
- `foreign_keys=ON`: SQLite ignores foreign keys unless asked, so a row could point at a deleted
  class or platform and the models' ON DELETE rules (CASCADE, SET NULL) ran only on PostgreSQL.
  Migrations turn it off while they rebuild tables (migrations/env.py): dropping the old copy of a
  table would otherwise cascade into every table that refers to it. Rows left dangling before
  enforcement are not checked again; `PRAGMA foreign_key_check` lists them (docs/deploy.md).
- the WAL needs the database on a local disk (not NFS), next to its `-wal` and `-shm` files; back
  it up with `sqlite3 FILE ".backup COPY"`, not by copying the file while the tool runs
  (docs/deploy.md).

The planner's statistics (`sqlite_stat1`) are refreshed hourly by the background worker
(`refresh_statistics`); PostgreSQL's autovacuum keeps its own.

Python's sqlite3 opens a transaction at the first INSERT/UPDATE/DELETE, so a request's writes take
the write lock and their snapshot together: no "snapshot too old" error when two requests write.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA mmap_size=268435456",  # 256 MiB
    "PRAGMA cache_size=-32768",  # 32 MiB per connection
    "PRAGMA foreign_keys=ON",
)


def configure(dbapi_connection: Any, _record: Any = None) -> None:
    for pragma in PRAGMAS:
        dbapi_connection.execute(pragma).close()


def install(engine: Engine) -> None:
    """Set the pragmas on every new connection of `engine` (nothing for other databases)."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", configure):
        event.listen(engine, "connect", configure)


# Index entries ANALYZE reads per index (`PRAGMA analysis_limit`): 36 ms with 1,000,000 statements
# stored, where reading them all took 0.6 s (and grows with the store), holding the write lock.
ANALYSIS_LIMIT = 20_000


def refresh_statistics(session: Session) -> None:
    """ANALYZE on SQLite (nothing elsewhere). Without statistics SQLite
    guesses which index serves a query: with 1,000,000 statements GET /xapi/statements?agent=…&verb=…
    walked the verb's index (290 ms) instead of the learner's few rows (1.3 ms once analyzed)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    session.execute(text(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}"))
    session.execute(text("ANALYZE"))
    session.commit()
