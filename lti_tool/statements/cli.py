"""`yanxiu xapi …`: API clients, external LRSs, the forwarder worker, exports."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime

import click
from flask import Flask
from sqlalchemy import select

from ..extensions import db
from ..models import Lrs, Statement


def _app() -> Flask:
    from .. import create_app

    return create_app()


@click.group()
def xapi() -> None:
    """xAPI statements: clients, LRSs, forwarding, export."""


@xapi.group()
def client() -> None:
    """Credentials for content reporting to /xapi/statements."""


@client.command("add")
@click.option("--name", required=True)
def client_add(name: str) -> None:
    """A credential for the whole tool: it reads every statement back (an analytics job, a second
    LRS). For one course's content, its host makes one on /admin/xapi/, which reads that course's."""
    from .clients import create_client

    with _app().app_context():
        try:
            new = create_client(name)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        click.echo(f"key: {new.key}")
        click.echo(f"secret: {new.secret}")


@xapi.group()
def lrs() -> None:
    """External Learning Record Stores that receive a copy of every statement."""


@lrs.command("add")
@click.option("--endpoint", required=True, help="the LRS's xAPI base, e.g. http://host:8100/xAPI/")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--name", default=None)
@click.option("--batch-size", default=500, show_default=True, type=int)
def lrs_add(endpoint: str, username: str, password: str, name: str | None, batch_size: int) -> None:
    from .forwarder import add_lrs

    app = _app()
    with app.app_context():
        try:
            new = add_lrs(app.config["SECRET_KEY"], endpoint, username, password, name, batch_size)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        click.echo(f"added LRS {new.id}: {new.endpoint}")


@lrs.command("list")
def lrs_list() -> None:
    from .forwarder import backlog

    with _app().app_context():
        for item in db.session.scalars(select(Lrs).where(Lrs.active.is_(True)).order_by(Lrs.id)):
            pending, conflicts = backlog(item.id)
            click.echo(f"{item.id}\t{item.endpoint}\tbacklog={pending}\tconflicts={conflicts}\t"
                       f"last_success={item.last_success_at}\tlast_error={item.last_error or '-'}\t"
                       f"resting_until={item.resting_until or '-'}")


@lrs.command("remove")
@click.argument("lrs_id", type=int)
def lrs_remove(lrs_id: int) -> None:
    """Stop forwarding to an LRS. Its undelivered statements stay in the tool's store (`yanxiu xapi
    export` can send them by hand); their outbox rows are dropped so nothing retries."""
    from .forwarder import remove_lrs

    with _app().app_context():
        removed = remove_lrs(lrs_id)
        if removed is None:
            raise click.UsageError(f"LRS_ID: no active LRS {lrs_id} (see `yanxiu xapi lrs list`)")
        item, pending = removed
        click.echo(f"removed LRS {lrs_id}: {item.endpoint} ({pending} undelivered statements not sent)")


@xapi.command("forward")
@click.option("--once", is_flag=True, help="drain the outbox and exit; 1 if anything is left, 2 if another "
              "forwarder is running (it delivers)")
def forward(once: bool) -> None:
    """Run the forwarder worker (or drain once)."""
    from .forwarder import Forwarder, backlog, run_loop
    from .worker_lease import WorkerLease

    app = _app()
    if not once:
        stop = threading.Event()
        click.echo("forwarding statements; Ctrl-C to stop")
        try:
            run_loop(app, stop)
        except KeyboardInterrupt:
            stop.set()
        return
    with app.app_context():
        lease = WorkerLease(db.engine)
        if not lease.held():  # a running worker delivers; two at once would send batches twice
            click.echo("另一个转发进程正在工作，由它投递 / another forwarder is running and delivers: "
                       "nothing was sent", err=True)
            sys.exit(2)
        try:
            totals = Forwarder(app.config["SECRET_KEY"]).drain(ignore_backoff=True)
        finally:
            lease.release()
        left = 0
        for lrs_id, result in totals.items():
            pending, conflicts = backlog(lrs_id)
            left += pending
            click.echo(f"LRS {lrs_id}: delivered={result.delivered} rejected={result.conflicts} "
                       f"left={pending} (rejected kept={conflicts})")
    sys.exit(1 if left else 0)


@xapi.command("export")
@click.option("--since", default=None, help="ISO 8601, stored after")
@click.option("--until", default=None, help="ISO 8601, stored at or before")
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-")
def export(since: str | None, until: str | None, output) -> None:  # type: ignore[no-untyped-def]
    """Write statements as JSON lines (voided ones included, as stored)."""

    def parse(name: str, value: str | None) -> datetime | None:
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise click.BadParameter(f"not an ISO 8601 time: {value!r}", param_hint=f"--{name}") from None
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    start, end = parse("since", since), parse("until", until)
    with _app().app_context():
        # In stored order, as GET /xapi/statements pages: a period is one range of its index.
        query = select(Statement.body).order_by(Statement.stored, Statement.seq)
        if start:
            query = query.where(Statement.stored > start)
        if end:
            query = query.where(Statement.stored <= end)
        count = 0
        for body in db.session.scalars(query.execution_options(yield_per=1000)):
            output.write(body + "\n")
            count += 1
    click.echo(f"exported {count} statements", err=True)
