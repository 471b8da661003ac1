"""An evening peak in one workshop: every participant launches at the same moment and, at once,
watches the lesson (the player's flushes, one of them re-sent after a dropped connection), starts a
discussion thread, hands in the assignment and opens their grade, while the host keeps the grade
table open and their tutor marks the work as it comes in and takes the roll of the offline session
(then corrects it). Real threads against the threaded tool server, from a strict Moodle-shaped
platform, on SQLite and PostgreSQL.

Nobody is refused or sees an error, everything is stored once, and the grades the table settles on
are the ones a recomputation from scratch gives: no event of the peak is lost to the incremental
recomputations that ran while it was being written."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from lti_tool.devlms import DEMO_COURSE
from lti_tool.extensions import db
from lti_tool.grades.service import recompute, stored_results
from lti_tool.models import (
    Activity,
    Attendance,
    Phase,
    Post,
    Statement,
    Submission,
    VideoProgress,
    Workshop,
    WorkshopClass,
    WorkshopMember,
)
from lti_tool.statements.events import activity_iri

from ..fixtures.lti import LtiHarness, lti_harness

PARTICIPANTS = [u.login for u in DEMO_COURSE.users if u.role == "participant"]
HOST, TUTOR = "maxiaoyan", "huwenbin"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"|data-csrf="([^"]+)"')
_FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')
_SUBMISSION = re.compile(r'href="/w/\d+(/submissions/\d+)"')


@pytest.fixture
def moodle(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance", profile="moodle") as harness:
        yield harness


def _token(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1) or found.group(2)


def _set_up(moodle: LtiHarness) -> tuple[str, dict[str, int]]:
    """The host's workshop: a 10-minute video, a discussion, an assignment and an offline session,
    graded 80/20; every participant in the tutor's class."""
    host = moodle.driver()
    base = host.launch(HOST).url.rstrip("/")
    s = host.session
    token = _token(s.get(base + "/setup").text)

    def post(path: str, **fields: str) -> None:
        resp = s.post(base + path, data={"csrf_token": token, **fields})
        assert resp.status_code == 200, (path, resp.text[:300])

    post("/setup", title="小学数学工作坊", subject="数学", term="2026", required_hours="20", minutes_per_hour="45",
         hours_rounding="proportional", grading_preset="zhenjiang-80-20")
    post("/phases", title="第一阶段", planned_hours="10")
    with moodle.tool_app.app_context():
        phase = str(db.session.scalars(select(Phase.id)).one())
    post("/activities", kind="video", phase_id=phase, title="课例", required="1",
         video_url="https://media.example.cn/v1.mp4", video_seconds="600")
    post("/activities", kind="discussion", phase_id=phase, title="研讨", required="1", per_class="0")
    post("/activities", kind="assignment", phase_id=phase, title="作业", required="1", max_score="100")
    post("/activities", kind="offline", phase_id=phase, title="线下研修", planned_hours="4", place="县教师发展中心",
         session_date="2026-12-01")
    with moodle.tool_app.app_context():
        ids = {a.kind: a.id for a in db.session.scalars(select(Activity))}
        workshop_id = int(base.rsplit("/", 1)[1])
        members = db.session.scalars(select(WorkshopMember).where(WorkshopMember.workshop_id == workshop_id)).all()
        tutor = next(m for m in members if m.user.name == "胡文斌")
        klass = WorkshopClass(workshop_id=workshop_id, name="城关一班", tutor_member_id=tutor.id)
        db.session.add(klass)
        db.session.flush()
        for m in members:
            if m.role == "participant":
                m.class_id = klass.id
        db.session.commit()
    return base, ids


def _flush(start: int, end: int, session_id: str) -> list[dict[str, Any]]:
    """What the player sends after watching [start, end]: played, then paused with the segment."""
    return [{"key": str(uuid.uuid4()), "verb": "played", "session_id": session_id, "time": start},
            {"key": str(uuid.uuid4()), "verb": "paused", "session_id": session_id, "time": end,
             "progress": end / 600, "segments": [[start, end]]}]


def test_an_evening_peak_in_one_workshop(moodle: LtiHarness) -> None:
    base, ids = _set_up(moodle)
    with moodle.tool_app.app_context():
        roll = sorted(db.session.scalars(select(WorkshopMember.id).where(WorkshopMember.role == "participant")))
    roll_ids, late = ",".join(map(str, roll)), roll[0]
    start = threading.Barrier(len(PARTICIPANTS) + 2)
    answers: list[tuple[str, str, int]] = []
    errors: list[BaseException] = []

    def check(who: str, step: str, resp: Any, expected: int = 200) -> Any:
        answers.append((who, step, resp.status_code))
        assert resp.status_code == expected, (who, step, resp.status_code, resp.text[:300])
        return resp

    def participant(login: str) -> None:
        driver = moodle.driver()
        step = driver.authorize(driver.begin(login))  # the platform's part first, then all at once
        start.wait()
        s = driver.session
        check(login, "launch", driver.post(step, follow=True))
        token = _token(check(login, "video page", s.get(f"{base}/a/{ids['video']}")).text)
        events = f"{base}/a/{ids['video']}/video-events"
        session_id = str(uuid.uuid4())
        first, second = _flush(0, 120, session_id), _flush(120, 300, session_id)
        for body in (first, first, second):  # the first flush again: its answer was lost on the way
            check(login, "player", s.post(events, json=body, headers={"X-CSRF-Token": token}))
        page = check(login, "discussion", s.get(f"{base}/d/{ids['discussion']}")).text
        key = _FORM_KEY.search(page)
        assert key, "no form key on the discussion page"
        thread = {"csrf_token": token, "form_key": key.group(1), "title": f"{login} 的想法", "body": "先提问，再追问。"}
        check(login, "new thread", s.post(f"{base}/d/{ids['discussion']}/threads", data=thread,
                                          allow_redirects=False), 302)
        check(login, "assignment", s.post(f"{base}/as/{ids['assignment']}",
                                          data={"csrf_token": token, "text": f"{login} 的教学设计"}))
        check(login, "my grade", s.get(f"{base}/my-grade"))

    def host() -> None:
        driver = moodle.driver()
        step = driver.authorize(driver.begin(HOST))
        start.wait()
        check(HOST, "launch", driver.post(step, follow=True))
        for _ in range(6):
            check(HOST, "/grades", driver.session.get(base + "/grades"))

    def tutor() -> None:
        """Marks each piece of work as it appears in the queue (80), takes the roll once half the
        class has handed in, and marks one participant late afterwards."""
        driver = moodle.driver()
        step = driver.authorize(driver.begin(TUTOR))
        start.wait()
        s = driver.session
        check(TUTOR, "launch", driver.post(step, follow=True))
        roll = f"{base}/o/{ids['offline']}/attendance"
        page = check(TUTOR, "roll call", s.get(roll)).text
        token = _token(page)
        marked: set[str] = set()
        taken = False
        deadline = time.monotonic() + 90  # how long the participants may take, not a speed check
        while len(marked) < len(PARTICIPANTS) and time.monotonic() < deadline:
            queue = check(TUTOR, "queue", s.get(base + "/queue")).text
            for path in sorted(set(_SUBMISSION.findall(queue)) - marked):
                check(TUTOR, "grade", s.post(f"{base}{path}/grade", data={
                    "csrf_token": token, "action": "score", "score": "80", "comment": "结构清楚"}))
                marked.add(path)
            if not taken and len(marked) >= len(PARTICIPANTS) // 2:
                check(TUTOR, "roll", s.post(roll, data={"csrf_token": token, "members": roll_ids, "all_present": "1"}))
                check(TUTOR, "roll", s.post(roll, data={"csrf_token": token, "members": roll_ids,
                                                       f"status:{late}": "late", f"hours:{late}": "3"}))
                taken = True
            time.sleep(0.05)
        assert len(marked) == len(PARTICIPANTS) and taken, (len(marked), taken)

    def run(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as exc:  # surfaced below, with what everyone else got
            errors.append(exc)
            start.abort()

    people = [lambda login=login: participant(login) for login in PARTICIPANTS]  # type: ignore[misc]
    threads = [threading.Thread(target=run, args=(target,))
               for target in (*people, host, tutor)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, (errors, sorted(answers))
    done = Counter(who for who, _, _ in answers)
    assert [done[login] for login in PARTICIPANTS] == [9] * len(PARTICIPANTS)  # every step was answered

    workshop_id = int(base.rsplit("/", 1)[1])
    with moodle.tool_app.app_context():
        video = activity_iri("video", ids["video"])
        names = set(db.session.scalars(select(WorkshopMember.id).where(
            WorkshopMember.workshop_id == workshop_id, WorkshopMember.role == "participant")))
        assert len(names) == len(PARTICIPANTS)
        watched = db.session.scalars(select(VideoProgress.watched_seconds)).all()
        assert sorted(watched) == [Decimal(300)] * len(PARTICIPANTS)  # 0–120 and 120–300, the re-send once
        per_actor = db.session.execute(select(Statement.actor_key, func.count()).where(Statement.object_id == video)
                                       .group_by(Statement.actor_key)).all()
        assert sorted(n for _, n in per_actor) == [4] * len(PARTICIPANTS)  # two flushes of two events each
        threads_by = db.session.execute(select(Post.author_id, func.count()).group_by(Post.author_id)).all()
        assert sorted(n for _, n in threads_by) == [1] * len(PARTICIPANTS)
        work = db.session.execute(select(Submission.member_id, Submission.version, Submission.state,
                                         Submission.score)).all()
        assert sorted(w[0] for w in work) == sorted(names)
        assert {w[1:] for w in work} == {(1, "graded", Decimal(80))}
        roll_call = db.session.execute(select(Attendance.member_id, Attendance.status, Attendance.hours,
                                              Attendance.revision)).all()
        assert sorted(roll_call) == sorted((m, "late", Decimal(3), 2) if m == late else (m, "present", Decimal(4), 1)
                                           for m in names)
        statement_ids = db.session.scalars(select(Statement.id)).all()
        assert len(statement_ids) == len(set(statement_ids))

    # The grade table, once more after the peak, against everyone computed again from scratch.
    host = moodle.driver()
    host.launch(HOST)
    assert host.session.get(base + "/grades").status_code == 200
    with moodle.tool_app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        shown = {m: (r.total, r.band, r.passed, r.explanation) for m, r in stored_results(workshop).items()}
        recompute(workshop, full=True)
        fresh = {m: (r.total, r.band, r.passed, r.explanation) for m, r in stored_results(workshop).items()}
    assert set(names) <= set(shown)
    assert {m: shown[m] for m in names} == {m: fresh[m] for m in names}
    assert all(shown[m][0] > 0 for m in names)  # each one's viewing time counts
