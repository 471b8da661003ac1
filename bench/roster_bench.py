"""A city's roster written by the NRPS sync and checked by the import planner, each against a
reference measured in the same run on the same rows:

- first sync of BENCH_ROSTER_MEMBERS members (default 23,000) into an empty workshop
  (`roster.apply_members` + commit) vs a raw Core INSERT of the same users and members in one
  transaction: the store's own limit for those rows;
- the same roster synced again, nothing changed, vs reading the members with their users' ids in
  one query: the least a sync must read;
- planning an import of 5,000 rows (the most a file may hold) against those members
  (`roster_io.plan_import`) vs reading the file (`read_table`).

The NRPS requests themselves are the platform's time and are not measured here (with pages of 1,000,
a roster of 23,000 is 23 of them). SQLite, in process.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from .timing import best_of
from .workshop_db import ISSUER, empty_workshop

MEMBERS = int(os.environ.get("BENCH_ROSTER_MEMBERS", "23000"))
IMPORT_ROWS = 5_000
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
FIGURES: dict[str, float] = {}


def _entries(count: int) -> list[dict[str, Any]]:
    return [{"status": "Active", "user_id": f"city-{i:05d}", "roles": [LEARNER], "name": f"学员{i:05d}",
             "email": f"t{i:05d}@jiaoyu.example.cn"} for i in range(count)]


def _raw_insert(count: int, workshop_id: int) -> float:
    """The same users and members inserted by Core executemany, one transaction (a second
    workshop's, so nothing collides with the sync's rows)."""
    from sqlalchemy import insert, select

    from lti_tool.extensions import db
    from lti_tool.models import ResourceLink, User, Workshop, WorkshopMember

    other = db.session.get(Workshop, workshop_id)
    link = ResourceLink(course_id=other.course_id, resource_link_id="raw", title="raw", custom={})
    db.session.add(link)
    db.session.flush()
    copy = Workshop(course_id=other.course_id, resource_link_id=link.id, title="raw", grading_overrides={})
    db.session.add(copy)
    db.session.commit()
    users = [{"issuer": ISSUER + "/raw", "sub": f"raw-{i:05d}", "name": f"学员{i:05d}",
              "email": f"t{i:05d}@jiaoyu.example.cn"} for i in range(count)]
    start = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(insert(User), users)
        ids = conn.execute(select(User.id).where(User.issuer == ISSUER + "/raw").order_by(User.id)).scalars().all()
        conn.execute(insert(WorkshopMember), [{"workshop_id": copy.id, "user_id": uid, "role": "participant",
                                               "role_source": "lti", "active": True} for uid in ids])
    return time.perf_counter() - start


def run() -> list[str]:
    from sqlalchemy import select

    from lti_tool.extensions import db
    from lti_tool.models import User, Workshop, WorkshopMember
    from lti_tool.workshops.roster import apply_members
    from lti_tool.workshops.roster_io import Person, plan_import, read_table, to_csv

    entries = _entries(MEMBERS)
    with tempfile.TemporaryDirectory() as tmp, empty_workshop(Path(tmp)) as (_app, workshop):
        workshop_id = workshop.id
        start = time.perf_counter()
        created = apply_members(workshop, entries).created
        db.session.commit()
        first = time.perf_counter() - start
        raw = _raw_insert(MEMBERS, workshop_id)

        def again() -> None:
            db.session.remove()
            apply_members(db.session.get(Workshop, workshop_id), entries)
            db.session.commit()

        def read_members() -> None:
            db.session.remove()
            db.session.execute(select(WorkshopMember, User.sub).join(User)
                               .where(WorkshopMember.workshop_id == workshop_id)).all()

        resync, read = best_of(again), best_of(read_members)
        people = [Person(id=i, sub=e["user_id"], email=e["email"], name=e["name"], roster_name=None,
                         school=f"学校{i % 40}", town=None, class_name=None, group_name=None, role="participant")
                  for i, e in enumerate(entries)]
        step = max(1, MEMBERS // IMPORT_ROWS)
        rows = [[e["name"], e["user_id"] if i % 2 else "", f"学校{i % 40}", "城关镇", f"{i % 40 + 1}班",
                 f"第{i % 10 + 1}组", "学员"] for i, e in list(enumerate(entries))[::step][:IMPORT_ROWS]]
        data = to_csv(rows)
        parse = best_of(lambda: read_table(data, "roster.csv"))
        table = read_table(data, "roster.csv")
        plan = best_of(lambda: plan_import(table, people, [], [], max_class_size=10**6, max_cohosts=3))
        planned = plan_import(table, people, [], [], max_class_size=10**6, max_cohosts=3)
        if created != MEMBERS or not planned.ok:
            raise RuntimeError(f"roster bench: {created} created, plan errors {planned.errors[:3]}")
    FIGURES.update(members=MEMBERS, first_sync=first, raw_insert=raw, resync=resync, read_members=read,
                   import_rows=len(rows), plan=plan, parse=parse)
    return [f"a roster of {MEMBERS:,} members (SQLite, in process; the platform's NRPS time not included)",
            f"  first sync {first:.2f} s = {first / raw:.1f}× a raw INSERT of the same users and members "
            f"({raw:.2f} s)",
            f"  synced again, nothing changed, {resync:.2f} s = {resync / read:.1f}× reading the members with "
            f"their ids ({read:.2f} s)",
            f"  import of {len(rows):,} rows planned in {plan:.3f} s = {plan / parse:.1f}× reading the file "
            f"({parse:.3f} s)"]
