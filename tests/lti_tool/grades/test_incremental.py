"""Incremental recomputation (grading issue "In the product": "incrementally"): a learner's own event
recomputes that learner only, and the stored results then equal a full pass; a change that may
concern anyone, or a scheme that ranks people (share caps), recomputes everyone; statements about a
reading (stored in bulk, past the ORM hook) mark their learner too."""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.china import china_time
from lti_tool.extensions import db
from lti_tool.grades.feed import record_to_json
from lti_tool.grades.service import own_record, workshop_policy
from lti_tool.models import Activity, GradeDirty, GradeResult, GradeState, Workshop

from ...fixtures.lti import LtiHarness, keep_members, lti_harness
from ..workshops.test_pages import csrf
from .test_grade_pages import add_activity, graded_workshop, member, watch_whole_video


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def stored() -> dict[int, tuple[Any, ...]]:
    return {r.member_id: (r.total, r.band, r.passed, r.credits, r.explanation)
            for r in db.session.scalars(select(GradeResult))}


def shown_record(page: str) -> dict[str, Any]:
    """The "计算所用数据" (data used) section of a grade explanation page."""
    found = re.search(r'<pre class="explain" id="record">(.*?)</pre>', page, re.S)
    assert found, "the page shows no data section"
    return dict(json.loads(html.unescape(found.group(1))))


def state() -> GradeState:
    db.session.expire_all()
    return db.session.scalars(select(GradeState)).one()


def three_learners(lti: LtiHarness) -> tuple[Any, str, dict[str, Any]]:
    """graded_workshop (王丽华 done) plus 李建国 and 张秀英, who have done nothing; computed once."""
    host, base, wang = graded_workshop(lti)
    people = {"wanglihua": wang, "lijianguo": lti.driver(), "zhangxiuying": lti.driver()}
    people["lijianguo"].launch("lijianguo")
    people["zhangxiuying"].launch("zhangxiuying")
    keep_members(lti, int(base.rsplit("/", 1)[1]), "maxiaoyan", "wanglihua", "lijianguo", "zhangxiuying")
    assert host.get(base + "/grades").status_code == 200  # the first (full) computation
    with lti.tool_app.app_context():
        s = state()
        assert not s.stale and not s.full and db.session.scalars(select(GradeDirty)).all() == []
    return host, base, people


def test_a_learners_event_recomputes_that_learner_only(lti: LtiHarness) -> None:
    from lti_tool.grades.service import recompute

    _host, base, people = three_learners(lti)
    with lti.tool_app.app_context():
        video = db.session.scalars(select(Activity.id).where(Activity.kind == "video")).one()
        before = stored()
    watch_whole_video(people["lijianguo"], base, video)
    with lti.tool_app.app_context():
        s = state()
        assert s.stale and not s.full
        li = member(lti, "李建国")
        assert {d.actor_key for d in db.session.scalars(select(GradeDirty))} == {
            f"account:{li.user.issuer}|{li.user.sub}"}
        workshop = db.session.get(Workshop, li.workshop_id)
        results = recompute(workshop)
        assert [r.learner for r in results] == [str(li.id)]  # one learner read, not three
        incremental = stored()
        assert not state().stale and db.session.scalars(select(GradeDirty)).all() == []
        changed = {m for m in incremental if incremental[m] != before[m]}
        assert changed == {li.id}
        # The same rows a full pass stores.
        recompute(workshop, full=True)
        assert stored() == incremental


def test_many_changed_learners_are_recomputed_in_one_pass_over_everyone(lti: LtiHarness, monkeypatch: Any) -> None:
    """Past INCREMENTAL_LIMIT changed learners (a province after the worker was down) the
    incremental path would name them all in SQL lists longer than a statement may carry: everyone
    is recomputed instead, with the same results."""
    from lti_tool.grades import service

    monkeypatch.setattr(service, "INCREMENTAL_LIMIT", 1)
    _host, base, people = three_learners(lti)
    with lti.tool_app.app_context():
        video, reading = (db.session.scalars(select(Activity.id).where(Activity.kind == kind)).one()
                          for kind in ("video", "reading"))
    watch_whole_video(people["lijianguo"], base, video)
    with lti.tool_app.app_context():
        workshop_id = member(lti, "李建国").workshop_id
        assert len(service.recompute(db.session.get(Workshop, workshop_id))) == 1  # one changed: within the limit
    assert people["lijianguo"].session.get(f"{base}/a/{reading}").status_code == 200  # opening it counts
    watch_whole_video(people["zhangxiuying"], base, video)
    with lti.tool_app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        results = service.recompute(workshop)
        assert len(results) == 3  # two changed: everyone, in one pass
        assert not state().stale and db.session.scalars(select(GradeDirty)).all() == []
        after = stored()
        service.recompute(workshop, full=True)
        assert stored() == after


def test_a_computation_overtaken_by_a_later_one_stores_nothing(lti: LtiHarness, monkeypatch: Any) -> None:
    """Two readers recompute at once (an evening peak): the first reads 李建国's records, then he
    opens the reading and the second reader computes and commits first. The first one's older
    result must not be written over the second's: its dirty rows are gone (the second consumed
    them), so nothing would ever correct it. It stores nothing instead."""
    from lti_tool.grades import service

    host, base, people = three_learners(lti)
    with lti.tool_app.app_context():
        video, reading = (db.session.scalars(select(Activity.id).where(Activity.kind == kind)).one()
                          for kind in ("video", "reading"))
    watch_whole_video(people["lijianguo"], base, video)
    compute, overtaken = service.compute, threading.Event()

    def meanwhile() -> None:  # the other reader, while the first one computes
        assert people["lijianguo"].session.get(f"{base}/a/{reading}").status_code == 200
        assert host.get(base + "/grades").status_code == 200

    def first_computes(*args: Any) -> Any:
        if not overtaken.is_set():  # the first reader's computation, once
            overtaken.set()
            other = threading.Thread(target=meanwhile)
            other.start()
            other.join(30)
        return compute(*args)

    monkeypatch.setattr(service, "compute", first_computes)
    with lti.tool_app.app_context():
        li = member(lti, "李建国")
        workshop = db.session.get(Workshop, li.workshop_id)
        service.recompute(workshop)  # read the video only, then overtaken
        assert overtaken.is_set()
        db.session.expire_all()
        assert db.session.scalars(select(GradeDirty)).all() == []  # the second reader consumed both
        after = stored()
        service.recompute(workshop, full=True)
        assert stored() == after  # what a full pass gives: the reading counts
        assert not state().stale


def test_a_change_that_may_concern_anyone_recomputes_everyone(lti: LtiHarness) -> None:
    from lti_tool.grades.service import recompute

    host, base, _people = three_learners(lti)
    add_activity(host, base, kind="reading", title="必读材料", required="1")  # every required mean moves
    with lti.tool_app.app_context():
        s = state()
        assert s.stale and s.full
        workshop = db.session.get(Workshop, s.workshop_id)
        assert len(recompute(workshop)) == 3
        assert not state().full


def test_a_scheme_that_ranks_within_schools_recomputes_the_learners_school(lti: LtiHarness) -> None:
    """dawukou-80-20 caps 优秀 at 25 % per school: one learner's score can demote another of their
    school, and nobody elsewhere. zhucheng-remote's outstanding 10 % spans the whole workshop."""
    from lti_tool.grades.service import recompute

    host, base, people = three_learners(lti)

    def scheme(preset: str) -> None:
        token = csrf(host.get(base + "/setup").text)
        r = host.post(base + "/setup", data={"csrf_token": token, "title": "小学数学工作坊", "required_hours": "25",
                                             "minutes_per_hour": "45", "hours_rounding": "proportional",
                                             "grading_preset": preset})
        assert r.status_code == 200
        assert host.get(base + "/grades").status_code == 200

    with lti.tool_app.app_context():
        video = db.session.scalars(select(Activity.id).where(Activity.kind == "video")).one()
        wang, li, zhang = (member(lti, name) for name in ("王丽华", "李建国", "张秀英"))
        assert wang.school == li.school
        zhang.school = "北关小学"
        db.session.commit()
        ids = {"wang": wang.id, "li": li.id, "zhang": zhang.id}
    scheme("dawukou-80-20")
    watch_whole_video(people["lijianguo"], base, video)
    with lti.tool_app.app_context():
        s = state()
        assert s.stale and not s.full
        workshop = db.session.get(Workshop, s.workshop_id)
        assert sorted(int(r.learner) for r in recompute(workshop)) == sorted([ids["wang"], ids["li"]])
        incremental = stored()
        recompute(workshop, full=True)
        assert stored() == incremental  # what a full pass stores
    scheme("zhucheng-remote")
    watch_whole_video(people["zhangxiuying"], base, video)
    with lti.tool_app.app_context():
        s = state()
        assert s.stale and not s.full
        assert len(recompute(db.session.get(Workshop, s.workshop_id))) == 3


def test_finishing_a_reading_counts_and_opening_it_does_not(lti: LtiHarness) -> None:
    """Statements are stored in bulk; one about a reading still reaches the grade. Opening the page
    is not reading it: only 我已读完 (reading.completed) earns the optional 20 %, which opening alone
    used to give."""
    from .test_grade_pages import finish_reading

    host, base, people = three_learners(lti)
    with lti.tool_app.app_context():
        reading = db.session.scalars(select(Activity.id).where(Activity.kind == "reading")).one()
        li_id = member(lti, "李建国").id

    def total() -> Any:
        assert host.get(base + "/grades").status_code == 200
        with lti.tool_app.app_context():
            return db.session.scalars(select(GradeResult.total).where(GradeResult.member_id == li_id)).one()

    before = total()
    assert people["lijianguo"].session.get(f"{base}/a/{reading}").status_code == 200
    with lti.tool_app.app_context():
        assert state().stale  # looked at again, and nothing changed
    assert total() == before
    home = people["lijianguo"].session.get(base + "/").text
    assert "已读完" not in home
    finish_reading(people["lijianguo"], base, reading)
    with lti.tool_app.app_context():
        assert state().stale
    assert total() - before == 20
    assert "已读完" in people["lijianguo"].session.get(base + "/").text  # and his list says so


def test_the_background_worker_refreshes_stale_grades(lti: LtiHarness) -> None:
    """refresh_stale (run by the outbox worker) recomputes a stale workshop before anyone reads it,
    at most every `every_seconds`, and leaves a workshop whose scheme fails to load alone."""
    from decimal import Decimal

    from lti_tool.grades.service import refresh_stale
    from lti_tool.models import Submission

    three_learners(lti)
    with lti.tool_app.app_context():
        assert refresh_stale(every_seconds=0) == 0  # nothing is stale
        sub = db.session.scalars(select(Submission)).one()
        sub.score = Decimal(60)
        db.session.commit()
        assert state().stale
        assert refresh_stale(every_seconds=3600) == 0  # computed moments ago: not yet
        assert refresh_stale(every_seconds=0) == 1
        s = state()
        assert not s.stale
        row = db.session.scalars(select(GradeResult).where(GradeResult.member_id == sub.member_id)).one()
        assert row.total == Decimal("84.00")  # required mean(100, 60) → 64, + optional 20
        sub.score = Decimal(70)
        db.session.commit()
        state().error = "policy: broken"
        db.session.commit()
        assert refresh_stale(every_seconds=0) == 0 and state().stale


def test_a_large_cohort_shows_its_last_results_while_everyone_is_recomputed(lti: LtiHarness) -> None:
    """Above YANXIU_GRADES_INLINE_LEARNERS the grade table does not wait for a full recomputation
    (8 s at 23,000): it shows the last results and says so. ?fresh=1 waits; the worker refreshes."""
    from lti_tool.grades.service import refresh_stale

    host, base, _people = three_learners(lti)
    with lti.tool_app.app_context():
        computed = state().computed_at
    add_activity(host, base, kind="reading", title="必读材料", required="1")  # concerns everyone

    lti.tool_app.config["GRADES_INLINE_LEARNERS"] = 3  # three learners: not more than the limit, so it waits
    page = host.get(base + "/grades")
    assert page.status_code == 200 and 'id="pending"' not in page.text
    with lti.tool_app.app_context():
        assert not state().stale
        computed = state().computed_at
    assert china_time(computed) in page.text  # when it was computed, in the workshops' time zone

    add_activity(host, base, kind="reading", title="补充材料", required="1")
    lti.tool_app.config["GRADES_INLINE_LEARNERS"] = 2  # now the cohort counts as large
    page = host.get(base + "/grades")
    assert page.status_code == 200 and 'id="pending"' in page.text and "?fresh=1" in page.text
    assert "王丽华" in page.text  # the last results are listed
    with lti.tool_app.app_context():
        s = state()
        assert s.stale and s.full and s.computed_at == computed  # nothing was recomputed for the page
        assert refresh_stale(every_seconds=0) == 1  # the background worker's turn
        assert not state().stale
    assert 'id="pending"' not in host.get(base + "/grades").text

    add_activity(host, base, kind="reading", title="拓展阅读", required="1")
    page = host.get(base + "/grades?fresh=1")  # the reader chose to wait
    assert page.status_code == 200 and 'id="pending"' not in page.text
    with lti.tool_app.app_context():
        assert not state().stale


def test_a_scheme_ranking_the_whole_workshop_does_not_make_a_large_cohorts_pages_wait(lti: LtiHarness) -> None:
    """Under zhucheng-remote (outstanding: the top 10 % of the whole workshop) every recomputation
    is of everyone, even after one learner's event. Above YANXIU_GRADES_INLINE_LEARNERS neither the
    grade table nor a participant's grade page waits for it: the table says so and the worker
    recomputes; the participant's page shows their result computed from their records as they are."""
    from lti_tool.grades.service import refresh_stale

    host, base, people = three_learners(lti)
    token = csrf(host.get(base + "/setup").text)
    assert host.post(base + "/setup", data={"csrf_token": token, "title": "小学数学工作坊", "required_hours": "25",
                                            "minutes_per_hour": "45", "hours_rounding": "proportional",
                                            "grading_preset": "zhucheng-remote"}).status_code == 200
    assert host.get(base + "/grades").status_code == 200  # three learners: computed inline
    with lti.tool_app.app_context():
        video = db.session.scalars(select(Activity.id).where(Activity.kind == "video")).one()
        computed = state().computed_at
    lti.tool_app.config["GRADES_INLINE_LEARNERS"] = 2  # now the cohort counts as large
    before = people["lijianguo"].session.get(base + "/my-grade").text
    watch_whole_video(people["lijianguo"], base, video)  # one learner's event, not a full mark
    with lti.tool_app.app_context():
        s = state()
        assert s.stale and not s.full
    page = host.get(base + "/grades")
    assert page.status_code == 200 and 'id="pending"' in page.text
    mine = people["lijianguo"].session.get(base + "/my-grade")
    assert mine.status_code == 200
    with lti.tool_app.app_context():
        assert state().computed_at == computed  # neither page recomputed everyone
    total = re.compile(r'id="total">([^<]+)<')
    assert total.search(mine.text).group(1) != total.search(before).group(1)  # the video counts already
    # The page's "data used" is the record of the result it shows, not the stored (older) one.
    shown = shown_record(mine.text)
    assert '"name": "李建国"' in html.unescape(mine.text)  # readable, not \\u escapes
    assert shown != shown_record(before) and shown["hours"] != shown_record(before)["hours"]
    with lti.tool_app.app_context():
        learner = member(lti, "李建国")
        workshop = db.session.get(Workshop, learner.workshop_id)
        assert shown == record_to_json(own_record(workshop, workshop_policy(workshop), learner))
        row = db.session.scalars(select(GradeResult).where(GradeResult.member_id == learner.id)).one()
        assert shown != row.explanation["record"]
        assert refresh_stale(every_seconds=0) == 1  # the background worker's turn
        assert not state().stale
    assert 'id="pending"' not in host.get(base + "/grades").text
