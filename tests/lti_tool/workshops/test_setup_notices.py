"""After a host's setup form is saved, the page opens where its notice is: a redirect without a
#fragment keeps the form's, so the page used to open at the form with the notice (if any) at the
top, off a phone's screen. And the activity list names each kind in the page's language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ...fixtures.lti import LtiHarness, lti_harness
from .test_form_errors_inline import form_of, host
from .test_pages import XSS


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def landed(r: Any) -> str:
    """Where the redirect after a POST sent the browser, fragment included."""
    assert r.status_code == 200 and r.history and r.history[0].status_code == 302
    return str(r.history[0].headers["Location"])


def test_each_notice_is_where_the_page_opens(lti: LtiHarness) -> None:
    s, base, token = host(lti)
    r = s.post(base + "/phases", data={"csrf_token": token, "title": "第一阶段" + XSS, "planned_hours": "5"})
    assert landed(r).endswith("/setup#new-phase")
    phase_form = form_of(r.text, "/phases")
    assert 'id="phase-added">已添加阶段「第一阶段&lt;script&gt;' in phase_form  # by the form, escaped
    assert 'id="saved"' not in r.text and "<script>alert" not in r.text
    r = s.post(base + "/activities", data={"csrf_token": token, "kind": "assignment", "title": "教学设计",
                                           "required": "1", "max_score": "100"})
    assert landed(r).endswith("/setup#new-activity")
    assert 'id="activity-added">已添加活动「教学设计」' in form_of(r.text, "/activities")
    assert 'id="phase-added"' not in r.text  # shown once
    r = s.post(base + "/setup", data={"csrf_token": token, "title": "小学数学工作坊", "required_hours": "25",
                                      "minutes_per_hour": "45", "hours_rounding": "proportional",
                                      "grading_preset": "zhenjiang-80-20"})
    assert landed(r).endswith("/setup#saved")
    assert '<p class="card" role="status" id="saved">已保存</p>' in r.text


def test_activity_list_names_kinds_in_the_page_language(lti: LtiHarness) -> None:
    s, base, token = host(lti)
    s.post(base + "/activities", data={"csrf_token": token, "kind": "video", "title": "课例", "required": "1",
                                       "video_url": "https://media.example.cn/v.mp4", "video_seconds": "600"})
    s.post(base + "/activities", data={"csrf_token": token, "kind": "offline", "title": "集中研修",
                                       "planned_hours": "4"})
    listed = s.get(base + "/setup").text.split('id="activity-list"')[1].split("</ul>")[0]
    assert "课例 <span class=\"muted\">（视频课程，必做）</span>" in listed
    assert "集中研修 <span class=\"muted\">（线下研修）</span>" in listed
    listed = s.get(base + "/setup?lang=en").text.split('id="activity-list"')[1].split("</ul>")[0]
    assert "课例 <span class=\"muted\"> (Video, required)</span>" in listed
    assert "video" not in listed.replace("Video", "")


def test_class_and_group_notices_are_by_their_forms(lti: LtiHarness) -> None:
    s, base, token = host(lti)
    r = s.post(base + "/people/classes", data={"csrf_token": token, "name": "一班"})
    assert landed(r).endswith("/people#class-new")
    new_class = r.text.split('<div id="class-new">', 1)[1].split("</form>", 1)[0]
    assert '<p class="notice" role="status">班级已创建</p>' in new_class
    class_id = re.search(r'<div class="item" id="class-(\d+)">', r.text).group(1)  # type: ignore[union-attr]
    r = s.post(f"{base}/people/classes/{class_id}", data={"csrf_token": token, "name": "一班（数学）"})
    assert landed(r).endswith(f"/people#class-{class_id}")
    item = r.text.split(f'<div class="item" id="class-{class_id}">', 1)[1].split("</form>", 1)[0]
    assert '<p class="notice" role="status">班级已保存</p>' in item
    r = s.post(base + "/people/groups", data={"csrf_token": token, "name": "第一组"})
    assert landed(r).endswith("/people#group-new") and r.text.count("研修小组已创建") == 1
    assert '<p class="notice" role="status">研修小组已创建</p>' in r.text.split('<div id="group-new">', 1)[1]
