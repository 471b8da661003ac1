"""Gradebook write-back (LTI AGS) after a change that concerns everyone: every learner of a cohort
is owed a score, and AGS takes one score per request.

A host launches from the strict development platform with BENCH_WRITEBACK_LEARNERS learners in its
course (default 600; the roster comes by NRPS as in production), the workshop's grades are
computed, which queues one score per learner, and the worker's `deliver_due` sends them until none
is due. The platform answers each score BENCH_WRITEBACK_DELAY_MS later (default 50 ms: a Moodle's
own time for a grade update, often more). The reference, in the same run, is the same queue sent
one score at a time (YANXIU_AGS_CONCURRENCY=1, how the tool sent them before); then 4 (the default)
and 8 at once. Tool, platform and database (SQLite) share this process and the machine's cores.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

LEARNERS = int(os.environ.get("BENCH_WRITEBACK_LEARNERS", "600"))
DELAY_MS = float(os.environ.get("BENCH_WRITEBACK_DELAY_MS", "50"))
WIDTHS = (1, 4, 8)
FIGURES: dict[str, Any] = {}


def _add_learners(state: Any, count: int) -> None:
    """`count` more participants in the platform's course, each with a Moodle user id of its own."""
    from lti_tool.devlms.demo_data import DemoUser

    first = max(u.moodle_id for u in state.users.values()) + 1
    for i in range(count):
        user = DemoUser(login=f"city{i:05d}", name=f"学员{i:05d}", role="participant", school=f"学校{i % 40}",
                        town="城关镇", moodle_id=first + i)
        state.users[user.login] = user


def _queue(rows: list[dict[str, Any]], bump: int) -> None:
    """The same scores owed again, `bump` seconds later (the platform takes only newer ones)."""
    from sqlalchemy import insert

    from lti_tool.extensions import db
    from lti_tool.models import ScoreOutbox

    now = datetime.now(UTC)
    owed = []
    for row in rows:
        payload = dict(row["payload"])
        stamp = datetime.fromisoformat(payload["timestamp"].replace("Z", "+00:00")) + timedelta(seconds=bump)
        payload["timestamp"] = stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        owed.append({**row, "payload": payload, "attempts": 0, "next_attempt_at": now, "created_at": now})
    db.session.execute(insert(ScoreOutbox), owed)
    db.session.commit()


def _send_all(app: Any, width: int) -> tuple[float, int]:
    """(seconds, scores sent) for the worker to empty the queue `width` at a time."""
    from lti_tool.grades.writeback import deliver_due

    app.config["AGS_CONCURRENCY"] = width
    sent = 0
    start = time.perf_counter()
    while True:
        done = deliver_due()
        sent += done["sent"]
        if done["failed"]:
            raise RuntimeError(f"writeback bench: {done['failed']} scores failed at width {width}")
        if not done["more"]:
            return time.perf_counter() - start, sent


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    from lti_tool import create_app
    from lti_tool.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def run() -> list[str]:
    from sqlalchemy import delete, select

    from lti_tool.extensions import db
    from lti_tool.grades.service import ensure_fresh
    from lti_tool.models import ScoreOutbox, Workshop
    from tests.fixtures.lti import lti_harness

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per score request otherwise
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        _migrate(url, folder / "instance")
        with lti_harness(url, folder / "instance") as lti:
            _add_learners(lti.state, LEARNERS)
            lti.login("maxiaoyan")  # the host's launch: the workshop, and its roster from NRPS
            app = lti.tool_app
            with app.app_context():
                workshop = db.session.scalars(select(Workshop)).one()
                workshop.grading_preset = "zhenjiang-80-20"
                db.session.commit()
                ensure_fresh(workshop)
                rows = [{"workshop_id": e.workshop_id, "member_id": e.member_id, "line_item_key": e.line_item_key,
                         "payload": e.payload} for e in db.session.scalars(select(ScoreOutbox))]
                db.session.execute(delete(ScoreOutbox))
                db.session.commit()
                if len(rows) < LEARNERS:
                    raise RuntimeError(f"writeback bench: {len(rows)} scores queued for {LEARNERS} learners")
                lti.state.delay("/scores", DELAY_MS / 1000)
                timings = {}
                for bump, width in enumerate(WIDTHS, start=1):
                    _queue(rows, bump)
                    seconds, sent = _send_all(app, width)
                    if sent != len(rows):
                        raise RuntimeError(f"writeback bench: {sent} of {len(rows)} scores sent at width {width}")
                    timings[width] = seconds
                received = len(lti.state.scores)
    if received != len(rows) * len(WIDTHS):
        raise RuntimeError(f"writeback bench: the platform recorded {received} scores")
    FIGURES.update(scores=len(rows), delay_ms=DELAY_MS, seconds={str(w): t for w, t in timings.items()},
                   per_second={str(w): len(rows) / t for w, t in timings.items()})
    one = timings[1]
    lines = [f"{len(rows):,} gradebook scores owed at once, the platform answering each {DELAY_MS:.0f} ms later "
             f"(dev platform over loopback, SQLite)",
             f"  one at a time (reference) {one:.1f} s = {len(rows) / one:,.0f} scores/s"]
    lines += [f"  {w} at once {timings[w]:.1f} s = {len(rows) / timings[w]:,.0f} scores/s = {one / timings[w]:.1f}× "
              f"the reference" for w in WIDTHS[1:]]
    return lines
