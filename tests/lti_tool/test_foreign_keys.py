"""Foreign keys act the same on SQLite, the embedded default, as on PostgreSQL: a row cannot point
at nothing, and the models' ON DELETE rules run in the database (lti_tool/sqlite_setup.py turns
SQLite's enforcement on; it is off unless asked for)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from lti_tool.extensions import db
from lti_tool.models import Deployment, Platform


def _platform() -> int:
    return int(db.session.execute(insert(Platform).returning(Platform.id), {
        "name": "Moodle", "issuer": "https://moodle.example.cn", "client_id": "c1",
        "auth_login_url": "https://moodle.example.cn/auth", "auth_token_url": "https://moodle.example.cn/token",
        "key_set_url": "https://moodle.example.cn/certs", "kind": "moodle"}).scalar_one())


def test_a_row_cannot_point_at_a_missing_parent(app: Any) -> None:
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(insert(Deployment), {"platform_id": 987654, "deployment_id": "1"})
            db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Deployment)) == 0


def test_deleting_a_parent_runs_its_on_delete_rule(app: Any) -> None:
    with app.app_context():
        platform = _platform()
        db.session.execute(insert(Deployment), [{"platform_id": platform, "deployment_id": d} for d in ("1", "2")])
        db.session.commit()
        # Core, not the ORM: the database itself must cascade (ON DELETE CASCADE), as on PostgreSQL.
        db.session.execute(delete(Platform).where(Platform.id == platform))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Deployment)) == 0
