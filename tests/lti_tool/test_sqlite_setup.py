"""SQLite as the tool opens it (lti_tool/sqlite_setup.py): write-ahead log, full fsync, memory map,
a larger page cache and foreign keys enforced."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from lti_tool.extensions import db
from tests.conftest import make_app


def test_sqlite_connections_use_the_write_ahead_log_and_keep_full_sync(tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'tool.sqlite3'}", tmp_path / "instance")
    with app.app_context():
        try:
            db.create_all()
            with db.engine.connect() as conn:
                assert conn.scalar(text("PRAGMA journal_mode")) == "wal"
                assert conn.scalar(text("PRAGMA synchronous")) == 2  # FULL
                assert conn.scalar(text("PRAGMA mmap_size")) == 256 * 1024 * 1024
                assert conn.scalar(text("PRAGMA cache_size")) == -32 * 1024  # KiB
                assert conn.scalar(text("PRAGMA foreign_keys")) == 1  # SQLite's default is 0: not enforced
            db.session.execute(text("CREATE TABLE probe (x INTEGER)"))
            db.session.commit()
            assert (tmp_path / "tool.sqlite3-wal").exists()
        finally:
            db.session.remove()
            db.engine.dispose()
