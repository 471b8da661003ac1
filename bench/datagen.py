"""Realistic generated statements for the benchmarks, built by the tool's own builders.

Most of what a workshop stores is video: each viewing session is what the tool's player sends
(`lti_tool/workshops/video_intake.py`): initialized, played, paused with the session's played
segments so far, sometimes a seek ahead or back, played again, … and terminated (completed first
when the learner reached the end). The event keys, context activities and data are shaped exactly
as `record_event` makes them (`<kind>:<member>:<activity>:<browser key>`), so the statement ids,
bodies and sizes are the ones production stores. About one statement in ten is something else a
workshop records (a reading opened, a post, a reply, a submission, a score).

Deterministic for a given seed; `tag` goes into every event key, so two sets made with different
tags have the same shapes and different statement ids (the same rows, storable side by side).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from xapi import ActivityRef, ActorInfo, ContextInfo, Event, build_statement, vocab

TOOL = "http://bench.local"
ISSUER = "https://moodle.bench.example.cn"
VIDEO_SECONDS = (Decimal(600), Decimal(1200), Decimal(1800), Decimal(2700))
START = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)  # 19:00 China time: the evening peak


def _iri(kind: str, ident: int | str) -> str:
    # The same IRIs as lti_tool.statements.events.activity_iri
    return f"{TOOL}/xapi/activities/{kind}/{ident}"


class _Population:
    """Learners in classes and groups of one workshop, as `workshop_context` describes them."""

    def __init__(self, learners: int, videos: int) -> None:
        self.learners = learners
        self.workshop = ActivityRef(_iri("workshop", 1), "2026 小学数学教师工作坊", vocab.COURSE)
        self.course = ActivityRef(_iri("course", 1), "2026 小学数学教师工作坊", vocab.COURSE)
        self.videos = [
            (i + 1, ActivityRef(_iri("video", i + 1), f"课例{i + 1}：分数的初步认识", vocab.VIDEO),
             VIDEO_SECONDS[i % len(VIDEO_SECONDS)])
            for i in range(videos)
        ]

    def actor(self, member: int) -> ActorInfo:
        return ActorInfo(issuer=ISSUER, sub=str(10_000 + member), name=f"学员{member:05d}")

    def context(self, member: int) -> ContextInfo:
        klass, group = member % 40, member % 400  # 40 classes, 10 groups per class
        return ContextInfo(
            workshop=self.workshop,
            course=self.course,
            klass=ActivityRef(_iri("class", klass + 1), f"{klass + 1}班", vocab.GROUP),
            group=ActivityRef(_iri("group", group + 1), f"第{group % 10 + 1}组", vocab.GROUP),
        )


def _session(pop: _Population, rng: random.Random, member: int, tag: str, serial: int,
             when: datetime) -> Iterator[dict[str, Any]]:
    """One viewing session of one video, event by event as the player queues them."""
    video_id, video, length = pop.videos[rng.randrange(len(pop.videos))]
    session_id = f"{tag}-{member}-{serial}-{rng.getrandbits(32):08x}"[:64]
    actor, context = pop.actor(member), pop.context(member)
    position = Decimal(rng.choice((0, 0, 0, rng.randrange(int(length) // 2))))
    segments: list[tuple[Decimal, Decimal]] = []
    step = 0

    def event(verb: str, **data: Any) -> dict[str, Any]:
        nonlocal step, when
        step += 1
        when += timedelta(seconds=rng.randint(1, 5))
        key = f"{member}:{video_id}:{session_id}-{step}"
        full = {"session_id": session_id, "length": length, **data}
        return build_statement(f"video.{verb}", Event(
            tool=TOOL, key=f"video.{verb}:{key}", actor=actor, object=video, context=context,
            timestamp=when, data=full))

    def progress() -> Decimal:
        watched = sum((e - s for s, e in segments), Decimal(0))
        return min(Decimal(1), (watched / length).quantize(Decimal("0.0001")))

    yield event("initialized")
    for _ in range(rng.randint(1, 4)):
        yield event("played", time=position)
        start = position
        position = min(length, position + Decimal(rng.randint(60, 900)) + Decimal(rng.randint(0, 99)) / 100)
        when += timedelta(seconds=int(position - start))
        segments.append((start, position))
        if position >= length:
            break
        yield event("paused", time=position, progress=progress(), segments=list(segments))
        if rng.random() < 0.4:
            target = Decimal(rng.randrange(int(length)))
            yield event("seeked", time_from=position, time_to=target)
            position = target
    if position >= length:
        duration = sum((e - s for s, e in segments), Decimal(0))
        yield event("completed", time=position, progress=progress(), segments=list(segments), duration=duration)
    yield event("terminated", time=position, progress=progress(), segments=list(segments))


def _other(pop: _Population, rng: random.Random, member: int, tag: str, serial: int,
           when: datetime) -> dict[str, Any]:
    """Something else a workshop records: a reading, a post or reply, a submission or a score."""
    kind = rng.choice(("reading.opened", "discussion.posted", "discussion.replied", "assignment.submitted",
                       "assignment.scored"))
    data: dict[str, Any] = {}
    if kind.startswith("reading"):
        obj = ActivityRef(_iri("reading", rng.randint(1, 6)), "新课标解读", vocab.ARTICLE)
    elif kind.startswith("discussion"):
        obj = ActivityRef(_iri("post", f"{tag}-{serial}"), "我的教学反思", vocab.DISCUSSION)
        if kind == "discussion.replied":
            data["parent"] = ActivityRef(_iri("post", rng.randint(1, 500)), "研讨主题", vocab.DISCUSSION)
    else:
        obj = ActivityRef(_iri("submission", f"{tag}-{serial}"), "教学设计作业", vocab.ASSIGNMENT)
        if kind == "assignment.scored":
            data["raw"] = Decimal(rng.randint(60, 100))
    return build_statement(kind, Event(
        tool=TOOL, key=f"{kind}:{member}:{tag}-{serial}", actor=pop.actor(member), object=obj,
        context=pop.context(member), timestamp=when, data=data))


def statements(count: int, *, tag: str = "a", seed: int = 7, learners: int = 3_000, videos: int = 8,
               other_share: float = 0.1) -> list[dict[str, Any]]:
    """`count` statements: whole viewing sessions (cut at `count`) with `other_share` of other events."""
    rng = random.Random(seed)
    pop = _Population(learners, videos)
    out: list[dict[str, Any]] = []
    serial = 0
    while len(out) < count:
        serial += 1
        member = rng.randrange(learners)
        when = START + timedelta(minutes=rng.randrange(60 * 24 * 20))
        # Other events are single statements, a session averages ~7: weigh the draw so that
        # `other_share` of the statements (not of the draws) are other events.
        if rng.random() < other_share * 7 / (1 + other_share * 6):
            out.append(_other(pop, rng, member, tag, serial, when))
        else:
            out.extend(_session(pop, rng, member, tag, serial, when))
    return out[:count]


def body_bytes(items: list[dict[str, Any]]) -> float:
    """Mean size of a stored statement body (canonical JSON, UTF-8), for the sizing notes."""
    from xapi import canonical_json

    return sum(len(canonical_json(s).encode()) for s in items) / max(1, len(items))
