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
    from lti_tool.models import Course, Platform, ResourceLink, Workshop

    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}", "INSTANCE_PATH": str(folder),
                      "SECRET_KEY": "bench", "BASE_URL": "http://bench.local"})
    with app.app_context():
        upgrade()
        platform = Platform(issuer=ISSUER, client_id="c", name="bench",
                            auth_login_url="https://lms.example/a", auth_token_url="https://lms.example/t",  # noqa: S106 - a URL
                            key_set_url="https://lms.example/k")
        db.session.add(platform)
        db.session.flush()
        course = Course(platform_id=platform.id, deployment_id="1", context_id="ctx", title="bench")
        db.session.add(course)
        db.session.flush()
        link = ResourceLink(course_id=course.id, resource_link_id="rl", title="bench", custom={})
        db.session.add(link)
        db.session.flush()
        workshop = Workshop(course_id=course.id, resource_link_id=link.id, title="bench",
                            grading_preset=preset, grading_overrides={})
        db.session.add(workshop)
        db.session.commit()
        try:
            yield app, workshop
        finally:
            db.session.remove()
            db.engine.dispose()
