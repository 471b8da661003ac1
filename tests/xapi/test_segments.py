"""Viewing time: union of played segments (issue xAPI §4) — property tests with hypothesis."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xapi import vocab
from xapi.segments import (
    HoursRule,
    WatchedRanges,
    format_played_segments,
    hours_from_seconds,
    parse_played_segments,
    played_segments,
    video_length,
)

D = Decimal
point = st.decimals(min_value=0, max_value=600, places=1, allow_nan=False, allow_infinity=False)
# Built from a start and a positive length rather than filtered, so hypothesis never has to throw
# inputs away (a filtered strategy failed the filter_too_much health check on a loaded CI machine).
length = st.decimals(min_value=D("0.1"), max_value=600, places=1, allow_nan=False, allow_infinity=False)
segment = st.tuples(point, length).map(lambda s: (s[0], s[0] + s[1]))
segments = st.lists(segment, max_size=30)


def union(segs: list[tuple[Decimal, Decimal]]) -> WatchedRanges:
    ranges = WatchedRanges.empty()
    ranges.add(segs)
    return ranges


def brute_force(segs: list[tuple[Decimal, Decimal]], cap: Decimal | None) -> Decimal:
    """Count tenths of a second covered: an independent oracle for the union."""
    covered = set()
    for s, e in segs:
        covered.update(range(int(s * 10), int(e * 10)))
    if cap is not None:
        covered = {t for t in covered if t < cap * 10}
    return D(len(covered)) / 10


@given(segments, st.randoms())
def test_any_order_gives_the_same_total(segs: list[tuple[Decimal, Decimal]], rnd) -> None:  # type: ignore[no-untyped-def]
    """The total does not depend on the order statements arrive in."""
    shuffled = list(segs)
    rnd.shuffle(shuffled)
    assert union(segs).total() == union(shuffled).total()


@given(segments, point)
def test_never_above_length_and_equals_oracle(segs: list[tuple[Decimal, Decimal]], length: Decimal) -> None:
    """Capped at the video's length; equal to a brute-force count of covered time."""
    total = union(segs).total(cap=length)
    assert total <= length
    assert total == brute_force(segs, length)


@given(segments, segment)
def test_replays_add_nothing(segs: list[tuple[Decimal, Decimal]], extra: tuple[Decimal, Decimal]) -> None:
    """Re-playing a range already watched adds no time."""
    ranges = union([*segs, extra])
    before = ranges.total()
    assert ranges.add([extra]) == 0
    assert ranges.total() == before


@given(st.lists(segments, max_size=6))
def test_incremental_equals_batch(batches: list[list[tuple[Decimal, Decimal]]]) -> None:
    """Adding statement by statement (as intake does) equals the union of everything at once,
    and each add reports exactly the newly covered time; JSON round trips keep the state."""
    ranges = WatchedRanges.empty()
    running = D(0)
    for batch in batches:
        ranges = WatchedRanges.from_json(ranges.to_json())
        running += ranges.add(batch)
    flat = [s for batch in batches for s in batch]
    assert ranges.total() == union(flat).total() == running


def test_seeking_ahead_counts_nothing() -> None:
    """Watched 0–10, jumped to 500, watched 500–505: 15 s, not 505."""
    assert union([(D(0), D(10)), (D(500), D(505))]).total() == D(15)


def test_played_segments_format_round_trip() -> None:
    """ADL video profile format "start[.]end[,]start[.]end"; malformed parts are skipped."""
    text = "0[.]12.5[,]14[.]21"
    assert parse_played_segments(text) == [(D(0), D("12.5")), (D(14), D(21))]
    assert format_played_segments(parse_played_segments(text)) == text
    assert parse_played_segments("garbage[,]5[.]3[,]1[.]2") == [(D(1), D(2))]


def test_hours_rules() -> None:
    """45 minutes = 1 学时 by default; partial credit proportional, or floored to halves/wholes."""
    seconds = D(45 * 60 + 30 * 60)  # 75 minutes
    assert hours_from_seconds(seconds) == D("1.67")
    assert hours_from_seconds(seconds, HoursRule(rounding="floor_half")) == D("1.50")
    assert hours_from_seconds(seconds, HoursRule(rounding="floor_whole")) == D("1.00")
    assert hours_from_seconds(D(3600), HoursRule(minutes_per_hour=60)) == D("1.00")


def _statement(verb: str, **extensions: object) -> dict[str, object]:
    return {"verb": {"id": verb}, "result": {"extensions": extensions}}


def test_played_segments_from_statements() -> None:
    """ADL video profile: paused/terminated/completed carry played-segments; our player's played
    ranges come as time-from/time-to; a seek's time-from/time-to is a jump and counts nothing."""
    paused = _statement(vocab.PAUSED, **{vocab.EXT_PLAYED_SEGMENTS: "0[.]12.5[,]14[.]21"})
    assert played_segments(paused) == [(D(0), D("12.5")), (D(14), D(21))]
    played = _statement(vocab.PLAYED, **{vocab.EXT_TIME_FROM: 30, vocab.EXT_TIME_TO: 42.5})
    assert played_segments(played) == [(D(30), D("42.5"))]
    seeked = _statement(vocab.SEEKED, **{vocab.EXT_TIME_FROM: 0, vocab.EXT_TIME_TO: 500})
    assert played_segments(seeked) == []
    assert played_segments({"verb": {"id": vocab.PAUSED}}) == []
    assert played_segments(_statement(vocab.PLAYED, **{vocab.EXT_TIME_FROM: 9, vocab.EXT_TIME_TO: 3})) == []


def test_video_length_from_context() -> None:
    """The length extension lives in context.extensions; absent or non-positive means unknown."""
    assert video_length({"context": {"extensions": {vocab.EXT_LENGTH: 600.5}}}) == D("600.5")
    assert video_length({"context": {"extensions": {vocab.EXT_LENGTH: 0}}}) is None
    assert video_length({}) is None


@given(segments, point)
def test_add_with_cap_reports_only_time_within_length(segs: list[tuple[Decimal, Decimal]], length: Decimal) -> None:
    """Newly covered seconds, capped at the video's length, sum to the capped total."""
    ranges = WatchedRanges.empty()
    running = sum((ranges.add([s], cap=length) for s in segs), D(0))
    assert running == ranges.total(cap=length) <= length


def test_hours_rule_is_checked_and_half_up() -> None:
    """Unknown rounding modes and non-positive minutes are refused; proportional is ROUND_HALF_UP."""
    with pytest.raises(ValueError):
        HoursRule(rounding="ceil")
    with pytest.raises(ValueError):
        HoursRule(minutes_per_hour=0)
    assert hours_from_seconds(D("121.5"), HoursRule(minutes_per_hour=1)) == D("2.03")  # 2.025 -> 2.03
    assert hours_from_seconds(D(45 * 30 - 1), HoursRule(rounding="floor_half")) == D("0.00")
