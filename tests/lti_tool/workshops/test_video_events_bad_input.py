"""The video player's intake on input of the wrong type or shape (standards: bad input is a 400
naming the field). Found by a fuzzer: a list where the verb goes was `TypeError: unhashable type`
and a body nested 100,000 levels a RecursionError, both 500s. Every field's type is now checked
before it is used, and the body is read by xapi.parse_json, which refuses nesting it cannot hold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import Activity, Statement

from ...fixtures.lti import LtiHarness, lti_harness
from .test_pages import csrf, host_setup

GOOD = {"key": "k" * 10, "verb": "paused", "session_id": "s" * 10, "time": 1, "progress": 0.1, "segments": [[0, 1]]}
SEEK = {"key": "k" * 10, "verb": "seeked", "session_id": "s" * 10, "time_from": 1, "time_to": 2}

# (a field changed, the field the answer must name)
BAD_FIELDS: list[tuple[dict[str, Any], str]] = [
    *(({**GOOD, "verb": verb}, "verb") for verb in (["paused"], {"paused": 1}, 1, None)),
    *(({**GOOD, "key": key}, "key") for key in (["kkkkkkkk"], {"k": 1}, 12345678, True, "kkkkkkkk\n")),
    *(({**GOOD, "session_id": sid}, "session_id") for sid in (["ssssssss"], 12345678, None)),
    *(({**GOOD, "time": time}, "time") for time in ([1], {"t": 1}, "1", True, None)),
    *(({**GOOD, "progress": progress}, "progress") for progress in ([0.1], "0.1", False)),
    *(({**GOOD, "segments": segments}, "segments")
      for segments in (5, True, "0,1", {"0": 1}, None, [[0, [1]]], [["0", 1]], [[0, 1, 2]], [[{"a": 0}, 1]])),
    *(({**SEEK, name: [1]}, name) for name in ("time_from", "time_to")),
]


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


class Player:
    """A participant on the video's page, posting to its intake as the player does."""

    def __init__(self, lti: LtiHarness) -> None:
        _, base = host_setup(lti)
        learner = lti.driver()
        learner.launch("wanglihua")
        with lti.tool_app.app_context():
            video_id = db.session.scalars(select(Activity.id)).one()
        self.lti, self.session = lti, learner.session
        self.url = f"{base}/a/{video_id}/video-events"
        self.headers = {"X-CSRF-Token": csrf(self.session.get(f"{base}/a/{video_id}").text),
                        "Content-Type": "application/json"}

    def post(self, **kwargs: Any) -> Any:
        return self.session.post(self.url, headers=self.headers, **kwargs)

    def stored(self) -> int:
        with self.lti.tool_app.app_context():
            return int(db.session.scalar(select(func.count()).select_from(Statement)) or 0)


def test_events_of_the_wrong_type_are_a_400_naming_the_field(lti: LtiHarness) -> None:
    player = Player(lti)
    before = player.stored()
    for event, field in BAD_FIELDS:
        r = player.post(json=[event])
        assert r.status_code == 400, (event, r.status_code, r.text[:300])
        assert r.json()["message"].startswith(f"events[0].{field}:"), (event, r.json()["message"])
    assert player.stored() == before
    assert player.post(json=[GOOD, {**SEEK, "key": "k" * 11}]).ok  # well typed, the same events are stored
    assert player.stored() == before + 2


def test_a_body_nested_100000_levels_is_a_400(lti: LtiHarness) -> None:
    player = Player(lti)
    before = player.stored()
    deep = "[" * 100_000 + "]" * 100_000
    for body in (deep, json.dumps([{**GOOD, "time": "DEEP"}]).replace('"DEEP"', deep)):
        r = player.post(data=body)
        assert r.status_code == 400, r.text[:300]
        assert "body: a JSON list of 1 to 200 events (arrays and objects nest deeper than 254 levels)" in r.text
    r = player.post(json=[[[["paused"]]]])  # nested, but within what the reader takes: the event is named
    assert r.status_code == 400 and r.json()["message"].startswith("events[0].verb:")
    assert player.stored() == before
