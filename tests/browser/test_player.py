"""The video player in headless Chromium with the network cut and restored: no statement lost,
none duplicated (issue xAPI §3, "tests that must exist").

The media is a silent WAV, the demo's sample lesson (lti_tool/devlms/media.py: Chromium's <video>
plays audio-only files, and their time line, events and seeking behave like a video's); Debian's
Chromium, driven by Playwright.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, request
from sqlalchemy import select

from lti_tool.devlms.media import silent_wav
from lti_tool.extensions import db
from lti_tool.models import Activity, Statement, VideoProgress

from ..fixtures.lti import LtiHarness, lti_harness
from ..fixtures.servers import ServerThread
from ..lti_tool.workshops.test_pages import csrf

pytestmark = pytest.mark.browser
SECONDS = 30
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def media_server() -> Iterator[str]:
    app = Flask("media")
    data = silent_wav(SECONDS)

    @app.route("/lesson.wav")
    def lesson() -> Any:
        # Range support: media elements ask for byte ranges.
        return Response(data, mimetype="audio/wav").make_conditional(request, accept_ranges=True,
                                                                      complete_length=len(data))

    server = ServerThread(app).start()
    yield server.url + "/lesson.wav"
    server.stop()


@pytest.fixture
def lti(tmp_path: Path, sqlite_template: Path) -> Iterator[LtiHarness]:
    import shutil

    db_path = tmp_path / "browser.sqlite3"
    shutil.copy(sqlite_template, db_path)
    with lti_harness(f"sqlite:///{db_path}", tmp_path / "instance") as harness:
        yield harness


def setup_video(lti: LtiHarness, media_url: str) -> str:
    driver = lti.driver()
    base = driver.launch("maxiaoyan").url.rstrip("/")
    token = csrf(driver.session.get(base + "/setup").text)
    r = driver.session.post(base + "/activities", data={
        "csrf_token": token, "kind": "video", "title": "课例", "required": "1", "video_url": media_url,
        "video_seconds": str(SECONDS)})
    assert r.status_code == 200
    return base


def record_intake_answers(page: Any) -> list[str]:
    """The intake's answers, so a failure says why the queue did not drain."""
    answers: list[str] = []

    def on_response(response: Any) -> None:
        if "/video-events" in response.url:
            try:
                answers.append(f"{response.status} {response.text()[:300]}")
            except Exception as exc:  # the page may close before the body is read
                answers.append(f"{response.status} <{exc}>")

    page.on("response", on_response)
    return answers


def member_named(lti: LtiHarness, name: str) -> int:
    from lti_tool.models import User, WorkshopMember

    with lti.tool_app.app_context():
        return int(db.session.scalars(
            select(WorkshopMember.id).join(User, User.id == WorkshopMember.user_id).where(User.name == name)).one())


def drained(page: Any, queue: str, answers: list[str]) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(f"() => {queue}.length === 0", timeout=20000)
    except PlaywrightTimeout:
        pytest.fail(f"the player's queue did not drain; intake answered: {answers}")


def test_player_survives_network_cut(lti: LtiHarness, media_server: str) -> None:
    from playwright.sync_api import sync_playwright

    base = setup_video(lti, media_server)
    with lti.tool_app.app_context():
        activity_id = db.session.scalars(select(Activity.id)).one()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 375, "height": 740})  # a phone
        page = context.new_page()
        answers = record_intake_answers(page)
        page.goto(lti.platform_url + "/launch?user=wanglihua&message=resource")
        page.wait_for_url("**/w/*/")
        page.goto(f"{base}/a/{activity_id}")
        page.wait_for_function("() => document.getElementById('player').readyState >= 1")

        def play_for(ms: int) -> None:
            page.evaluate("() => { const v = document.getElementById('player'); v.muted = true; "
                          "v.playbackRate = 4; return v.play(); }")
            page.wait_for_timeout(ms)
            page.evaluate("() => document.getElementById('player').pause()")

        key = page.get_attribute("#player", "data-queue-key")
        assert key is not None and key.startswith("yanxiu-q-") and key.endswith(f"-{activity_id}")
        queue = f"JSON.parse(localStorage.getItem('{key}') || '[]')"

        def queued() -> int:
            return int(page.evaluate(f"() => {queue}.length"))

        play_for(1000)
        drained(page, queue, answers)
        context.set_offline(True)
        play_for(1200)
        page.evaluate("() => { const v = document.getElementById('player'); v.currentTime = 25; }")
        page.wait_for_timeout(300)
        play_for(600)
        page.wait_for_timeout(300)
        offline_queue = queued()
        assert offline_queue >= 3, "events made offline must wait in localStorage"
        assert page.text_content("#net") == "（网络不稳，记录已暂存，恢复后自动补传）"  # the page's language only
        offline_events = page.evaluate(f"() => {queue}")
        context.set_offline(False)
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        drained(page, queue, answers)
        browser.close()
    with lti.tool_app.app_context():
        bodies = db.session.scalars(select(Statement.body)).all()
        ids = db.session.scalars(select(Statement.id)).all()
        assert len(ids) == len(set(ids)), "no statement duplicated"
        import json

        from lti_tool.models import User, WorkshopMember
        from xapi import statement_id

        member_id = db.session.scalars(
            select(WorkshopMember.id).join(User, User.id == WorkshopMember.user_id).where(User.name == "王丽华")
        ).one()
        expected = {statement_id(lti.tool_url, f"video.{e['verb']}:{member_id}:{activity_id}:{e['key']}")
                    for e in offline_events}
        assert expected <= set(ids), "every event queued offline arrived"
        verbs = {json.loads(b)["verb"]["id"].rsplit("/", 1)[1] for b in bodies}
        assert {"initialized", "played", "paused", "seeked"} <= verbs
        from xapi import vocab

        seeks = [json.loads(b)["result"]["extensions"] for b in bodies if json.loads(b)["verb"]["id"] == vocab.SEEKED]
        # The jump to 25 s started where playing had got to (a few seconds in at 4×), not at 25.
        assert [(e[vocab.EXT_TIME_FROM] < 20, e[vocab.EXT_TIME_TO]) for e in seeks] == [(True, 25)], seeks
        progress = db.session.scalars(select(VideoProgress)).one()
        watched = Decimal(progress.watched_seconds)
        # Some of it was played (4× speed), and never more than the media length counts.
        assert Decimal(0) < watched <= Decimal(SECONDS)


def test_a_poisoned_queue_does_not_block_the_player(lti: LtiHarness, media_server: str) -> None:
    """An event the server can never accept (left by an older page, or edited by hand) is dropped
    from the browser's queue; the valid events queued with it are stored."""
    from playwright.sync_api import sync_playwright

    base = setup_video(lti, media_server)
    with lti.tool_app.app_context():
        activity_id = db.session.scalars(select(Activity.id)).one()
    good = {"key": "left-from-yesterday-1", "verb": "played", "session_id": "old-session-1", "time": 3}
    bad = {"key": "left-from-yesterday-2", "verb": "danced", "session_id": "old-session-1", "time": 4}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 375, "height": 740})
        page = context.new_page()
        answers = record_intake_answers(page)
        page.goto(lti.platform_url + "/launch?user=wanglihua&message=resource")
        page.wait_for_url("**/w/*/")
        key = f"yanxiu-q-{member_named(lti, '王丽华')}-{activity_id}"
        page.evaluate("([k, q]) => localStorage.setItem(k, JSON.stringify(q))", [key, [bad, good]])
        page.goto(f"{base}/a/{activity_id}")
        queue = f"JSON.parse(localStorage.getItem('{key}') || '[]')"
        drained(page, queue, answers)
        browser.close()
    assert answers[0].startswith("400") and "events[0].verb" in answers[0]
    with lti.tool_app.app_context():
        from lti_tool.models import User, WorkshopMember
        from xapi import statement_id

        stored = set(db.session.scalars(select(Statement.id)).all())
        learner = db.session.scalars(
            select(WorkshopMember.id).join(User, User.id == WorkshopMember.user_id).where(User.name == "王丽华")
        ).one()
        assert statement_id(lti.tool_url, f"video.played:{learner}:{activity_id}:{good['key']}") in stored


def test_a_shared_device_keeps_each_teachers_viewing_apart(lti: LtiHarness, media_server: str) -> None:
    """Rural schools share office computers: what one teacher watched offline, still queued when she
    left, is sent as hers when she comes back, and never as the next teacher's (the queue was keyed
    by the video alone, and the next teacher's page sent it under her own session)."""
    from playwright.sync_api import sync_playwright

    base = setup_video(lti, media_server)
    with lti.tool_app.app_context():
        activity_id = db.session.scalars(select(Activity.id)).one()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 375, "height": 740})
        page = context.new_page()
        answers = record_intake_answers(page)
        page.goto(lti.platform_url + "/launch?user=wanglihua&message=resource")
        page.wait_for_url("**/w/*/")
        page.goto(f"{base}/a/{activity_id}")
        page.wait_for_function("() => document.getElementById('player').readyState >= 1")
        wang = page.get_attribute("#player", "data-queue-key")
        context.set_offline(True)
        page.evaluate("() => { const v = document.getElementById('player'); v.muted = true; "
                      "v.playbackRate = 4; return v.play(); }")
        page.wait_for_timeout(1500)
        page.evaluate("() => document.getElementById('player').pause()")
        page.wait_for_timeout(300)
        assert page.evaluate(f"() => JSON.parse(localStorage.getItem('{wang}') || '[]').length") >= 2
        page.close()  # she leaves, offline: her events stay in the browser
        context.set_offline(False)
        page = context.new_page()
        answers = record_intake_answers(page)
        page.goto(lti.platform_url + "/launch?user=zhouting&message=resource")
        page.wait_for_url("**/w/*/")
        page.goto(f"{base}/a/{activity_id}")
        page.wait_for_function("() => document.getElementById('player').readyState >= 1")
        page.wait_for_timeout(1500)  # long enough for a queue to be sent
        with lti.tool_app.app_context():
            assert db.session.scalars(select(VideoProgress)).all() == []  # nothing credited to 周婷
        assert page.evaluate(f"() => JSON.parse(localStorage.getItem('{wang}') || '[]').length") >= 2
        page.goto(lti.platform_url + "/launch?user=wanglihua&message=resource")
        page.wait_for_url("**/w/*/")
        page.goto(f"{base}/a/{activity_id}")
        drained(page, f"JSON.parse(localStorage.getItem('{wang}') || '[]')", answers)
        browser.close()
    with lti.tool_app.app_context():
        from lti_tool.models import User
        from lti_tool.statements.actors import lti_actor_key

        rows = db.session.scalars(select(VideoProgress)).all()
        wang_user = db.session.scalars(select(User).where(User.name == "王丽华")).one()
        assert [r.actor_key for r in rows] == [lti_actor_key(wang_user.issuer, wang_user.sub)]
        assert Decimal(rows[0].watched_seconds) > 0


def test_watched_time_moves_while_playing(lti: LtiHarness, media_server: str) -> None:
    """已观看 grows during play, before any pause sends the played stretch (it stayed at 0 s until the
    server answered a pause), and never shows more than was played."""
    from playwright.sync_api import sync_playwright

    base = setup_video(lti, media_server)
    with lti.tool_app.app_context():
        activity_id = db.session.scalars(select(Activity.id)).one()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
        page.goto(lti.platform_url + "/launch?user=wanglihua&message=resource")
        page.wait_for_url("**/w/*/")
        page.goto(f"{base}/a/{activity_id}")
        page.wait_for_function("() => document.getElementById('player').readyState >= 1")
        assert float(page.text_content("#watched") or 1) == 0
        page.evaluate("() => { const v = document.getElementById('player'); v.muted = true; "
                      "v.playbackRate = 4; return v.play(); }")
        # Still playing (the 30-second sample ends after 7.5 s at 4×, and its end sends a pause).
        page.wait_for_function("() => { const v = document.getElementById('player'); return !v.ended && !v.paused "
                               "&& parseFloat(document.getElementById('watched').textContent) > 2; }", timeout=6000)
        shown = float(page.text_content("#watched") or 0)
        played = page.evaluate("() => document.getElementById('player').currentTime")
        assert 2 < shown <= played + 0.5
        browser.close()
