"""What the engine returns: a result per learner, with every component's inputs and notes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .notes import Lang, Note
from .numbers import plain, round_half_up


@dataclass(frozen=True)
class ComponentResult:
    path: str  # dotted, e.g. "process.required"
    key: str
    label: str
    source: str  # the source type, or "components" for a parent
    weight: Decimal  # percent of the parent
    max: Decimal
    exact: Decimal  # raw score on the `max` scale, unrounded
    score: Decimal  # `exact` rounded half up to the policy precision: what is shown
    contribution: Decimal  # exact contribution to the parent's score out of 100
    inputs: tuple[tuple[str, str], ...]
    pass_mark: Decimal | None
    passed: bool | None  # None when the component has no pass mark
    must_pass: bool
    notes: tuple[Note, ...]
    children: tuple[ComponentResult, ...] = ()

    @property
    def name(self) -> str:
        return self.label or self.key


@dataclass(frozen=True)
class LearnerResult:
    learner: str
    name: str
    school: str
    klass: str
    group: str
    policy: str
    precision: int
    pass_mark: Decimal
    exact_total: Decimal
    total: Decimal  # rounded half up; bands, passing and ranking use this one
    band: str
    band_on: str
    band_score: Decimal
    passed: bool
    must_pass_ok: bool  # every must-pass component passed and attendance kept
    hours: Decimal
    credits: Decimal
    outstanding: bool
    components: tuple[ComponentResult, ...]
    notes: tuple[Note, ...]

    def walk(self) -> Iterator[ComponentResult]:
        def rec(comps: tuple[ComponentResult, ...]) -> Iterator[ComponentResult]:
            for c in comps:
                yield c
                yield from rec(c.children)

        return rec(self.components)

    def component(self, path: str) -> ComponentResult:
        for c in self.walk():
            if c.path == path:
                return c
        raise KeyError(path)


def fixed(value: Decimal, places: int) -> str:
    """A rounded Decimal with exactly `places` decimals: "82.85", "21.00"."""
    return f"{round_half_up(value, places):f}"


def contribution_text(value: Decimal, places: int) -> str:
    """Contributions keep two more places than totals (61.845), so the rounding stays visible."""
    text = plain(round_half_up(value, places + 2))
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(places, '0')}" if places else text


def result_to_json(result: LearnerResult, lang: Lang = "zh") -> dict[str, Any]:
    """One output line of `grade compute --format json`; decimals as strings."""
    p = result.precision
    return {
        "learner": result.learner,
        "name": result.name,
        "school": result.school,
        "class": result.klass,
        "group": result.group,
        "total": fixed(result.total, p),
        "band": result.band,
        "passed": result.passed,
        "hours": plain(result.hours),
        "credits": plain(result.credits),
        "outstanding": result.outstanding,
        "components": {
            c.path: {
                "score": fixed(c.score, p),
                "max": plain(c.max),
                "weight": plain(c.weight),
                "contribution": contribution_text(c.contribution, p),
                "passed": c.passed,
            }
            for c in result.walk()
        },
        "notes": [n.render(lang) for n in result.notes],
        "note_codes": [{"code": n.code, "params": dict(n.params)} for n in result.notes],
    }
