"""Write-back turned off and on again by the host (评分设置 › 把总分回传到平台成绩册), against the strict
platform: what changed meanwhile reaches the gradebook, what did not is not sent again, nothing goes
out while it is off, and 立即回传 then names the host's setting, not the platform."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Submission, Workshop

from ...fixtures.lti import LtiHarness, lti_harness
from ..workshops.test_pages import csrf
from .test_grade_pages import graded_workshop
from .test_writeback import send_now


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def save_writeback(host: Any, base: str, on: bool, components: bool = False) -> str:
    form = {"csrf_token": csrf(host.get(base + "/grades/settings").text), "action": "feeds"}
    form |= {"writeback": "1"} if on else {}
    form |= {"writeback_components": "1"} if components else {}
    r = host.post(base + "/grades/settings", data=form)
    assert r.status_code == 200 and "已保存" in r.text, r.text[:500]
    return str(r.text)


def regrade(lti: LtiHarness, score: int) -> None:
    """A tutor regrades 王丽华's assignment (85 → 60: her total 94.00 → 84.00)."""
    with lti.tool_app.app_context():
        db.session.scalars(select(Submission)).one().score = Decimal(score)
        db.session.commit()


def received(lti: LtiHarness, login: str) -> list[Any]:
    return [s["scoreGiven"] for s in lti.state.scores if s["user_login"] == login]


def test_a_grade_changed_while_writeback_was_off_is_sent_when_it_is_on_again(lti: LtiHarness) -> None:
    """QA: off, a regrade (stored by a recomputation while off, so never queued), on again: the
    gradebook must get the new total. Only the learners whose result changed meanwhile are queued:
    李建国's unchanged grade, which the platform already has, is not sent again."""
    host, base, _ = graded_workshop(lti)
    assert lti.login("lijianguo")  # a second learner, whose grade does not change
    assert "已回传 2 条，失败 0 条" in send_now(host, base)
    assert 'id="writeback-off"' in save_writeback(host, base, on=False)  # the host is told what off means
    regrade(lti, 60)
    assert 'id="outbox"' not in host.get(base + "/grades").text  # recomputed while off: 84 stored, not queued
    assert "1 位学员的成绩将回传到平台成绩册" in save_writeback(host, base, on=True)
    assert "待回传平台成绩册：1" in host.get(base + "/grades").text
    assert "已回传 1 条，失败 0 条" in send_now(host, base)
    assert received(lti, "wanglihua") == [94, 84]
    assert len(received(lti, "lijianguo")) == 1


def test_scores_owed_when_writeback_is_turned_off_wait_until_it_is_on_again(lti: LtiHarness) -> None:
    """Off means nothing goes to the gradebook, also what was owed before (the background worker
    kept sending it); on again, it goes."""
    from lti_tool.grades.writeback import deliver_due

    host, base, _ = graded_workshop(lti)
    assert host.get(base + "/grades").status_code == 200  # computed: 94 owed
    save_writeback(host, base, on=False)
    with lti.tool_app.app_context():
        assert deliver_due()["sent"] == 0  # the worker's turn
    assert lti.state.scores == []
    save_writeback(host, base, on=True)
    assert "待回传平台成绩册：1" in host.get(base + "/grades").text
    assert "已回传 1 条，失败 0 条" in send_now(host, base)
    assert received(lti, "wanglihua") == [94]


def test_component_columns_turned_on_later_get_the_current_scores(lti: LtiHarness) -> None:
    """A column per top component ticked after grades were sent: the new columns get every
    learner's component scores at once, though no grade changed (a recomputation compares them
    with the stored ones and finds nothing to send)."""
    host, base, _ = graded_workshop(lti)
    assert "已回传 1 条" in send_now(host, base)
    assert "1 位学员" in save_writeback(host, base, on=True, components=True)
    assert "已回传 2 条，失败 0 条" in send_now(host, base)
    items = {item.tag: item.id for item in lti.state.line_items.values()}
    by_item = {s["lineItemId"]: s["scoreGiven"] for s in lti.state.scores}
    assert by_item[items["yanxiu-required"]] == 92.5 and by_item[items["yanxiu-optional"]] == 100
    assert received(lti, "wanglihua").count(94) == 1  # the total was not sent again


def test_sending_while_writeback_is_off_names_the_setting(lti: LtiHarness) -> None:
    """立即回传 from a page opened before the host turned write-back off: the refusal names the
    host's setting, in the page's language, not the platform (whose AGS is there)."""
    host, base, _ = graded_workshop(lti)
    token = csrf(host.get(base + "/grades").text)
    save_writeback(host, base, on=False)
    r = host.post(base + "/grades/writeback", data={"csrf_token": token})
    assert r.status_code == 409
    assert "成绩回传已在评分设置中关闭" in r.text and "平台未开放" not in r.text
    r = host.post(base + "/grades/writeback?lang=en", data={"csrf_token": token})
    assert "turned off in the grading settings" in r.text
    assert lti.state.scores == []


def test_a_recomputation_that_read_writeback_as_off_gives_way(lti: LtiHarness, monkeypatch: Any) -> None:
    """The background worker recomputes a city cohort (seconds) while the host turns write-back on:
    it read the setting as off, so it queues nothing, and the grades it stores would look unchanged
    to every later computation. It must give way, so the next one stores and queues them."""
    from lti_tool.grades import service
    from lti_tool.grades.service import ensure_fresh

    host, base, _ = graded_workshop(lti)
    assert "已回传 1 条" in send_now(host, base)
    save_writeback(host, base, on=False)
    regrade(lti, 60)
    token = csrf(host.get(base + "/grades/settings").text)
    real = service.compute

    def compute_while_the_host_turns_writeback_on(*args: Any) -> Any:
        results = real(*args)
        worker = threading.Thread(target=lambda: host.post(base + "/grades/settings", data={
            "csrf_token": token, "action": "feeds", "writeback": "1"}))
        worker.start()
        worker.join()
        return results

    monkeypatch.setattr(service, "compute", compute_while_the_host_turns_writeback_on)
    with lti.tool_app.app_context():
        ensure_fresh(db.session.scalars(select(Workshop)).one())
    monkeypatch.undo()
    assert "已回传 1 条，失败 0 条" in send_now(host, base)
    assert received(lti, "wanglihua") == [94, 84]
