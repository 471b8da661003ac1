"""Who took part on each day of the 研修主页's fortnight: each day is read from the statements once
for the workshop and all its class pages, the last day as often as the page, the days before it
once an hour (late events from a player that was offline still arrive)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from lti_tool.china import CHINA
from lti_tool.extensions import db
from lti_tool.models import Statement
from lti_tool.reports import cache
from lti_tool.reports.participation import PAST_DAY_SECONDS, active_by_day
from tests.fixtures.sql import sql_sent

TODAY = date(2026, 12, 7)
WORKSHOP = SimpleNamespace(id=7)


def event_on(day: date, actor: str, workshop_id: int = 7) -> Statement:
    moment = datetime.combine(day, time(20, 0), tzinfo=CHINA).astimezone(UTC)
    return Statement(id=str(uuid.uuid4()), stored=moment, timestamp=moment, actor_key=actor, verb_id="v",
                     object_id="o", workshop_id=workshop_id, body="{}")


def day_reads(app: Any) -> Any:
    """The participation queries run meanwhile."""
    return sql_sent(db.engine, lambda sql: "DISTINCT xapi_statements.actor_key" in sql)


def test_each_day_is_read_once_and_past_days_hourly(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(cache, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    app.config["DASHBOARD_CACHE_SECONDS"] = 120
    yesterday = TODAY - timedelta(days=1)
    days = [yesterday, TODAY]
    with app.app_context():
        db.session.add_all([event_on(yesterday, "甲"), event_on(TODAY, "乙"), event_on(TODAY, "丙"),
                            event_on(TODAY, "丁", workshop_id=8)])
        db.session.commit()
        with day_reads(app) as reads:
            assert active_by_day(WORKSHOP, days) == {yesterday: {"甲"}, TODAY: {"乙", "丙"}}
        assert len(reads) == 2
        with day_reads(app) as reads:  # another page of the workshop (a class) a minute later
            clock[0] += 60
            assert active_by_day(WORKSHOP, days)[TODAY] == {"乙", "丙"}
        assert reads == []
        db.session.add_all([event_on(yesterday, "戊"), event_on(TODAY, "己")])  # a late event; a new one
        db.session.commit()
        clock[0] += 120
        with day_reads(app) as reads:
            assert active_by_day(WORKSHOP, days) == {yesterday: {"甲"}, TODAY: {"乙", "丙", "己"}}
        assert len(reads) == 1  # today's only
        clock[0] += PAST_DAY_SECONDS
        with day_reads(app) as reads:
            assert active_by_day(WORKSHOP, days)[yesterday] == {"甲", "戊"}
        assert len(reads) == 2


def test_without_the_cache_every_call_reads(app: Any) -> None:
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    with app.app_context():
        db.session.add(event_on(TODAY, "甲"))
        db.session.commit()
        for _ in range(2):
            with day_reads(app) as reads:
                assert active_by_day(WORKSHOP, [TODAY]) == {TODAY: {"甲"}}
            assert len(reads) == 1


def test_the_days_go_through_redis_as_json_and_come_back_the_same() -> None:
    import json

    from lti_tool.reports.participation import ONE_DAY, PAST_DAYS

    past = {TODAY - timedelta(days=2): frozenset({"甲", "乙"}), TODAY - timedelta(days=1): frozenset()}
    assert PAST_DAYS.decode(json.loads(json.dumps(PAST_DAYS.encode(past)))) == past
    assert ONE_DAY.decode(json.loads(json.dumps(ONE_DAY.encode(frozenset({"丙"}))))) == {"丙"}
