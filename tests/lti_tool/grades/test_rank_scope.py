"""A participant's page under a scheme that ranks people within a school (dawukou-80-20: at most
25 % of a school may be 优秀) reads that school's records only, and shows what the whole cohort
would: the same record, the same result, the same needs (grades/rank_scope.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from grading import load_policy, what_if
from lti_tool.extensions import db
from lti_tool.grades.rank_scope import rank_scope, same_scope
from lti_tool.grades.service import cohort, graded_members, what_if_records, workshop_policy
from lti_tool.models import StudyGroup, Workshop, WorkshopClass

from ...fixtures.lti import LtiHarness, keep_members, lti_harness
from ..workshops.test_pages import csrf
from .test_grade_pages import graded_workshop, member

SCHOOLS = {"王丽华": "城关小学", "张秀英": "城关小学", "李建国": "北关小学", "刘洋": ""}


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def test_the_presets_rank_within_one_scope_or_everyone() -> None:
    assert rank_scope(load_policy("dawukou-80-20")) == "school"
    assert rank_scope(load_policy("zhucheng-remote")) is None  # outstanding 10 % of the whole workshop
    policy = load_policy("dawukou-80-20")
    assert rank_scope(dataclasses.replace(policy, share_caps=tuple(
        dataclasses.replace(cap, scope="class") for cap in policy.share_caps))) == "class"
    outstanding = load_policy("zhucheng-remote").outstanding
    assert outstanding is not None
    mixed = dataclasses.replace(policy, outstanding=dataclasses.replace(outstanding, scope="class"))
    assert rank_scope(mixed) is None  # a school's cap could change who is eligible in a class


def test_a_participants_what_if_reads_their_school_and_matches_the_whole_cohort(
        lti: LtiHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole cohort read as a city's is (every row, no ids sent), one school's by ids in chunks
    (of one here, so every chunk boundary is crossed): the same records."""
    from lti_tool.grades import facts
    from lti_tool.statements import bulk_sql

    host, base, _ = graded_workshop(lti)
    for login in ("lijianguo", "zhangxiuying", "liuyang"):
        lti.driver().launch(login)
    workshop_id = int(base.rsplit("/", 1)[1])
    keep_members(lti, workshop_id, "maxiaoyan", "wanglihua", "lijianguo", "zhangxiuying", "liuyang")
    token = csrf(host.get(base + "/setup").text)
    assert host.post(base + "/setup", data={"csrf_token": token, "title": "工作坊", "required_hours": "25",
                                            "minutes_per_hour": "45", "hours_rounding": "proportional",
                                            "grading_preset": "dawukou-80-20"}).status_code == 200
    with lti.tool_app.app_context():
        people = {name: member(lti, name) for name in SCHOOLS}
        for name, school in SCHOOLS.items():
            people[name].school = school or None
        db.session.commit()
        ids = {name: m.id for name, m in people.items()}
    # Everyone 优秀 on practice: the cap (floor of 25 % of a school) then demotes people by school.
    scores = {f"score:{i}:{key}": value for i in ids.values() for key, value in (("written", "90"), ("practice", "19"))}
    assert host.post(base + "/grades/manual", data={"csrf_token": csrf(host.get(base + "/grades/manual").text),
                                                    **scores}).status_code == 200
    with lti.tool_app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        policy = workshop_policy(workshop)
        with monkeypatch.context() as whole:
            whole.setattr(facts, "NARROW_LIMIT", 0)
            _, everyone = cohort(workshop, policy)
        assert len(everyone) == 4
        monkeypatch.setattr(bulk_sql, "CHUNK", 1)
        for name, school in SCHOOLS.items():
            person = db.session.get(type(people[name]), ids[name])
            mine, seen = what_if_records(workshop, policy, person)
            assert sorted(r.learner for r in seen) == sorted(str(ids[n]) for n, s in SCHOOLS.items() if s == school)
            assert mine == next(r for r in everyone if r.learner == str(ids[name]))
            assert mine is not None and what_if(policy, mine, seen) == what_if(policy, mine, everyone)
            assert what_if(policy, mine, seen).result.band != "优秀"  # the cap did bite: 1 or 2 per school
    page = lti.driver()
    page.launch("wanglihua")
    assert page.session.get(base + "/my-grade").status_code == 200


def test_members_of_the_same_class_group_or_no_school(lti: LtiHarness) -> None:
    _, base, _ = graded_workshop(lti)
    for login in ("lijianguo", "zhangxiuying", "liuyang"):
        lti.driver().launch(login)
    workshop_id = int(base.rsplit("/", 1)[1])
    keep_members(lti, workshop_id, "maxiaoyan", "wanglihua", "lijianguo", "zhangxiuying", "liuyang")
    with lti.tool_app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        people = {name: member(lti, name) for name in SCHOOLS}
        klass = WorkshopClass(workshop_id=workshop_id, name="一班")
        group = StudyGroup(workshop_id=workshop_id, name="第1组")
        db.session.add_all([klass, group])
        db.session.flush()
        people["王丽华"].class_id = people["李建国"].class_id = klass.id
        people["张秀英"].group_id = group.id
        for name, school in (("王丽华", "城关小学"), ("李建国", ""), ("张秀英", None), ("刘洋", None)):
            people[name].school = school
        db.session.commit()

        def alike(name: str, scope: str) -> set[str]:
            return {m.display_name for m in graded_members(workshop, same_scope(workshop, people[name], scope))}

        assert alike("王丽华", "class") == {"王丽华", "李建国"}
        assert alike("张秀英", "class") == {"张秀英", "刘洋"}  # no class: those without one
        assert alike("张秀英", "group") == {"张秀英"}
        assert alike("刘洋", "group") == {"王丽华", "李建国", "刘洋"}
        assert alike("王丽华", "school") == {"王丽华"}
        assert alike("李建国", "school") == {"李建国", "张秀英", "刘洋"}  # "" and none are the same: no school


def _whole_workshop_scheme(lti: LtiHarness) -> tuple[str, int, dict[str, int]]:
    """graded_workshop under zhucheng-remote, its four participants in SCHOOLS, every stored result
    fresh; (base, workshop id, member id by name)."""
    host, base, _ = graded_workshop(lti)
    for login in ("lijianguo", "zhangxiuying", "liuyang"):
        lti.driver().launch(login)
    workshop_id = int(base.rsplit("/", 1)[1])
    keep_members(lti, workshop_id, "maxiaoyan", "wanglihua", "lijianguo", "zhangxiuying", "liuyang")
    token = csrf(host.get(base + "/setup").text)
    assert host.post(base + "/setup", data={"csrf_token": token, "title": "工作坊", "required_hours": "25",
                                            "minutes_per_hour": "45", "hours_rounding": "proportional",
                                            "grading_preset": "zhucheng-remote"}).status_code == 200
    with lti.tool_app.app_context():
        people = {name: member(lti, name) for name in SCHOOLS}
        for name, school in SCHOOLS.items():
            people[name].school = school or None
        db.session.commit()
        ids = {name: m.id for name, m in people.items()}
    assert host.get(base + "/grades").status_code == 200  # every stored result fresh
    return base, workshop_id, ids


def test_the_stored_standings_are_read_once_per_computation(lti: LtiHarness,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A city's 23,000 rows were read for every participant's page at the evening peak: a process
    reads them once per recomputation, and again after the next one stores new results."""
    from grading import compute
    from lti_tool.grades import what_if_view
    from lti_tool.grades.service import recompute
    from lti_tool.models import Submission, WorkshopMember

    _, workshop_id, ids = _whole_workshop_scheme(lti)
    reads: list[int] = []
    real = what_if_view.stored_standings
    monkeypatch.setattr(what_if_view, "stored_standings", lambda w: reads.append(w.id) or real(w))

    def page(name: str) -> object:
        db.session.remove()  # a request of its own
        workshop = db.session.get(Workshop, workshop_id)
        policy = workshop_policy(workshop)
        person = db.session.get(WorkshopMember, ids[name])
        _, everyone = cohort(workshop, policy)
        mine = next(r for r in everyone if r.learner == str(person.id))
        assert what_if_view.what_if_for(workshop, policy, person) == what_if(policy, mine, everyone)
        return next(r for r in compute(policy, everyone) if r.learner == str(person.id)).total

    with lti.tool_app.app_context():
        for name in SCHOOLS:
            page(name)
        assert reads == [workshop_id]
        before = page("王丽华")
        for submission in db.session.scalars(select(Submission).where(Submission.member_id == ids["王丽华"])):
            submission.score = 0  # her result changes, and so do the standings the others are ranked among
        db.session.commit()
        recompute(db.session.get(Workshop, workshop_id))
        assert page("王丽华") != before
        for name in SCHOOLS:
            page(name)
        assert reads == [workshop_id, workshop_id]


def test_under_a_whole_workshop_rule_the_page_ranks_against_the_stored_results(
        lti: LtiHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    """zhucheng-remote (outstanding: 10 % of the whole workshop, among those who passed): a
    participant's page computes their own record and ranks it against the others' stored totals
    and passes (what_if_view.py), and says what the whole cohort's what-if says."""
    from grading import Standing, compute
    from lti_tool.grades import service
    from lti_tool.grades.what_if_view import stored_standings, what_if_for

    base, workshop_id, ids = _whole_workshop_scheme(lti)
    with lti.tool_app.app_context():
        people = {name: member(lti, name) for name in SCHOOLS}
        workshop = db.session.get(Workshop, workshop_id)
        policy = workshop_policy(workshop)
        _, everyone = cohort(workshop, policy)
        results = compute(policy, everyone)
        assert sorted(stored_standings(workshop), key=lambda s: s.learner) == sorted(
            (Standing(r.learner, r.school, r.klass, r.group, r.total, r.passed) for r in results),
            key=lambda s: s.learner)

        def everyone_read(*_: object, **__: object) -> None:
            raise AssertionError("the whole cohort was read")

        monkeypatch.setattr(service, "cohort", everyone_read)
        monkeypatch.setattr("lti_tool.grades.what_if_view.what_if_records", everyone_read)
        for name in SCHOOLS:
            person = db.session.get(type(people[name]), ids[name])
            mine = next(r for r in everyone if r.learner == str(person.id))
            assert what_if_for(workshop, policy, person) == what_if(policy, mine, everyone)
    monkeypatch.undo()
    page = lti.driver()
    page.launch("lijianguo")
    assert page.session.get(base + "/my-grade").status_code == 200
