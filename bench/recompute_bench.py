"""A workshop's grades recomputed from the database (facts gathered, engine run, rows stored),
against the engine alone on the same records: the ratio is the price of reading the records."""

from __future__ import annotations

import os
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from .timing import best_of
from .workshop_db import ISSUER, empty_workshop

# A city program (seed 004 方案4: ~23,000 teachers); BENCH_RECOMPUTE_PARTICIPANTS makes it smaller.
PARTICIPANTS = int(os.environ.get("BENCH_RECOMPUTE_PARTICIPANTS", "23000"))
# The scheme; dawukou-80-20 ranks within each school (40 schools here), so one learner's change
# recomputes their school.
PRESET = os.environ.get("BENCH_RECOMPUTE_PRESET", "zhenjiang-80-20")
FIGURES: dict[str, float] = {}


def run() -> list[str]:
    from sqlalchemy import select

    from grading import compute
    from lti_tool.extensions import db
    from lti_tool.grades.service import cohort, recompute, workshop_policy
    from lti_tool.models import Activity, Submission, User, VideoProgress, Workshop, WorkshopMember
    from lti_tool.statements.actors import lti_actor_key

    with tempfile.TemporaryDirectory() as tmp, empty_workshop(Path(tmp), PRESET) as (_app, workshop):
        videos = [Activity(workshop_id=workshop.id, kind="video", title=f"v{i}", required=True,
                           video_url="https://v.example/x.mp4", video_seconds=Decimal(2700)) for i in range(8)]
        tasks = [Activity(workshop_id=workshop.id, kind="assignment", title=f"a{i}", required=i < 2,
                          max_score=Decimal(100), choices=[]) for i in range(3)]
        db.session.add_all(videos + tasks)
        db.session.flush()
        users = [User(issuer=ISSUER, sub=f"u{i}", name=f"学员{i}") for i in range(PARTICIPANTS)]
        db.session.add_all(users)
        db.session.flush()
        members = [WorkshopMember(workshop_id=workshop.id, user_id=u.id, role="participant",
                                  school=f"学校{i % 40}") for i, u in enumerate(users)]
        db.session.add_all(members)
        db.session.flush()
        for i, (user, member) in enumerate(zip(users, members, strict=True)):
            for j, v in enumerate(videos):
                db.session.add(VideoProgress(actor_key=lti_actor_key(user.issuer, user.sub),
                                             video_id=f"http://bench.local/xapi/activities/video/{v.id}",
                                             ranges="[]", watched_seconds=Decimal((i * 37 + j * 11) % 2701)))
            for k, t in enumerate(tasks):
                db.session.add(Submission(activity_id=t.id, member_id=member.id, text="x", state="graded",
                                          score=Decimal((i + k * 17) % 101)))
        db.session.commit()
        policy = workshop_policy(workshop)
        _, records = cohort(workshop, policy)
        engine = best_of(lambda: compute(policy, records))
        start = time.perf_counter()
        recompute(workshop)  # the first one writes every learner's row
        first = time.perf_counter() - start
        again = best_of(lambda: recompute(workshop, full=True))
        # One learner's new score: the incremental path reads and stores that learner only. Each
        # round starts from an empty session, as a request does (the objects this bench loaded
        # would otherwise make every commit expire tens of thousands of them).
        first_member = members[0].id
        workshop_id = workshop.id

        def one_changed() -> None:
            db.session.remove()
            sub = db.session.scalars(select(Submission).where(Submission.member_id == first_member)).first()
            sub.score = (sub.score + 1) % 101
            db.session.commit()  # the session hook lists the learner
            recompute(db.session.get(Workshop, workshop_id))

        single = best_of(one_changed)
    FIGURES.update(engine=engine, first=first, full_unchanged=again, one_learner=single)
    return [f"recompute from the database: {PARTICIPANTS:,} participants × 8 videos + 3 assignments (SQLite, {PRESET})",
            f"  engine alone {engine:.2f} s; first full recompute (all rows written) {first:.2f} s = "
            f"{first / engine:.1f} × the engine alone; full recompute with nothing changed {again:.2f} s = "
            f"{again / engine:.1f} ×",
            f"  one learner's score changed (incremental: that learner, or their school under a per-school "
            f"cap) {single * 1000:.1f} ms = "
            f"{single / engine:.4f} × the engine alone for everyone"]
