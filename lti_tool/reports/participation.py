"""Participation and completion of a workshop by class, school and group, and per day (研修主页;
seed 004 方案1 "研修主页每天将公布各学校参与研修情况的实时数据", "班级主页……促进班级间及班级内部
学员的竞争").

One source of truth: "started" and "completion" come from `grades.facts.gather`, the reader that
feeds the grade engine; totals and passes from the stored grade results; days from the statements
of this workshop (Statement.workshop_id, indexed with the timestamp). The database aggregates: the
Python loops below run over members and their per-day activity, never over statements.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ..china import china_days
from ..extensions import db
from ..grades.facts import MemberFacts, WorkshopFacts, gather
from ..grades.measures import MEASURES
from ..grades.slots import Slot
from ..models import Statement, Workshop, WorkshopMember
from ..statements.actors import lti_actor_key
from .cache import cached
from .shared_cache import Codec
from .standing import has_started

HUNDRED = Decimal(100)
DAYS = 14


@dataclass
class Day:
    day: date
    active: int
    rate: Decimal  # percent of the graded members


@dataclass
class Row:
    """One class, school, town or group (or the whole workshop)."""

    name: str
    members: int = 0
    started: int = 0
    active_today: int = 0
    active_week: int = 0
    completion_sum: Decimal = Decimal(0)
    passed: int = 0
    graded: int = 0  # members with a stored grade
    total_sum: Decimal = Decimal(0)

    @property
    def started_rate(self) -> Decimal:
        return _percent(self.started, self.members)

    @property
    def week_rate(self) -> Decimal:
        return _percent(self.active_week, self.members)

    @property
    def completion(self) -> Decimal:
        """Mean completion of the required activities, in percent."""
        return (self.completion_sum / self.members).quantize(Decimal("0.1")) if self.members else Decimal(0)

    @property
    def average(self) -> Decimal | None:
        return (self.total_sum / self.graded).quantize(Decimal("0.01")) if self.graded else None


@dataclass(frozen=True)
class TopRow:
    name: str
    school: str
    total: Decimal
    band: str


@dataclass
class Overview:
    whole: Row
    days: list[Day]
    by_class: list[Row]
    by_school: list[Row]
    by_town: list[Row]
    by_group: list[Row]
    bands: dict[str, int]
    top: list[TopRow]  # best totals, when the host shows rankings
    # totals in bands of ten points: 0–9.99, 10–19.99, …, 90–100 (the last holds 100)
    histogram: list[int] = field(default_factory=lambda: [0] * 10)
    # dimension ("school", "town") → name → members active on each day of `days`
    per_day: dict[str, dict[str, list[int]]] = field(default_factory=dict)


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(part) * HUNDRED / whole).quantize(Decimal("0.1")) if whole else Decimal(0)


REQUIRED_SLOT = Slot("scores", "required", "required", HUNDRED)


def required_completion(wf: WorkshopFacts, facts: MemberFacts) -> Decimal:
    """Mean completion of the required activities in percent: the very measure `scores.required`
    of zhenjiang-80-20 reads (grades/measures.py), so the page and the grade cannot disagree."""
    value = MEASURES["required_activities"].compute(wf, facts, REQUIRED_SLOT, "")
    return Decimal(value) if value is not None else Decimal(0)


# The days before the last one asked for change only when late events arrive (a player sends
# what it queued offline once it is back online): their participants are read again after an
# hour, the last day's as often as the page. Each is read once for the workshop and every class
# page: with 1,000,000 statements in a fortnight, reading the fourteen days took 1.8 s on SQLite
# and 0.75 s on PostgreSQL, for each of a city workshop's 40 class pages and the whole. Two cache
# entries a workshop, so that a county's view of many workshops does not push out other pages'.
PAST_DAY_SECONDS = 3600.0


def _actors(keys: Iterable[str]) -> frozenset[str]:
    # Interned: a learner active on ten days of the fortnight is one string in memory, not ten.
    return frozenset(map(sys.intern, keys))


ONE_DAY: Codec[frozenset[str]] = Codec(encode=sorted, decode=_actors)
PAST_DAYS: Codec[dict[date, frozenset[str]]] = Codec(
    encode=lambda days: {day.isoformat(): sorted(actors) for day, actors in days.items()},
    decode=lambda plain: {date.fromisoformat(day): _actors(actors) for day, actors in plain.items()})


def active_by_day(workshop: Workshop, days: Iterable[date]) -> dict[date, frozenset[str]]:
    """Actor keys with at least one statement about this workshop on each China-time day."""
    ordered = sorted(days)
    if not ordered:
        return {}
    *past, latest = ordered
    out: dict[date, frozenset[str]] = {}
    if past:
        earlier: dict[date, frozenset[str]] = cached(
            ("active-past", workshop.id, tuple(past)), lambda: {day: _active_on(workshop.id, day) for day in past},
            PAST_DAYS, seconds=PAST_DAY_SECONDS)
        out.update(earlier)
    out[latest] = cached(("active-day", workshop.id, latest), lambda: _active_on(workshop.id, latest), ONE_DAY)
    return out


def _active_on(workshop_id: int, day: date) -> frozenset[str]:
    begin, end = china_days(day, day)
    return _actors(db.session.scalars(
        select(Statement.actor_key).distinct().where(
            Statement.workshop_id == workshop_id, Statement.timestamp >= begin, Statement.timestamp < end,
            Statement.voided.is_(False))))


def build_overview(workshop: Workshop, members: list[WorkshopMember], results: Mapping[int, Any],
                   today: date, *, with_top: bool, wf: WorkshopFacts | None = None) -> Overview:
    wf = wf if wf is not None else gather(workshop, members)
    days = [today - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    active = active_by_day(workshop, days)
    week = frozenset().union(*(active[d] for d in days[-7:]))
    keys = {m.id: lti_actor_key(m.user.issuer, m.user.sub) for m in members}
    whole = Row("")
    dims: dict[str, dict[str, Row]] = {"class": {}, "school": {}, "town": {}, "group": {}}
    labels: dict[str, Callable[[WorkshopMember], str]] = {
        "class": lambda m: m.workshop_class.name if m.workshop_class else "",
        "school": lambda m: m.school or "",
        "town": lambda m: m.town or "",
        "group": lambda m: m.group.name if m.group else "",
    }
    bands: dict[str, int] = {}
    histogram = [0] * 10
    for member in members:
        facts = wf.members[member.id]
        rows = [whole] + [dims[d].setdefault(labels[d](member), Row(labels[d](member))) for d in dims]
        result = results.get(member.id)
        begun, today_active = has_started(wf, facts), keys[member.id] in active[today]
        week_active, completion = keys[member.id] in week, required_completion(wf, facts)
        for row in rows:
            row.members += 1
            row.started += begun
            row.active_today += today_active
            row.active_week += week_active
            row.completion_sum += completion
            if result is not None:
                row.passed += bool(result.passed)
                row.graded += 1
                row.total_sum += Decimal(result.total)
        if result is not None:
            bands[result.band or "—"] = bands.get(result.band or "—", 0) + 1
            histogram[min(9, max(0, int(Decimal(result.total) // 10)))] += 1
    # Which days each actor took part: one pass over the (few) active actors of each day.
    days_of: dict[str, list[int]] = {}
    for i, d in enumerate(days):
        for actor in active[d]:
            days_of.setdefault(actor, []).append(i)
    counted = dict.fromkeys(days, 0)
    per_day: dict[str, dict[str, list[int]]] = {"school": {}, "town": {}}
    for member in members:
        mine = days_of.get(keys[member.id], [])
        for i in mine:
            counted[days[i]] += 1
        for dim, counts in per_day.items():
            daily = counts.setdefault(labels[dim](member), [0] * len(days))
            for i in mine:
                daily[i] += 1
    top: list[TopRow] = []
    if with_top:
        ranked = sorted((m for m in members if m.id in results), key=lambda m: (-results[m.id].total, m.id))
        top = [TopRow(m.display_name, m.school or "", Decimal(results[m.id].total), results[m.id].band or "")
               for m in ranked[:10]]

    def ordered(group: dict[str, Row]) -> list[Row]:
        named = [r for r in group.values() if r.name]
        return sorted(named, key=lambda r: r.name) + [r for r in group.values() if not r.name]

    return Overview(
        whole=whole, days=[Day(d, counted[d], _percent(counted[d], len(members))) for d in days],
        by_class=ordered(dims["class"]), by_school=ordered(dims["school"]), by_town=ordered(dims["town"]),
        by_group=ordered(dims["group"]), bands=bands, top=top, per_day=per_day, histogram=histogram,
    )
