"""Grades written back to the LMS gradebook through AGS, against the strict platform: a line item
for the workshop, scores with progress flags and the band as comment, a durable outbox with
retries, cached access tokens, a 401 and a 5xx from the platform (issue "Grading" §In the product)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import ScoreOutbox

from ...fixtures.lti import LtiHarness, lti_harness
from .test_grade_pages import graded_workshop


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def send_now(host: object, base: str) -> str:
    from ..workshops.test_pages import csrf

    page = host.get(base + "/grades")  # type: ignore[attr-defined]
    assert page.status_code == 200
    r = host.post(base + "/grades/writeback", data={"csrf_token": csrf(page.text)})  # type: ignore[attr-defined]
    assert r.status_code == 200
    return str(r.text)


def test_totals_reach_the_gradebook_with_band_and_progress(lti: LtiHarness) -> None:
    host, base, _ = graded_workshop(lti)
    page = send_now(host, base)
    assert "已回传 1 条" in page
    scores = [s for s in lti.state.scores if s["user_login"] == "wanglihua"]
    assert len(scores) == 1
    score = scores[0]
    assert score["scoreGiven"] == 94 or score["scoreGiven"] == 94.0
    assert score["scoreMaximum"] == 100 and score["comment"].startswith("优秀")
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    with lti.tool_app.app_context():
        assert db.session.scalars(select(ScoreOutbox)).first() is None  # delivered: nothing owed
    tokens = lti.state.tokens_issued
    # Unchanged grades are not sent again; a changed one is, with the cached token.
    send_now(host, base)
    assert len([s for s in lti.state.scores if s["user_login"] == "wanglihua"]) == 1
    with lti.tool_app.app_context():
        from lti_tool.models import Submission

        db.session.scalars(select(Submission)).one().score = 60
        db.session.commit()
    send_now(host, base)
    latest = [s for s in lti.state.scores if s["user_login"] == "wanglihua"][-1]
    assert latest["scoreGiven"] == 84 and latest["comment"].startswith("良好")
    assert lti.state.tokens_issued == tokens, "the access token is cached until it expires"


def test_a_401_gets_a_new_token_and_a_5xx_is_retried_later(lti: LtiHarness) -> None:
    host, base, _ = graded_workshop(lti)
    tokens = lti.state.tokens_issued
    lti.state.fail_next("/scores", 401)
    send_now(host, base)
    assert len(lti.state.scores) == 1, "the 401 was answered with a new token and one retry"
    assert lti.state.tokens_issued >= tokens + 1
    with lti.tool_app.app_context():
        from lti_tool.models import Submission

        db.session.scalars(select(Submission)).one().score = 60
        db.session.commit()
    lti.state.fail_next("/scores", 503, times=5)
    page = send_now(host, base)
    assert "失败 1 条" in page and "503" in page  # the reason is shown to the host
    with lti.tool_app.app_context():
        entry = db.session.scalars(select(ScoreOutbox)).one()
        assert entry.attempts == 1 and entry.next_attempt_at > datetime.now(UTC)
        assert "Bearer" not in (entry.last_error or "")
        entry.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)  # its retry time has come
        db.session.commit()
    # The platform is back (the five failures asked for are not all used: clear the rest).
    lti.state.take_failure("/scores")
    while lti.state.take_failure("/scores") is not None:
        pass
    send_now(host, base)
    assert [s["scoreGiven"] for s in lti.state.scores][-1] == 84
    with lti.tool_app.app_context():
        assert db.session.scalars(select(ScoreOutbox)).first() is None


def test_participants_cannot_trigger_a_writeback(lti: LtiHarness) -> None:
    """A valid CSRF token is not enough: the route is for hosts (403), and nothing is sent."""
    from lti_tool.models import Activity

    from ..workshops.test_pages import csrf

    _, base, learner = graded_workshop(lti)
    with lti.tool_app.app_context():
        video_id = db.session.scalars(select(Activity.id).where(Activity.kind == "video")).one()
    token = csrf(learner.session.get(f"{base}/a/{video_id}").text)
    r = learner.session.post(base + "/grades/writeback", data={"csrf_token": token})
    assert r.status_code == 403
    assert lti.state.scores == []


def test_one_column_per_top_component_when_the_host_asks(lti: LtiHarness) -> None:
    """Issue "Grading": a line item per workshop, optionally one per top component. zhenjiang-80-20:
    必做 (required) 92.50 and 选做 (optional) 100.00 each get a column the tool creates once, tagged
    with the component's key, besides the total of 94."""
    from ..workshops.test_pages import csrf

    host, base, _ = graded_workshop(lti)
    settings = host.get(base + "/grades/settings")
    r = host.post(base + "/grades/settings", data={"csrf_token": csrf(settings.text), "action": "feeds",
                                                   "writeback": "1", "writeback_components": "1"})
    assert r.status_code in (200, 302)
    assert "checked" in host.get(base + "/grades/settings").text.split('name="writeback_components"')[1][:40]
    send_now(host, base)
    items = {item.tag: item for item in lti.state.line_items.values()}
    assert {"yanxiu-required", "yanxiu-optional"} <= set(items)
    by_item = {s["lineItemId"]: s for s in lti.state.scores if s["user_login"] == "wanglihua"}
    assert by_item[items["yanxiu-required"].id]["scoreGiven"] == 92.5
    assert by_item[items["yanxiu-optional"].id]["scoreGiven"] == 100
    totals = [s for s in by_item.values() if s["scoreGiven"] == 94]
    assert len(totals) == 1 and totals[0]["comment"].startswith("优秀")
    created = len(lti.state.line_items)
    # A changed component score is sent to its existing column; no column is created twice.
    with lti.tool_app.app_context():
        from lti_tool.models import Submission

        db.session.scalars(select(Submission)).one().score = 60
        db.session.commit()
    send_now(host, base)
    assert len(lti.state.line_items) == created
    latest = [s for s in lti.state.scores if s["lineItemId"] == items["yanxiu-required"].id][-1]
    assert latest["scoreGiven"] == 80  # mean(video 100, assignment 60)


def _columns_per_component(lti: LtiHarness) -> tuple[object, str]:
    """graded_workshop with a column per top component: 王丽华 is owed three scores (total, 必做, 选做)."""
    from ..workshops.test_pages import csrf

    host, base, _ = graded_workshop(lti)
    settings = host.get(base + "/grades/settings")
    r = host.post(base + "/grades/settings", data={"csrf_token": csrf(settings.text), "action": "feeds",
                                                   "writeback": "1", "writeback_components": "1"})
    assert r.status_code in (200, 302)
    return host, base


def test_scores_are_posted_at_once_not_one_after_the_other(lti: LtiHarness) -> None:
    """A city's scores owed after one change would take over half an hour one at a time: the
    platform holds the three score requests until all three have arrived (a 503 after 10 s if they
    come one by one), so this passes only when the tool posts them concurrently."""
    host, base = _columns_per_component(lti)
    assert lti.tool_app.config["AGS_CONCURRENCY"] >= 3
    lti.state.hold_together("/scores", 3)
    page = send_now(host, base)
    assert "已回传 3 条，失败 0 条" in page
    assert len([s for s in lti.state.scores if s["user_login"] == "wanglihua"]) == 3
    with lti.tool_app.app_context():
        assert db.session.scalars(select(ScoreOutbox)).first() is None


def test_a_409_means_the_platform_already_holds_the_score(lti: LtiHarness) -> None:
    """A score posted again (the worker stopped between the POST and its commit) is refused with
    409 "not newer" by Moodle-like platforms: the entry is done, not retried every few hours."""
    host, base, _ = graded_workshop(lti)
    lti.state.fail_next("/scores", 409)
    assert "已回传 1 条，失败 0 条" in send_now(host, base)
    with lti.tool_app.app_context():
        assert db.session.scalars(select(ScoreOutbox)).first() is None


def test_the_worker_is_told_when_more_scores_are_due(lti: LtiHarness) -> None:
    """deliver_due sends up to its limit and says "more" while entries remain and none failed, so
    the worker goes on in the same turn instead of resting between 200-score turns."""
    from lti_tool.grades.writeback import deliver_due

    _columns_per_component(lti)
    with lti.tool_app.app_context():
        from lti_tool.grades.service import ensure_fresh
        from lti_tool.models import Workshop

        ensure_fresh(db.session.scalars(select(Workshop)).one())
        assert db.session.query(ScoreOutbox).count() == 3
        assert deliver_due(limit=2) == {"sent": 2, "failed": 0, "held": 0, "more": True}
        lti.state.fail_next("/scores", 503)
        assert deliver_due(limit=1) == {"sent": 0, "failed": 1, "held": 0, "more": False}  # failing: rest a while
        assert deliver_due(limit=2) == {"sent": 0, "failed": 0, "held": 0, "more": False}  # the failed one waits
    assert len(lti.state.scores) == 2


def test_a_score_queued_while_the_last_one_is_in_flight_is_still_sent(lti: LtiHarness) -> None:
    """The host changes a grade while the worker is posting the learner's previous score: the post
    succeeds, and the newer score's entry must stay owed (deleting it with the old one's success
    would leave the gradebook at the old score for good)."""
    import threading

    import requests

    from lti_tool.grades.service import ensure_fresh
    from lti_tool.grades.writeback import deliver_due
    from lti_tool.models import Submission, Workshop

    host, base, _ = graded_workshop(lti)
    assert host.get(base + "/grades").status_code == 200  # computed: 94 owed

    def regrade() -> None:
        with lti.tool_app.app_context():
            db.session.scalars(select(Submission)).one().score = 60
            db.session.commit()
            ensure_fresh(db.session.scalars(select(Workshop)).one())  # queues 84 over the 94

    class RegradeMidway:
        """`requests`, except that the host regrades while the first score is on its way."""
        post = staticmethod(requests.post)

        def __init__(self) -> None:
            self.done = False

        def request(self, method: str, url: str, **kwargs: object) -> requests.Response:
            if "/scores" in url and not self.done:
                self.done = True
                worker = threading.Thread(target=regrade)
                worker.start()
                worker.join()
            return requests.request(method, url, **kwargs)  # type: ignore[arg-type]

    with lti.tool_app.app_context():
        assert deliver_due(http=RegradeMidway())["sent"] == 1
        owed = db.session.scalars(select(ScoreOutbox)).one()
        assert owed.payload["scoreGiven"] == "84.00" and owed.attempts == 0
        assert deliver_due()["sent"] == 1
    assert [s["scoreGiven"] for s in lti.state.scores if s["user_login"] == "wanglihua"] == [94, 84]


def test_scores_stop_going_out_once_the_platform_stops_answering(lti: LtiHarness) -> None:
    """A 5xx (or no answer, or a 429) stops the round: the scores not yet posted are not posted,
    instead of each waiting out its own timeout against a platform that hangs, and they wait as
    long as the failed one, so the worker's next turn does not post to that platform again."""
    host, base = _columns_per_component(lti)
    lti.tool_app.config["AGS_CONCURRENCY"] = 1  # one after the other, so "not yet posted" is certain
    lti.state.fail_next("/scores", 503)
    page = send_now(host, base)
    assert "失败 1 条" in page and "2 条稍后再发" in page
    with lti.tool_app.app_context():
        owed = db.session.scalars(select(ScoreOutbox).order_by(ScoreOutbox.id)).all()
        assert sorted(entry.attempts for entry in owed) == [0, 0, 1]
        assert sum(entry.last_error is None for entry in owed) == 2
        assert len({entry.next_attempt_at for entry in owed}) == 1  # the failed one's backoff, for all
    assert "已回传 0 条，失败 0 条" in send_now(host, base)  # nothing posted to the resting platform
    table = host.get(base + "/grades").text  # type: ignore[attr-defined]
    assert lti.state.scores == [] and "下次尝试" in table
    assert 'id="unattended"' in table  # and no background worker runs here: the host is told
    _rested(lti)
    assert "已回传 3 条，失败 0 条" in send_now(host, base)
    assert len(lti.state.scores) == 3


def test_every_score_owed_to_a_platform_that_stopped_answering_waits(lti: LtiHarness) -> None:
    """Not only the round's: a city owes 23,000 scores, 200 a round, and each later round would
    post a few more to the platform that is down until every one had been tried."""
    from lti_tool.grades.writeback import deliver_due

    _columns_per_component(lti)
    lti.tool_app.config["AGS_CONCURRENCY"] = 1
    with lti.tool_app.app_context():
        from lti_tool.grades.service import ensure_fresh
        from lti_tool.models import Workshop

        ensure_fresh(db.session.scalars(select(Workshop)).one())
        lti.state.fail_next("/scores", 503)
        assert deliver_due(limit=1) == {"sent": 0, "failed": 1, "held": 0, "more": False}
        assert deliver_due(limit=5) == {"sent": 0, "failed": 0, "held": 0, "more": False}  # the two unread wait too
    assert lti.state.scores == []
    _rested(lti)
    with lti.tool_app.app_context():
        assert deliver_due(limit=5)["sent"] == 3


def _rested(lti: LtiHarness) -> None:
    """As if the wait were over: every owed score due now."""
    from sqlalchemy import update

    with lti.tool_app.app_context():
        db.session.execute(update(ScoreOutbox).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
        db.session.commit()


@pytest.mark.parametrize("status", [429, 503])
def test_a_platform_that_asks_us_to_wait_is_sent_nothing_before_then(lti: LtiHarness, status: int) -> None:
    """Retry-After (an Open edX or a proxy in front of Moodle rate-limiting the tool): the score
    refused and those not yet posted wait that long, not the first backoff of a minute."""
    host, base = _columns_per_component(lti)
    lti.tool_app.config["AGS_CONCURRENCY"] = 1
    lti.state.fail_next("/scores", status, headers={"Retry-After": "1800"})
    before = datetime.now(UTC)
    assert "2 条稍后再发" in send_now(host, base)
    with lti.tool_app.app_context():
        owed = db.session.scalars(select(ScoreOutbox)).all()
        assert len(owed) == 3
        assert all(entry.next_attempt_at >= before + timedelta(seconds=1800) for entry in owed)  # type: ignore[operator]
    _rested(lti)
    assert "已回传 3 条，失败 0 条" in send_now(host, base)


def test_a_409_from_creating_a_column_is_a_failure_not_a_delivered_score(lti: LtiHarness) -> None:
    """Only the score's own POST answered 409 means the platform holds the score; a 409 when the
    tool creates a component's gradebook column leaves that score owed, with the reason."""
    host, base = _columns_per_component(lti)
    lti.state.fail_next("lineitems?type_id", 409)  # the container: the first column the tool creates
    assert "已回传 2 条，失败 1 条" in send_now(host, base)
    with lti.tool_app.app_context():
        owed = db.session.scalars(select(ScoreOutbox)).one()
        assert owed.line_item_key.startswith("component:") and owed.attempts == 1 and "409" in (owed.last_error or "")
