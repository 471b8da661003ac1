"""The completion measures on facts built by hand (no database): required, optional and all
activities, each activity by its own rule (a video done at 90 % of its length and pro rata below,
a reading once finished (我已读完; opening it is not enough), a discussion once posted in, an
assignment by its score, an offline session by the hours attended once the learner's attendance is
recorded, and not at all before)."""

from __future__ import annotations

from decimal import Decimal

from lti_tool.grades.facts import MemberFacts, WorkshopFacts
from lti_tool.grades.measures import MEASURES
from lti_tool.grades.slots import Slot
from lti_tool.models import Activity, Workshop, WorkshopMember
from xapi import HoursRule

ACTIVITIES = [
    Activity(id=1, kind="video", title="课例", required=True, video_seconds=Decimal(1000)),
    Activity(id=2, kind="reading", title="阅读", required=True),
    Activity(id=3, kind="discussion", title="研讨", required=False),
    Activity(id=4, kind="assignment", title="作业", required=True, max_score=Decimal(100)),
    Activity(id=5, kind="offline", title="集中研修", required=False, planned_hours=Decimal(4)),
    Activity(id=6, kind="video", title="长度未知", required=False, video_seconds=None),
]


def measured(name: str, facts: MemberFacts, taken: set[int]) -> Decimal | None:
    wf = WorkshopFacts(workshop=Workshop(title="w"), activities=ACTIVITIES, rule=HoursRule(), members={1: facts},
                       taken=taken)
    return MEASURES[name].compute(wf, facts, Slot("scores", "s", "", Decimal(100)), "")  # type: ignore[no-any-return]


def test_each_activity_counts_by_its_own_rule() -> None:
    facts = MemberFacts(member=WorkshopMember(id=1))
    facts.watched[1] = Decimal(450)  # 45 % of the video
    facts.opened.add(2)
    facts.scores[4] = Decimal(80)
    # Required: video 45, reading 0 (opened, not finished), assignment 80.
    assert measured("required_activities", facts, set()) == Decimal(125) / 3
    facts.read.add(2)
    # Required: video 45, reading 100, assignment 80.
    assert measured("required_activities", facts, set()) == Decimal(225) / 3
    # Optional, attendance not recorded: only the discussion (0) counts; the video of unknown length never does.
    assert measured("optional_activities", facts, set()) == Decimal(0)
    # Others' attendance recorded, not this learner's: still not.
    assert measured("optional_activities", facts, {5}) == Decimal(0)
    facts.attended[5] = Decimal(1)  # recorded: a quarter of the planned hours, 25
    assert measured("optional_activities", facts, {5}) == Decimal("12.5")
    assert measured("all_activities", facts, {5}) == Decimal(50)  # 250 over the five that can count
    facts.watched[1] = Decimal(900)  # 90 %: done
    facts.posted_in.add(3)
    assert measured("required_activities", facts, {5}) == Decimal(280) / 3
    assert measured("optional_activities", facts, {5}) == Decimal("62.5")


def test_no_activity_that_can_count_gives_no_value() -> None:
    facts = MemberFacts(member=WorkshopMember(id=1))
    wf = WorkshopFacts(workshop=Workshop(title="w"), activities=[ACTIVITIES[5]], rule=HoursRule(),
                       members={1: facts}, taken=set())
    assert MEASURES["all_activities"].compute(wf, facts, Slot("scores", "s", "", Decimal(100)), "") is None
