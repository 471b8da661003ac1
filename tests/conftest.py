"""Fixture chain: database (SQLite and a real PostgreSQL) → app → client → live servers.

Every test that takes `app` runs twice, on SQLite and on PostgreSQL, each time on a fresh database
made from a migrated template (so migrations are what every test runs on).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lti_tool import create_app
from lti_tool.extensions import db as _db

from .fixtures.postgres import PostgresServer
from .fixtures.redis_server import RedisServer

BACKENDS = ["sqlite", "postgres"]


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "t"})
    with app.app_context():
        upgrade()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """Debian's redis-server on loopback, for the tests of the production profile's shared state."""
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    engine = sa.create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE DATABASE yanxiu_template"))
    engine.dispose()
    _migrate(pg_server.url("yanxiu_template"), tmp_path_factory.mktemp("pg-template-instance"))
    return "yanxiu_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite3"
    _migrate(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "yanxiu.sqlite3"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    request.applymarker(pytest.mark.postgres)
    server: PostgresServer = request.getfixturevalue("pg_server")
    template_name: str = request.getfixturevalue("pg_template")
    name = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    try:
        yield server.url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(database_url: str, instance: Path, **config: Any) -> Any:
    settings: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret",
        "TESTING": True,
    }
    settings.update(config)
    return create_app(settings)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    application = make_app(database_url, tmp_path / "instance")
    yield application
    with application.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


# Property tests run on a loaded 2-core CI machine: judge them by their assertions, not by time.
# (too_slow fires when generating examples is slow, which on a busy machine says nothing about the
# code; the strategies themselves do not filter, so filter_too_much stays on.)
from hypothesis import HealthCheck as _HealthCheck  # noqa: E402
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("yanxiu", deadline=None, suppress_health_check=[_HealthCheck.too_slow])
_hypothesis_settings.load_profile("yanxiu")
