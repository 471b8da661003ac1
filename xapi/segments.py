"""Viewing time: the union of played segments, in Decimal seconds (never float).

Per learner per video the time that counts is the union of every range really played, across all
sessions: replays and overlaps count once, nothing beyond the video's length counts, and seeking
ahead counts nothing (a seek is a jump, not a played range).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from . import vocab

Segment = tuple[Decimal, Decimal]
_SEGMENT_VERBS = {vocab.PAUSED, vocab.TERMINATED, vocab.COMPLETED, vocab.PLAYED}


def to_decimal(value: Any) -> Decimal | None:
    """A JSON number (or numeric string) as Decimal; None when it is not a finite number."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def parse_played_segments(text: str) -> list[Segment]:
    """Parse the ADL video profile format "0[.]12.5[,]14[.]21"; malformed parts are skipped."""
    segments: list[Segment] = []
    for part in text.split("[,]"):
        start_text, sep, end_text = part.partition("[.]")
        if not sep:
            continue
        start, end = to_decimal(start_text.strip()), to_decimal(end_text.strip())
        if start is not None and end is not None and start >= 0 and end > start:
            segments.append((start, end))
    return segments


def format_played_segments(segments: Iterable[Segment]) -> str:
    return "[,]".join(f"{_plain(s)}[.]{_plain(e)}" for s, e in segments)


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def played_segments(statement: Mapping[str, Any]) -> list[Segment]:
    """The ranges a statement says were played.

    ADL video profile: paused/terminated/completed carry `played-segments` (all ranges of the
    session so far). Our player may also send a played range as `time-from`/`time-to` on a
    played/paused statement. A `seeked` statement also has time-from/time-to, but that is a
    jump, not viewing: it never counts.
    """
    verb = (statement.get("verb") or {}).get("id")
    if verb not in _SEGMENT_VERBS:
        return []
    result = statement.get("result")
    extensions = result.get("extensions") if isinstance(result, Mapping) else None
    if not isinstance(extensions, Mapping):
        return []
    text = extensions.get(vocab.EXT_PLAYED_SEGMENTS)
    if isinstance(text, str):
        return parse_played_segments(text)
    start, end = to_decimal(extensions.get(vocab.EXT_TIME_FROM)), to_decimal(extensions.get(vocab.EXT_TIME_TO))
    if start is not None and end is not None and 0 <= start < end:
        return [(start, end)]
    return []


def video_length(statement: Mapping[str, Any]) -> Decimal | None:
    extensions = (statement.get("context") or {}).get("extensions") or {}
    length = to_decimal(extensions.get(vocab.EXT_LENGTH))
    return length if length is not None and length > 0 else None


@dataclass
class WatchedRanges:
    """Sorted, disjoint, merged [start, end) ranges; `add` reports the newly covered seconds."""

    ranges: list[list[Decimal]]

    @classmethod
    def empty(cls) -> WatchedRanges:
        return cls([])

    @classmethod
    def from_json(cls, text: str | None) -> WatchedRanges:
        if not text:
            return cls([])
        return cls([[Decimal(s), Decimal(e)] for s, e in json.loads(text)])

    def to_json(self) -> str:
        return json.dumps([[_plain(s), _plain(e)] for s, e in self.ranges])

    def add(self, segments: Iterable[Segment], cap: Decimal | None = None) -> Decimal:
        """Merge `segments` in; returns the seconds newly covered (within `cap`, the video's length,
        when given). Empty, reversed or negative segments are ignored."""
        before = self.total(cap)
        for start, end in segments:
            if end <= start or start < 0:
                continue
            self._insert(start, end)
        return self.total(cap) - before

    def _insert(self, start: Decimal, end: Decimal) -> None:
        starts = [r[0] for r in self.ranges]
        i = bisect.bisect_left(starts, start)
        # Merge with the previous range when it touches or overlaps.
        if i > 0 and self.ranges[i - 1][1] >= start:
            i -= 1
            start = self.ranges[i][0]
        j = i
        while j < len(self.ranges) and self.ranges[j][0] <= end:
            end = max(end, self.ranges[j][1])
            j += 1
        self.ranges[i:j] = [[start, max(end, start)]]

    def total(self, cap: Decimal | None = None) -> Decimal:
        """Seconds covered; with `cap` (the video's length) nothing beyond it counts."""
        total = Decimal(0)
        for start, end in self.ranges:
            if cap is not None:
                start, end = min(start, cap), min(end, cap)
            total += end - start
        return total


ROUNDINGS = ("proportional", "floor_half", "floor_whole")


@dataclass(frozen=True)
class HoursRule:
    """How watched time becomes study hours (学时): one 学时 = `minutes_per_hour` minutes.

    `rounding`: "proportional" (to 2 places, half up), "floor_half" (whole half-学时 only) or
    "floor_whole" (whole 学时 only) — the host picks the partial-credit rule.
    """

    minutes_per_hour: int = 45
    rounding: str = "proportional"

    def __post_init__(self) -> None:
        if self.minutes_per_hour <= 0:
            raise ValueError("minutes_per_hour must be positive")
        if self.rounding not in ROUNDINGS:
            raise ValueError(f"rounding must be one of {', '.join(ROUNDINGS)}")


def hours_from_seconds(seconds: Decimal, rule: HoursRule | None = None) -> Decimal:
    """Study hours (学时) for `seconds` of viewing, to 2 places: proportional (ROUND_HALF_UP), or
    floored to whole half-学时 / whole 学时, as the host's rule says."""
    rule = rule or HoursRule()
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    hours = seconds / (Decimal(rule.minutes_per_hour) * 60)
    if rule.rounding == "proportional":
        return hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if rule.rounding == "floor_half":
        return ((hours * 2).to_integral_value(rounding=ROUND_DOWN) / 2).quantize(Decimal("0.01"))
    if rule.rounding == "floor_whole":
        return hours.to_integral_value(rounding=ROUND_DOWN).quantize(Decimal("0.01"))
    raise ValueError(f"unknown rounding rule {rule.rounding!r}")
