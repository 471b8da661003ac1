"""The grading policy as plain, frozen data (what `schema.py` loads a YAML/JSON document into).

A policy is a tree of weighted components. Sibling weights sum to 100; a leaf takes its raw score
from a source (see `sources.py`) on the scale `max`; a parent's score is the weighted sum of its
children, on its own `max` scale. Components of weight 0 are gates: they count for pass/fail only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from .numbers import HUNDRED

Scope = Literal["all", "school", "class", "group"]
SCOPE_NAMES: dict[str, dict[str, str]] = {
    "all": {"zh": "全体", "en": "cohort"},
    "school": {"zh": "学校", "en": "school"},
    "class": {"zh": "班级", "en": "class"},
    "group": {"zh": "小组", "en": "group"},
}


@dataclass(frozen=True)
class Band:
    name: str
    min: Decimal


# Default bands where a document is silent: 优秀 ≥ 90, 良好 80–89.99, 合格 60–79.99, 不合格 < 60.
DEFAULT_BANDS: tuple[Band, ...] = (
    Band("优秀", Decimal(90)),
    Band("良好", Decimal(80)),
    Band("合格", Decimal(60)),
    Band("不合格", Decimal(0)),
)


@dataclass(frozen=True)
class BandRule:
    table: tuple[Band, ...] = DEFAULT_BANDS
    on: str = "total"  # "total" or the dotted path of a component (e.g. "practice")

    def band_for(self, score: Decimal) -> str:
        for band in self.table:
            if score >= band.min:
                return band.name
        return self.table[-1].name

    def below(self, name: str) -> str:
        names = [b.name for b in self.table]
        return names[min(names.index(name) + 1, len(names) - 1)]


@dataclass(frozen=True)
class ShareCap:
    """At most `share` of everyone in a scope may hold `band` (floor of share × N)."""

    band: str
    share: Fraction
    scope: Scope


@dataclass(frozen=True)
class OutstandingRule:
    """Top `share` of everyone in the scope, chosen among the eligible (seed 004 方案1 四.6)."""

    share: Fraction
    scope: Scope = "all"
    eligible: Literal["passed", "must_pass"] = "passed"


@dataclass(frozen=True)
class AttendanceRule:
    """seed 003 意见2 二(四): missing ≥ 1/3 of a course cancels it; ≥ 1/3 of all fails."""

    course: Fraction = Fraction(1, 3)
    all: Fraction = Fraction(1, 3)
    enabled: bool = True


@dataclass(frozen=True)
class CreditRule:
    """Either hours → credits at a ratio (seed 004 方案1 六(三): 2 学时 = 1 学分) or a fixed number
    registered on passing and none on any failure."""

    mode: Literal["hours", "fixed"] = "hours"
    hours_per_credit: Decimal = Decimal(2)
    fixed: Decimal = Decimal(0)
    require_pass: bool = False


@dataclass(frozen=True)
class SourceSpec:
    type: str
    options: Any  # the scorer's own frozen options dataclass (see sources.py)


@dataclass(frozen=True)
class Component:
    key: str
    weight: Decimal
    label: str = ""
    max: Decimal = HUNDRED
    pass_mark: Decimal | None = None
    must_pass: bool = False
    source: SourceSpec | None = None
    children: tuple[Component, ...] = ()
    course: str | None = None  # attendance key, when it differs from the source key

    @property
    def name(self) -> str:
        return self.label or self.key


@dataclass(frozen=True)
class Policy:
    name: str
    components: tuple[Component, ...]
    description: str = ""
    source: str = ""
    precision: int = 2
    pass_mark: Decimal = Decimal(60)
    bands: BandRule = field(default_factory=BandRule)
    share_caps: tuple[ShareCap, ...] = ()
    outstanding: OutstandingRule | None = None
    attendance: AttendanceRule = field(default_factory=AttendanceRule)
    credits: CreditRule = field(default_factory=CreditRule)
    hours_keys: tuple[str, ...] | None = None  # glob patterns; None accepts any course key

    def walk(self) -> Iterator[tuple[str, Component]]:
        """Every component with its dotted path, parents before children."""

        def rec(prefix: str, comps: tuple[Component, ...]) -> Iterator[tuple[str, Component]]:
            for comp in comps:
                path = f"{prefix}{comp.key}"
                yield path, comp
                yield from rec(path + ".", comp.children)

        return rec("", self.components)

    def find(self, path: str) -> Component | None:
        return dict(self.walk()).get(path)
