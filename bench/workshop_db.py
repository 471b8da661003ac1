"""An empty workshop in a fresh, migrated SQLite database, for the benchmarks that build their own
data (recompute, roster): the platform, course and link a launch would have made."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ISSUER = "https://lms.example"


@contextmanager
def empty_workshop(folder: Path, preset: str = "zhenjiang-80-20") -> Iterator[tuple[Any, Any]]:
    """(app, workshop) inside the app's context; the database lives in `folder`."""
    from flask_migrate import upgrade

    from lti_tool import create_app
    from lti_tool.extensions import db
    from tests.fixtures.workshops import course_with_workshop

    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}", "INSTANCE_PATH": str(folder),
                      "SECRET_KEY": "bench", "BASE_URL": "http://bench.local"})
    with app.app_context():
        upgrade()
        workshop = course_with_workshop(ISSUER, "bench", preset)
        db.session.commit()
        try:
            yield app, workshop
        finally:
            db.session.remove()
            db.engine.dispose()
