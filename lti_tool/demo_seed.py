"""`yanxiu demo` sets up the first workshop of the demo course, so a newcomer who launches as a
participant finds something to do: two phases, a video lesson, a reading, a discussion, an
assignment and an offline session, and a grading scheme (镇江 80/20).

It goes through the product's own doors, as the host would: a real LTI launch from the development
LMS, then the setup forms with their CSRF token. Nothing is written past the checks a host's
request passes. A workshop that already has a phase is left alone (the host has set it up, or an
earlier demo run did), so restarting the demo never adds a second copy.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from .devlms import DEMO_COURSE, LaunchDriver
from .devlms.media import LESSON_SECONDS

HOST = DEMO_COURSE.by_role("host")[0].login
PHASES = (("第一阶段：课例学习", "12"), ("第二阶段：研讨与实践", "8"))
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_PHASE_SELECT = re.compile(r'<select name="phase_id">(.*?)</select>', re.S)
_OPTION = re.compile(r'<option value="(\d+)"[^>]*>([^<]+)</option>')  # "selected" or not


class SeedError(RuntimeError):
    """A step of the set-up was refused; the message names the step and the answer."""


def _activities(base: str, phase: dict[str, str]) -> list[dict[str, str]]:
    first, second = phase[PHASES[0][0]], phase[PHASES[1][0]]
    in_china = datetime.now(UTC) + timedelta(hours=8)
    return [
        {"kind": "video", "phase_id": first, "required": "1", "title": "课例：《分数的初步认识》",
         "video_url": f"{base}/devlms/media/lesson.wav", "video_seconds": str(LESSON_SECONDS),
         "body": "演示用的无声样课（两分钟）：播放、暂停、拖动，学时按实际看过的时段累计。"},
        {"kind": "reading", "phase_id": first, "title": "阅读：课程标准中的“数与代数”",
         "body": "阅读课程标准“数与代数”领域的内容要求与学业要求，圈出与本单元有关的条目。"},
        {"kind": "discussion", "phase_id": second, "required": "1", "per_class": "1",
         "title": "研讨：如何设计有层次的课堂提问", "body": "结合自己的一节课，说说提问是怎样由浅入深的。"},
        {"kind": "assignment", "phase_id": second, "required": "1", "max_score": "100",
         "title": "作业：提交一份单元教学设计",
         "due_at": (in_china + timedelta(days=30)).strftime("%Y-%m-%dT18:00:00"),
         "body": "围绕“数与代数”的一个单元，写出目标、课时安排和评价方式。"},
        {"kind": "offline", "phase_id": second, "title": "线下集中研修：同课异构观摩", "planned_hours": "4",
         "place": "县教师发展中心", "session_date": (in_china + timedelta(days=14)).date().isoformat()},
    ]


def _phases(page: str) -> dict[str, str]:
    """Phase title → id, from the setup page's phase menu."""
    menu = _PHASE_SELECT.search(page)
    if menu is None:
        raise SeedError("setup: the page has no phase menu")
    return {title: ident for ident, title in _OPTION.findall(menu.group(1))}


def _post(session: requests.Session, url: str, fields: dict[str, str], step: str, token: str) -> str:
    resp = session.post(url, data={"csrf_token": token, **fields}, timeout=30)
    if resp.status_code != 200:
        raise SeedError(f"{step}: HTTP {resp.status_code}: {resp.text[:200]}")
    return resp.text


def seed_first_workshop(base: str) -> str | None:
    """Set up the workshop of the demo course's first activity; returns its URL, or None when it
    already had a phase."""
    driver = LaunchDriver(base + "/devlms")
    workshop = driver.launch(HOST).url.rstrip("/")
    session = driver.session
    page = session.get(workshop + "/setup", timeout=30).text
    if _phases(page):
        return None
    token = _CSRF.search(page)
    if token is None:
        raise SeedError(f"setup: no form at {workshop}/setup")
    csrf = token.group(1)
    _post(session, workshop + "/setup", {
        "title": DEMO_COURSE.activities[0].title, "subject": "小学数学", "term": "2026 年秋季",
        "required_hours": "20", "minutes_per_hour": "45", "hours_rounding": "proportional",
        "grading_preset": "zhenjiang-80-20"}, "settings", csrf)
    for title, hours in PHASES:
        page = _post(session, workshop + "/phases", {"title": title, "planned_hours": hours}, f"phase {title}", csrf)
    for fields in _activities(base, _phases(page)):
        _post(session, workshop + "/activities", fields, f"activity {fields['title']}", csrf)
    return workshop


def seed_when_serving(base: str, log: Any, timeout: float = 60) -> None:
    """Wait until the server answers, then seed; a failure is logged, never raised (the demo goes on
    with an empty workshop, as before)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=2).ok:
                break
        except requests.RequestException:
            pass
        time.sleep(0.2)
    try:
        workshop = seed_first_workshop(base)
    except Exception as exc:  # the demo must start anyway; say what went wrong
        log(f"演示工作坊未能自动设置 / could not set up the demo workshop: {exc}")
        return
    if workshop is not None:
        log(f"演示工作坊已设置 / demo workshop set up: {workshop}/")
