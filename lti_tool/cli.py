"""The `yanxiu` command: database, server, demo, platform registrations, keys, grades, xAPI."""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

import click

from . import create_app


def _app() -> Any:
    return create_app()


class _Main(click.Group):
    """Bad configuration ends every command with one line naming the variable, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from .config import ConfigError

        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(f"configuration: {exc}") from None


@click.group(cls=_Main)
def main() -> None:
    """研修 Yanxiu — LTI 1.3 teacher-training workshops."""


# --- database -------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database migrations (Alembic through Flask-Migrate)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from flask_migrate import upgrade

    app = _app()
    with app.app_context():
        upgrade(revision=revision)
    click.echo(f"database at {revision}: {_safe_url(app.config['SQLALCHEMY_DATABASE_URI'])}")


@db.command("check")
def db_check() -> None:
    """Fail when the models and the migrations disagree (autogenerate finds a difference)."""
    from flask_migrate import check

    with _app().app_context():
        check()


def _safe_url(url: str) -> str:
    """Never print a database password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- server ---------------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--threads", default=4, show_default=True, type=int)
@click.option("--forwarder-thread/--no-forwarder-thread", default=None,
              help="forward statements from a thread in the worker (default: only with one worker)")
def serve(host: str, port: int, workers: int, threads: int, forwarder_thread: bool | None) -> None:
    """Run the production WSGI server (gunicorn), never Flask's debug server."""
    from .server import run_gunicorn

    _preflight()
    if forwarder_thread is None:
        # Several workers: run `yanxiu xapi forward` as its own process instead.
        forwarder_thread = workers == 1
    run_gunicorn(host=host, port=port, workers=workers, threads=threads, forwarder_thread=forwarder_thread)


def _check_database(app: Any) -> None:
    """One line naming YANXIU_DATABASE_URL (password masked) when the database cannot be used."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from .extensions import db

    with app.app_context():
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise click.ClickException(
                f"YANXIU_DATABASE_URL: cannot use {_safe_url(app.config['SQLALCHEMY_DATABASE_URI'])}: {reason}"
            ) from None
        finally:
            db.session.remove()
            db.engine.dispose()


def _preflight() -> None:
    """Check the database and Redis once, in the master, before any worker starts.

    Workers import the app after the fork; a worker that cannot start makes gunicorn halt with a
    traceback per worker. Checking here gives one line naming the variable (passwords masked).
    """
    app = _app()
    _check_database(app)
    if app.config.get("REDIS_URL"):
        from .lti.storage_redis import check_redis

        try:
            check_redis(app.config["REDIS_URL"])
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from None


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=None, type=int, help="defaults to $PORT or 8000")
def demo(host: str, port: int | None) -> None:
    """Migrate, register the built-in development LMS and serve (what `make demo` runs)."""
    from .demo import run_demo

    if os.environ.get("YANXIU_ENV", "production") == "production":
        os.environ["YANXIU_ENV"] = "demo"
    run_demo(host=host, port=port or int(os.environ.get("PORT", 8000)))


# --- platforms ------------------------------------------------------------------------------


@main.group()
def platform() -> None:
    """LMS platform registrations (Moodle sites, Open edX instances)."""


@platform.command("add")
@click.option("--issuer", required=True, help="the platform ID (Moodle: site wwwroot)")
@click.option("--client-id", required=True)
@click.option("--auth-login-url", required=True)
@click.option("--auth-token-url", required=True)
@click.option("--key-set-url", required=True)
@click.option("--deployment-id", "deployment_ids", multiple=True, required=True, help="repeatable")
@click.option("--name", default=None)
@click.option("--kind", type=click.Choice(["moodle", "openedx", "other"]), default="other")
@click.option("--auth-audience", default=None)
def platform_add(**opts: Any) -> None:
    """Register a platform (or add deployment ids to an existing one)."""
    from .platforms import PlatformInput, upsert_platform

    with _app().app_context():
        try:
            platform, created = upsert_platform(PlatformInput.from_cli(opts))
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        verb = "added" if created else "updated"
        click.echo(f"{verb} platform {platform.id}: {platform.issuer} client_id={platform.client_id} "
                   f"deployments={','.join(platform.deployment_ids)}")


@platform.command("list")
def platform_list() -> None:
    from .platforms import list_platforms

    with _app().app_context():
        rows = list_platforms()
        if not rows:
            click.echo("no platforms registered")
        for p in rows:
            click.echo(f"{p.id}\t{p.name}\t{p.issuer}\t{p.client_id}\t{','.join(p.deployment_ids)}")


@platform.command("remove")
@click.argument("ident")
@click.option("--client-id", default=None, help="when the issuer has several registrations")
def platform_remove(ident: str, client_id: str | None) -> None:
    """Remove a platform by its id or issuer."""
    from .platforms import remove_platform

    with _app().app_context():
        try:
            removed = remove_platform(ident, client_id)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"removed platform {removed}")


# --- keys -----------------------------------------------------------------------------------


@main.group()
def keys() -> None:
    """The tool's signing keys."""


@keys.command("rotate")
def keys_rotate() -> None:
    """Add a new signing key; the old one stays published for the grace period."""
    app = _app()
    with app.app_context():
        key = app.extensions["yanxiu"].keys.rotate()
        click.echo(f"new signing key kid={key.kid}; previous keys published for "
                   f"{app.config['KEY_GRACE_DAYS']} days")


@keys.command("list")
def keys_list() -> None:
    app = _app()
    with app.app_context():
        from .models import ToolKey

        for k in ToolKey.query.order_by(ToolKey.id):
            state = "signing" if k.retired_at is None else f"retired, published until {k.publish_until}"
            click.echo(f"{k.kid}\t{k.created_at:%Y-%m-%d %H:%M}\t{state}")


def _mount_groups() -> None:
    """Mount the command groups that live beside their packages (grading engine, statements)."""
    from grading.cli import grade

    from .statements.cli import xapi

    main.add_command(grade)
    main.add_command(xapi)
    # The forwarder's loop survives database hiccups by design; a database that is wrong from the
    # start must instead stop it at once with one line, as `serve` does.
    forward = xapi.commands["forward"]
    loop = forward.callback
    assert loop is not None

    def checked_forward(*args: Any, **kwargs: Any) -> Any:
        _check_database(_app())
        return loop(*args, **kwargs)

    forward.callback = functools.update_wrapper(checked_forward, loop)


_mount_groups()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
