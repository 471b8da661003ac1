"""Builders: every event kind gives a statement Ralph's strict models accept, with deterministic
ids, UTC timestamps and an account actor (issue xAPI §1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement
from ralph.models.xapi.video import statements as video_models

from xapi import BUILDERS, ActivityRef, ActorInfo, ContextInfo, Event, build_statement, validate_statement, vocab

D = Decimal
TOOL = "https://yanxiu.example.cn"
WORKSHOP = ActivityRef(TOOL + "/xapi/activities/workshop/1", "小学数学工作坊", vocab.COURSE)
CONTEXT = ContextInfo(
    workshop=WORKSHOP,
    course=ActivityRef("https://moodle.example.cn/course/2", "课程", vocab.COURSE),
    klass=ActivityRef(TOOL + "/xapi/activities/class/3", "一班", vocab.GROUP),
    registration="3b8d7f39-6d0d-4fb3-9f0e-3f2f6a3b1c11",
)
ACTOR = ActorInfo(issuer="https://moodle.example.cn", sub="42", name="王丽华")
VIDEO = ActivityRef(TOOL + "/xapi/activities/video/7", "课例视频", vocab.VIDEO)
NOW = datetime(2026, 11, 22, 10, 0, 0, 123000, tzinfo=UTC)

VIDEO_DATA = {
    "session_id": "c2b1c0f4-8f5e-4a0e-9b8e-7d2f0d2a1b33",
    "length": D("600.5"),
    "time": D("42.3"),
    "progress": D("0.07"),
    "segments": [(D(0), D("42.3"))],
    "time_from": D(10),
    "time_to": D(40),
    "duration": D("42.3"),
}
DATA = {
    "video.initialized": VIDEO_DATA,
    "video.played": VIDEO_DATA,
    "video.paused": VIDEO_DATA,
    "video.seeked": VIDEO_DATA,
    "video.completed": VIDEO_DATA,
    "video.terminated": VIDEO_DATA,
    "assignment.scored": {"raw": D("88.5"), "max": D(100)},
    "assignment.passed": {"raw": D(88), "max": D(100)},
    "assignment.failed": {"raw": D(40), "max": D(100), "comment": "请补充教学反思"},
    "offline.attended": {"hours": D("3.5"), "status": "late"},
}
RALPH_VIDEO = {
    "video.initialized": video_models.VideoInitialized,
    "video.played": video_models.VideoPlayed,
    "video.paused": video_models.VideoPaused,
    "video.seeked": video_models.VideoSeeked,
    "video.completed": video_models.VideoCompleted,
    "video.terminated": video_models.VideoTerminated,
}


def event(kind: str, key: str = "k1", when: datetime = NOW) -> Event:
    obj = VIDEO if kind.startswith("video") else ActivityRef(TOOL + "/xapi/activities/a/1", "活动", vocab.ASSIGNMENT)
    return Event(tool=TOOL, key=key, actor=ACTOR, object=obj, context=CONTEXT, timestamp=when, data=DATA.get(kind, {}))


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_every_kind_is_valid_for_ralph(kind: str) -> None:
    """Every builder's output passes Ralph's BaseXapiStatement, its ADL video profile model for the
    video verbs (required extensions per verb, category https://w3id.org/xapi/video), and ours."""
    statement = build_statement(kind, event(kind))
    BaseXapiStatement(**statement)
    if kind in RALPH_VIDEO:
        RALPH_VIDEO[kind](**statement)
    validate_statement(statement)


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_every_statement_has_id_timestamp_and_no_version(kind: str) -> None:
    """xAPI client rules (platform facts): sender-made id, timestamp always set, `version` never set."""
    statement = build_statement(kind, event(kind))
    assert statement["id"] and statement["timestamp"].endswith("Z") and "version" not in statement


def test_video_verbs_carry_the_profile_extensions() -> None:
    """ADL video profile: played has time; paused has time, progress, played-segments and length;
    seeked has time-from/time-to; completed adds completion and an ISO 8601 duration."""
    paused = build_statement("video.paused", event("video.paused"))
    assert paused["result"]["extensions"] == {
        vocab.EXT_TIME: 42.3,
        vocab.EXT_PROGRESS: 0.07,
        vocab.EXT_PLAYED_SEGMENTS: "0[.]42.3",
    }
    assert paused["context"]["extensions"][vocab.EXT_LENGTH] == 600.5
    assert paused["context"]["extensions"][vocab.EXT_SESSION_ID] == VIDEO_DATA["session_id"]
    seeked = build_statement("video.seeked", event("video.seeked"))["result"]["extensions"]
    assert seeked == {vocab.EXT_TIME_FROM: 10, vocab.EXT_TIME_TO: 40}
    completed = build_statement("video.completed", event("video.completed"))["result"]
    assert completed["completion"] is True and completed["duration"] == "PT42.3S"


def test_verb_display_is_bilingual_except_video_profile() -> None:
    """Displays are zh-CN + en-US; the video profile fixes {"en-US": verb} (Ralph's profile models)."""
    posted = build_statement("discussion.posted", event("discussion.posted"))["verb"]
    assert posted == {"id": vocab.POSTED, "display": {"zh-CN": "发帖", "en-US": "posted"}}
    assert build_statement("video.played", event("video.played"))["verb"]["display"] == {"en-US": "played"}


def test_attended_hours_extension_uses_the_tool_base() -> None:
    """Offline attendance: hours as a result extension under the tool's own IRI base."""
    result = build_statement("offline.attended", event("offline.attended"))["result"]
    assert result["extensions"][TOOL + "/xapi/extensions/hours"] == 3.5
    assert vocab.tool_extension("https://other.example/", "hours") == "https://other.example/xapi/extensions/hours"


def test_clock_clamps_future_timestamps() -> None:
    """xAPI timestamps are never in the future: a browser clock running ahead is clamped to the
    injected clock; a past moment is kept as is (so re-builds give the same statement)."""
    clock_now = NOW - timedelta(minutes=5)
    clamped = build_statement("lti.launched", event("lti.launched"), clock=lambda: clock_now)
    assert clamped["timestamp"] == "2026-11-22T09:55:00.123Z"
    kept = build_statement("lti.launched", event("lti.launched"), clock=lambda: NOW + timedelta(days=1))
    assert kept["timestamp"] == "2026-11-22T10:00:00.123Z"


def test_ids_are_deterministic_and_distinct() -> None:
    """A re-send of the same event is the same statement; another event gets another id."""
    a = build_statement("discussion.posted", event("discussion.posted", "post:1"))
    b = build_statement("discussion.posted", event("discussion.posted", "post:1"))
    c = build_statement("discussion.posted", event("discussion.posted", "post:2"))
    assert a == b and a["id"] != c["id"]


def test_timestamp_is_utc_with_milliseconds() -> None:
    """Timestamps are UTC, ISO 8601 with 'Z' and milliseconds; naive datetimes are refused."""
    local = NOW.astimezone(timezone(timedelta(hours=8)))
    statement = build_statement("lti.launched", event("lti.launched", when=local))
    assert statement["timestamp"] == "2026-11-22T10:00:00.123Z"
    assert "version" not in statement
    with pytest.raises(ValueError):
        build_statement("lti.launched", event("lti.launched", when=NOW.replace(tzinfo=None)))


def test_actor_is_account_without_email() -> None:
    """Actor = account {homePage: issuer, name: sub}; no mbox even when an e-mail is known."""
    actor = build_statement("lti.launched", event("lti.launched"))["actor"]
    assert actor == {
        "objectType": "Agent",
        "name": "王丽华",
        "account": {"homePage": "https://moodle.example.cn", "name": "42"},
    }
    with_mail = ActorInfo(issuer="https://moodle.example.cn", sub="42", email="wang@example.com")
    statement = build_statement("lti.launched", replace(event("lti.launched"), actor=with_mail))
    assert "wang@example.com" not in str(statement)


def test_email_only_when_allowed() -> None:
    """Privacy: the e-mail appears (as the tool's learner-email context extension, never as a
    second identifier) only when the host allows sharing it; the actor stays the same."""
    allowed = ActorInfo(issuer="https://moodle.example.cn", sub="42", email="wang@example.com", email_allowed=True)
    statement = build_statement("lti.launched", replace(event("lti.launched"), actor=allowed))
    assert statement["context"]["extensions"] == {TOOL + "/xapi/extensions/learner-email": "mailto:wang@example.com"}
    assert statement["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": "https://moodle.example.cn", "name": "42"},
    }
    validate_statement(statement)
    BaseXapiStatement(**statement)


def test_anonymous_actor_without_name() -> None:
    """Open edX may send only `sub`: the actor is then the bare account."""
    anonymous = ActorInfo(issuer="https://edx.example.org", sub="a1b2")
    actor = build_statement("lti.launched", replace(event("lti.launched"), actor=anonymous))["actor"]
    assert actor == {"objectType": "Agent", "account": {"homePage": "https://edx.example.org", "name": "a1b2"}}


def test_context_carries_workshop_course_class_registration() -> None:
    """parent = workshop; grouping = course, class, group; category = video profile; registration."""
    ctx = build_statement("video.paused", event("video.paused"))["context"]
    assert ctx["registration"] == CONTEXT.registration
    ids = [a["id"] for a in ctx["contextActivities"]["parent"] + ctx["contextActivities"]["grouping"]]
    assert WORKSHOP.iri in ids and CONTEXT.klass.iri in ids  # type: ignore[union-attr]
    assert ctx["contextActivities"]["category"][0]["id"] == vocab.VIDEO_PROFILE


def test_unknown_kind() -> None:
    """The registry is the only way in: an unknown kind is an error, not a guess."""
    with pytest.raises(ValueError, match="unknown event kind"):
        build_statement("video.exploded", event("video.played"))


def test_score_outside_range_is_refused() -> None:
    """xAPI result.score: raw between min (0) and max, max > 0; scaled = raw / max."""
    scored = build_statement("assignment.scored", event("assignment.scored"))["result"]["score"]
    assert scored == {"raw": 88.5, "min": 0, "max": 100, "scaled": 0.885}
    for data in ({"raw": D(120), "max": D(100)}, {"raw": D(-1)}, {"raw": D(0), "max": D(0)}):
        with pytest.raises(ValueError, match="score"):
            build_statement("assignment.scored", replace(event("assignment.scored"), data=data))
