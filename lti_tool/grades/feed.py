"""A member's learner record for the engine: each policy input answered by its measure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from grading import LearnerRecord, Policy
from grading.records import Attendance as AttendanceEntry

from .facts import MemberFacts, WorkshopFacts
from .measures import HUNDRED, default_measure, parse_choice
from .slots import Slot, policy_slots


def mapping_for(policy: Policy, chosen: Mapping[str, str]) -> dict[str, str]:
    """The measure of every input: the host's choice where it is valid, else the default."""
    out = {}
    for slot in policy_slots(policy):
        choice = chosen.get(slot.name, "")
        try:
            measure, _ = parse_choice(choice)
            valid = measure.kind == slot.kind
        except KeyError:
            valid = False
        out[slot.name] = choice if valid else default_measure(slot)
    return out


def build_record(policy: Policy, wf: WorkshopFacts, facts: MemberFacts, mapping: Mapping[str, str],
                 slots: Sequence[Slot] | None = None) -> LearnerRecord:
    member = facts.member
    scores: dict[str, Decimal | None] = {}
    hours: dict[str, Decimal] = {}
    counts: dict[str, Decimal] = {}
    attendance: dict[str, AttendanceEntry] = {}
    assignments: dict[str, tuple[Decimal, ...]] = {}
    slots = policy_slots(policy) if slots is None else slots
    for slot in slots:
        measure, param = parse_choice(mapping[slot.name])
        value: Any = measure.compute(wf, facts, slot, param)
        if slot.kind == "scores":
            if value is not None and measure.name != "manual":
                value = min(slot.max, Decimal(value) * slot.max / HUNDRED)
            scores[slot.key] = value
        elif slot.kind == "hours":
            hours[slot.key] = Decimal(value or 0)
        elif slot.kind == "counts":
            counts[slot.key] = Decimal(value or 0)
        elif slot.kind == "attendance" and value is not None:
            attendance[slot.key] = value
        elif slot.kind == "assignments":
            assignments[slot.key] = tuple(value or ())
    if not any(s.kind == "hours" for s in slots) and policy.hours_keys is None:
        # Credits by hours (2 学时 = 1 学分, seed 004 方案1 六(三)) need the study hours.
        hours["study"] = wf.video_hours(facts) + wf.offline_hours(facts)
    if "all" not in attendance:
        # seed 003 意见2 二(四): the attendance rule applies whenever offline attendance was taken.
        entry = _all_offline(wf, facts)
        if entry is not None:
            attendance["all"] = entry
    klass = member.workshop_class.name if member.workshop_class else ""
    group = member.group.name if member.group else ""
    return LearnerRecord(learner=str(member.id), name=member.display_name, school=member.school or "",
                         klass=klass, group=group, scores=scores, hours=hours, attendance=attendance,
                         counts=counts, assignments=assignments)


def _all_offline(wf: WorkshopFacts, facts: MemberFacts) -> AttendanceEntry | None:
    from .measures import MEASURES

    value = MEASURES["offline_attendance"].compute(wf, facts, Slot("attendance", "all", "", Decimal(0)), "")
    return value if isinstance(value, AttendanceEntry) else None


def record_to_json(record: LearnerRecord) -> dict[str, Any]:
    """The record as the `yanxiu grade compute` line format (decimals as strings), for export
    and for checking a result offline with the CLI."""
    return {
        "learner": record.learner, "name": record.name, "school": record.school, "class": record.klass,
        "group": record.group,
        "scores": {k: (None if v is None else str(v)) for k, v in record.scores.items()},
        "hours": {k: str(v) for k, v in record.hours.items()},
        "attendance": {k: {"scheduled": str(v.scheduled), "attended": str(v.attended)}
                       for k, v in record.attendance.items()},
        "counts": {k: str(v) for k, v in record.counts.items()},
        "assignments": {k: [str(x) for x in v] for k, v in record.assignments.items()},
    }
