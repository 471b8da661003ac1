"""Measures: how this workshop answers one input of a grading policy, from what members did.

`MEASURES` is a registry: a new way of scoring is one new entry. A mapping entry is the measure's
name, optionally with a parameter after a colon (`phase_hours:3` = study hours in phase 3).
Score measures are percentages (0–100) scaled to the input's own maximum by the feed; `manual`
reads what a host or tutor entered, already on the input's scale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from grading.records import Attendance as AttendanceEntry

from ..params import small_int
from .facts import ZERO, MemberFacts, WorkshopFacts
from .slots import Slot

HUNDRED = Decimal(100)
Value = Any  # Decimal | None | AttendanceEntry | tuple[Decimal, ...]


@dataclass(frozen=True)
class Measure:
    name: str
    kind: str  # the slot kind it can feed
    zh: str
    en: str
    compute: Callable[[WorkshopFacts, MemberFacts, Slot, str], Value]
    takes_phase: bool = False


def _average(values: list[Decimal]) -> Decimal | None:
    return sum(values, ZERO) / len(values) if values else None


def _completion(required: bool | None) -> Callable[[WorkshopFacts, MemberFacts, Slot, str], Value]:
    def compute(wf: WorkshopFacts, facts: MemberFacts, slot: Slot, param: str) -> Value:
        values = []
        for completion in wf.completions(required):
            done = completion(facts)
            if done is not None:
                values.append(done * HUNDRED)
        return _average(values)

    return compute


def _study_hours(wf: WorkshopFacts, facts: MemberFacts, slot: Slot, param: str) -> Value:
    required = Decimal(wf.workshop.required_hours or 0)
    if required <= 0:
        return None
    hours = wf.video_hours(facts) + wf.offline_hours(facts)
    return min(HUNDRED, hours * HUNDRED / required)


def _assignments(required: bool | None) -> Callable[[WorkshopFacts, MemberFacts, Slot, str], Value]:
    def compute(wf: WorkshopFacts, facts: MemberFacts, slot: Slot, param: str) -> Value:
        items = [a for a in wf.activities if a.kind == "assignment" and (required is None or a.required == required)]
        return _average([facts.scores.get(a.id, ZERO) for a in items])

    return compute


def _discussion(wf: WorkshopFacts, facts: MemberFacts, slot: Slot, param: str) -> Value:
    topics = [a for a in wf.activities if a.kind == "discussion"]
    return _average([HUNDRED if a.id in facts.posted_in else ZERO for a in topics])


def _study_and_discussion(wf: WorkshopFacts, facts: MemberFacts, slot: Slot, param: str) -> Value:
    # seed 004 方案1 四.5: 过程性考核 rests on online study time and discussion; equal halves.
    parts = [v for v in (_study_hours(wf, facts, slot, param), _discussion(wf, facts, slot, param)) if v is not None]
    return _average(parts)


def _manual(wf: WorkshopFacts, facts: MemberFacts, slot: Slot, param: str) -> Value:
    return facts.manual.get(slot.key)


def _phase(param: str) -> int | None:
    return small_int(param)


def _hours(which: str) -> Callable[[WorkshopFacts, MemberFacts, Slot, str], Value]:
    def compute(wf: WorkshopFacts, facts: MemberFacts, slot: Slot, param: str) -> Value:
        phase: int | str | None = _phase(param) if param else "any"
        video = wf.video_hours(facts, phase) if which in ("total", "video") else ZERO
        offline = wf.offline_hours(facts, phase) if which in ("total", "offline") else ZERO
        return video + offline

    return compute


def _count(attr: str) -> Callable[[WorkshopFacts, MemberFacts, Slot, str], Value]:
    def compute(wf: WorkshopFacts, facts: MemberFacts, slot: Slot, param: str) -> Value:
        if attr == "posts":
            return Decimal(facts.threads + facts.replies)
        if attr == "submissions":
            return Decimal(len(facts.submitted))
        return Decimal(getattr(facts, attr))

    return compute


def _attendance(wf: WorkshopFacts, facts: MemberFacts, slot: Slot, param: str) -> Value:
    """Hours scheduled and attended of the required (必做) offline sessions recorded for this learner,
    for seed 003 意见2 二(四)'s rule (missing a third of the training's hours fails it). An optional
    (选做) session adds the hours attended and never fails anyone: being late to one optional
    4-hour session failed the whole training."""
    phase = _phase(param) if param else None
    sessions = [a for a in wf.activities if a.kind == "offline" and a.required
                and a.id in facts.attended  # recorded for them
                and (not param or a.phase_id == phase)]
    if not sessions:
        return None
    scheduled = sum((Decimal(a.planned_hours or 0) for a in sessions), ZERO)
    attended = sum((min(facts.attended.get(a.id, ZERO), Decimal(a.planned_hours or 0)) for a in sessions), ZERO)
    return AttendanceEntry(scheduled=scheduled, attended=attended)


def _score_list(required: bool | None) -> Callable[[WorkshopFacts, MemberFacts, Slot, str], Value]:
    def compute(wf: WorkshopFacts, facts: MemberFacts, slot: Slot, param: str) -> Value:
        items = [a for a in wf.activities if a.kind == "assignment" and (required is None or a.required == required)]
        return tuple(facts.scores[a.id] for a in items if a.id in facts.scores)

    return compute


MEASURES: dict[str, Measure] = {m.name: m for m in (
    Measure("required_activities", "scores", "必做活动完成度", "completion of required activities", _completion(True)),
    Measure("optional_activities", "scores", "选做活动完成度", "completion of optional activities", _completion(False)),
    Measure("all_activities", "scores", "全部活动完成度", "completion of all activities", _completion(None)),
    Measure("study_hours", "scores", "学时完成度", "study hours against the required hours", _study_hours),
    Measure("required_assignments", "scores", "必做作业平均分", "average of required assignments", _assignments(True)),
    Measure("all_assignments", "scores", "全部作业平均分", "average of all assignments", _assignments(None)),
    Measure("discussion", "scores", "讨论参与度", "discussion participation", _discussion),
    Measure("study_and_discussion", "scores", "学时与讨论各半", "study hours and discussion, half each",
            _study_and_discussion),
    Measure("manual", "scores", "手工录入", "entered by hand", _manual),
    Measure("total_hours", "hours", "全部学时", "all study hours", _hours("total")),
    Measure("video_hours", "hours", "视频学时", "video hours", _hours("video")),
    Measure("offline_hours", "hours", "线下学时", "offline hours", _hours("offline")),
    Measure("phase_hours", "hours", "某阶段的学时", "hours in one phase", _hours("total"), takes_phase=True),
    Measure("threads", "counts", "发帖数", "threads started", _count("threads")),
    Measure("replies", "counts", "回帖数", "replies", _count("replies")),
    Measure("posts", "counts", "发帖与回帖", "threads and replies", _count("posts")),
    Measure("excellent", "counts", "推优次数", "work recommended as excellent", _count("excellent")),
    Measure("submissions", "counts", "提交作业数", "assignments submitted", _count("submissions")),
    Measure("offline_attendance", "attendance", "线下研修出勤", "offline attendance", _attendance),
    Measure("phase_attendance", "attendance", "某阶段的线下出勤", "offline attendance in one phase", _attendance,
            takes_phase=True),
    Measure("required_assignment_scores", "assignments", "必做作业成绩", "required assignment scores",
            _score_list(True)),
    Measure("assignment_scores", "assignments", "全部作业成绩", "all assignment scores", _score_list(None)),
)}

# Where the host has said nothing: the keys the shipped presets use, read the way their program
# documents describe them (see each preset's source); anything else is entered by hand.
DEFAULT_SCORE_MEASURES = {
    "required": "required_activities",  # seed 004 方案4 七.1 必做的任务学习
    "optional": "optional_activities",  # seed 004 方案4 七.1 选做的拓展学习
    "process": "study_and_discussion",  # seed 004 方案1 四.5 过程性考核
    "summative": "required_assignments",  # seed 004 方案1 四.5 终结性考核 (the workshop's final task)
}
DEFAULT_BY_KIND = {"hours": "total_hours", "counts": "posts", "attendance": "offline_attendance",
                   "assignments": "assignment_scores"}
DEFAULT_COUNT_MEASURES = {"posts": "posts", "threads": "threads", "replies": "replies", "excellent": "excellent",
                          "submissions": "submissions"}


def default_measure(slot: Slot) -> str:
    if slot.kind == "scores":
        return DEFAULT_SCORE_MEASURES.get(slot.key, "manual")
    if slot.kind == "counts":
        return DEFAULT_COUNT_MEASURES.get(slot.key, "posts")
    return DEFAULT_BY_KIND[slot.kind]


def parse_choice(choice: str) -> tuple[Measure, str]:
    """(measure, parameter) of a mapping entry; KeyError for an unknown measure."""
    name, _, param = choice.partition(":")
    return MEASURES[name], param
