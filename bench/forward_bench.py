"""The outbox worker's delivery rate: statements stored in the tool's database, forwarded to a real
Ralph LRS (fs backend) by the forwarder (`Forwarder.deliver_batch`, what `yanxiu xapi forward`
runs), against posting the same stored bodies, in the same batches, from this process straight to
a second Ralph of the same size. The reference is what the LRS takes from any client, so
forwarder/direct is the share of the delivery time left after the tool's own work (reading the due
entries and their bodies, deleting the delivered entries, the commit).

The case measured is the long one: an LRS registered after the statements were stored is owed the
whole history (`yanxiu xapi lrs add`), as when a province adds its analytics LRS. The two Ralphs
take turns batch by batch, so both grow alike and a burst of other work hits both.
BENCH_FORWARD_STATEMENTS (default 12,000), BENCH_FORWARD_BATCH (default 500, an LRS's default batch
size), BENCH_FORWARD_DB ("sqlite,postgresql").
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from . import datagen
from .ingest_bench import ToolServer, database, ralph_session

FIGURES: dict[str, Any] = {}


def _setting(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low:,} and {high:,}, got {value:,}")
    return value


@contextmanager
def _ralph() -> Iterator[Any]:
    from tests.fixtures.ralph_lrs import RalphServer

    ralph = RalphServer()
    try:
        yield ralph.start()
    finally:
        ralph.close()


def _held(ralph: Any) -> int:
    """Distinct statement ids in Ralph's files (a re-sent statement would be one line more)."""
    return len({line["id"] for line in ralph.raw_lines()})


def measure(kind: str, statements: int, batch: int) -> dict[str, Any]:
    """Seconds the forwarder and the direct posts took for `statements` in batches of `batch`."""
    from sqlalchemy import func, select

    from lti_tool.extensions import db
    from lti_tool.models import Lrs, OutboxEntry, Statement
    from lti_tool.statements.forwarder import Forwarder, add_lrs
    from lti_tool.statements.store import store_statements
    from tests.fixtures.ralph_lrs import PASSWORD, USER

    with ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"yanxiu-bench-forward-{kind}-")))
        server = ToolServer(stack.enter_context(database(kind, root)), root)
        server.migrate()
        app = stack.enter_context(server.app())
        items = datagen.statements(statements, tag=f"forward-{kind}", seed=11)
        for start in range(0, statements, 1000):  # stored by the intake, before any LRS is known
            store_statements(items[start : start + 1000])
        via, direct = stack.enter_context(_ralph()), stack.enter_context(_ralph())
        lrs_id = add_lrs(app.config["SECRET_KEY"], via.endpoint, USER, PASSWORD, name="bench", batch_size=batch).id
        bodies = db.session.scalars(select(Statement.body).order_by(Statement.seq)).all()
        db.session.remove()  # the forwarder starts from a fresh session, as the worker's turn does
        forwarder = Forwarder(app.config["SECRET_KEY"])
        session = stack.enter_context(ralph_session())
        seconds = {"forwarder": 0.0, "direct": 0.0}
        for turn, start in enumerate(range(0, statements, batch)):
            part = bodies[start : start + batch]

            def forward(part: list[str] = part) -> None:
                step = forwarder.deliver_batch(db.session.get(Lrs, lrs_id))
                if step.failed or step.delivered != len(part):
                    raise RuntimeError(f"{kind}: the forwarder delivered {step.delivered} of {len(part)}")

            def post(part: list[str] = part) -> None:
                resp = session.post(direct.endpoint + "statements", data=("[" + ",".join(part) + "]").encode(),
                                    timeout=300)
                if resp.status_code != 200:
                    raise RuntimeError(f"Ralph refused a direct batch: {resp.status_code} {resp.text[:300]}")

            # Take turns as to who goes first: neither always meets the other's just-warmed caches.
            for name, run in (("forwarder", forward), ("direct", post))[:: 1 if turn % 2 else -1]:
                began = time.perf_counter()
                run()
                seconds[name] += time.perf_counter() - began
        left = db.session.scalar(select(func.count()).select_from(OutboxEntry))
        delivered = db.session.get(Lrs, lrs_id).delivered_count
        db.session.remove()
        if left or delivered != statements:
            raise RuntimeError(f"{kind}: {left} outbox entries left, {delivered} counted delivered of {statements}")
        for name, ralph in (("forwarded", via), ("direct", direct)):
            if _held(ralph) != statements:
                raise RuntimeError(f"{kind}: Ralph ({name}) holds {_held(ralph)} statements, {statements} were sent")
    return seconds


def run() -> list[str]:
    statements = _setting("BENCH_FORWARD_STATEMENTS", 12_000, 1_000, 1_000_000)
    batch = _setting("BENCH_FORWARD_BATCH", 500, 1, 1_000)
    kinds = [k for k in os.environ.get("BENCH_FORWARD_DB", "sqlite,postgresql").split(",") if k]
    unknown = set(kinds) - {"sqlite", "postgresql"}
    if unknown:
        raise ValueError(f"BENCH_FORWARD_DB: unknown database(s) {', '.join(sorted(unknown))}")
    out = [f"outbox worker, the whole history to a newly added LRS: {statements:,} stored statements forwarded "
           f"to Ralph (fs) in batches of {batch:,}, vs the same bodies posted straight to a second Ralph; "
           f"statements/s",
           f"  {'store':10} {'forwarder':>10} {'direct':>8} {'forwarder/direct':>17} {'tool ms/batch':>14}"]
    for kind in kinds:
        seconds = measure(kind, statements, batch)
        batches = -(-statements // batch)
        figures = {"statements": statements, "batch": batch, "seconds": seconds,
                   "forwarder_per_s": statements / seconds["forwarder"], "direct_per_s": statements / seconds["direct"],
                   # What the worker adds per batch: its reads, deletes and commit (and the noise).
                   "tool_ms_per_batch": 1000 * (seconds["forwarder"] - seconds["direct"]) / batches}
        FIGURES[kind] = figures
        out.append(f"  {kind:10} {figures['forwarder_per_s']:>10,.0f} {figures['direct_per_s']:>8,.0f} "
                   f"{seconds['direct'] / seconds['forwarder']:>16.2f}× {figures['tool_ms_per_batch']:>14.1f}")
    return out
