"""The grade engine on a city-sized cohort (镇江: ~23,000 teachers, seed 004 方案4).

Reference: parsing the same records from their JSON lines (what any consumer must do at least).
"""

from __future__ import annotations

import json
from decimal import Decimal

from grading import compute, load_policy, parse_record

from .timing import best_of

LEARNERS = 23_000


def lines(n: int) -> list[str]:
    return [json.dumps({"learner": f"L{i}", "school": f"S{i % 300}", "class": f"C{i % 900}",
                        "scores": {"written": i % 101, "practice": i % 21, "process": (i * 7) % 101,
                                   "summative": (i * 13) % 101, "required": i % 101, "optional": (i * 3) % 101},
                        "hours": {"teacher_growth": i % 17, "mental_health": 16, "new_textbook": 12,
                                  "classroom_skills": (i * 5) % 17, "elective_a": 4},
                        "attendance": {"all": {"scheduled": 30, "attended": 30 - i % 12}}})
            for i in range(n)]


def run() -> list[str]:
    raw = lines(LEARNERS)
    reference = best_of(lambda: [parse_record(json.loads(line)) for line in raw])
    out = [f"grading: {LEARNERS:,} learners; reference = parse the JSON lines: {reference:.2f} s"]
    for preset in ("zhenjiang-80-20", "dawukou-80-20", "zhucheng-remote"):
        policy = load_policy(preset)
        records = []
        for line in raw:
            data = json.loads(line)
            keys = {c.source.options.key for _, c in policy.walk()
                    if c.source is not None and hasattr(c.source.options, "key")}
            data["scores"] = {k: v for k, v in data["scores"].items() if k in keys}
            if preset != "zhucheng-remote":
                data["hours"] = {"study": Decimal(40)}
            records.append(parse_record(data))
        seconds = best_of(lambda policy=policy, records=records: compute(policy, records))
        out.append(f"  compute {preset:22} {seconds:6.2f} s = {seconds / reference:5.1f} × reference "
                   f"({LEARNERS / seconds:,.0f} learners/s)")
    return out
