"""The host sets up a workshop in headless Chromium on a phone-sized window (workshop issue §3
browser flows): a phase, an activity in it, a class and a study group, through the real forms."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Activity, Phase, StudyGroup, WorkshopClass

from ..fixtures.lti import LtiHarness, lti_harness
from .test_player import CHROMIUM_ARGS

pytestmark = pytest.mark.browser


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def test_host_creates_phase_activity_class_and_group(lti: LtiHarness) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
            page.goto(lti.platform_url + "/launch?user=maxiaoyan&message=resource")
            page.wait_for_url("**/w/*/")
            base = page.url.rstrip("/")
            page.goto(base + "/setup")
            phase_form = page.locator("form", has=page.locator("input[name=planned_hours]")).first
            phase_form.locator("input[name=title]").fill("第一阶段：网络研修")
            phase_form.locator("input[name=planned_hours]").fill("16")
            phase_form.locator("button[type=submit]").click()
            page.wait_for_selector("text=第一阶段：网络研修")
            activity_form = page.locator("form", has=page.locator("select[name=kind]"))
            activity_form.locator("select[name=kind]").select_option("discussion")
            activity_form.locator("select[name=phase_id]").select_option(label="第一阶段：网络研修")
            activity_form.locator("input[name=title]").fill("课堂提问的层次")
            activity_form.locator("button[type=submit]").click()
            page.wait_for_selector("text=课堂提问的层次")

            page.goto(base + "/people")
            class_form = page.locator("form", has=page.locator("text=创建班级"))
            class_form.locator("input[name=name]").fill("一班")
            class_form.locator("button[type=submit]").click()
            page.wait_for_selector('input[name="name"][value="一班"]')
            group_form = page.locator("form", has=page.locator("text=创建研修小组"))
            group_form.locator("input[name=name]").fill("第一组")
            group_form.locator("button[type=submit]").click()
            page.wait_for_selector('input[name="name"][value="第一组"]')
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

            page.goto(base + "/")
            assert page.locator("section.phase", has_text="第一阶段：网络研修").locator(
                "a", has_text="课堂提问的层次").count() == 1
        finally:
            browser.close()
    with lti.tool_app.app_context():
        phase = db.session.scalars(select(Phase)).one()
        assert (phase.title, phase.planned_hours) == ("第一阶段：网络研修", Decimal(16))
        activity = db.session.scalars(select(Activity)).one()
        assert (activity.kind, activity.phase_id, activity.title) == ("discussion", phase.id, "课堂提问的层次")
        assert db.session.scalars(select(WorkshopClass.name)).all() == ["一班"]
        assert db.session.scalars(select(StudyGroup.name)).all() == ["第一组"]
