"""Two people on the hand-entry sheet at once (exploratory QA): a save writes only the fields its
user changed, so the host's older page no longer puts back a score the tutor entered meanwhile;
a field both changed refuses the whole save (409) naming the learner, the field and who changed
it, keeps what was typed and shows the stored scores; clearing a field is a change too."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import ManualScore, WorkshopClass, WorkshopMember

from ...fixtures.lti import LtiHarness, lti_harness
from ..workshops.test_pages import csrf, host_setup
from .test_grade_pages import member


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def _sheet(lti: LtiHarness) -> tuple[Any, Any, str, int, int]:
    """dawukou-80-20 (笔试 `written` entered by hand); 陈静 and 周婷 in 胡文斌's class, 陈静's 笔试
    entered as 70 by the host. Returns (host, tutor, base, 陈静's id, 周婷's id)."""
    host, base = host_setup(lti)
    token = csrf(host.get(base + "/setup").text)
    assert host.post(base + "/setup", data={"csrf_token": token, "title": "工作坊", "required_hours": "25",
                                            "minutes_per_hour": "45", "hours_rounding": "proportional",
                                            "grading_preset": "dawukou-80-20"}).status_code == 200
    tutor = lti.login("huwenbin").session
    workshop_id = int(base.rsplit("/", 1)[1])
    with lti.tool_app.app_context():
        chen, zhou, hu = member(lti, "陈静"), member(lti, "周婷"), member(lti, "胡文斌")
        klass = WorkshopClass(workshop_id=workshop_id, name="一班", tutor_member_id=hu.id)
        db.session.add(klass)
        db.session.flush()
        chen.class_id = zhou.class_id = klass.id
        host_id = member(lti, "马晓燕").id
        db.session.add(ManualScore(workshop_id=workshop_id, member_id=chen.id, key="written", score=Decimal(70),
                                   entered_by_id=host_id))
        db.session.commit()
        return host, tutor, base, chen.id, zhou.id


def _form(page: str) -> dict[str, str]:
    """What a browser sends from the sheet as shown: every input of the save form, as it stands."""
    form = page.split('<form method="post"', 1)[1].split("</form>", 1)[0]
    return {html.unescape(name): html.unescape(value)
            for name, value in re.findall(r'<input (?:type="hidden" )?name="([^"]+)"[^>]*? value="([^"]*)"', form)}


def _stored(lti: LtiHarness) -> dict[tuple[int, str], tuple[Decimal | None, str | None]]:
    with lti.tool_app.app_context():
        names = {m.id: m.display_name for m in db.session.scalars(select(WorkshopMember))}
        return {(s.member_id, s.key): (s.score, names.get(s.entered_by_id or 0))
                for s in db.session.scalars(select(ManualScore))}


def test_a_save_from_an_older_page_keeps_what_someone_else_entered_meanwhile(lti: LtiHarness) -> None:
    """The QA scenario: the host opens the sheet (陈静 70), the tutor saves 陈静 75, the host saves
    a score for 周婷 only: 陈静 keeps the tutor's 75, 周婷 has the host's score."""
    host, tutor, base, chen, zhou = _sheet(lti)
    host_page = _form(host.get(base + "/grades/manual").text)
    assert host_page[f"score:{chen}:written"] == "70.00" and host_page[f"shown:{chen}:written"] == "70.00"
    tutor_page = _form(tutor.get(base + "/grades/manual").text)
    saved = tutor.post(base + "/grades/manual", data={**tutor_page, f"score:{chen}:written": "75"},
                       allow_redirects=False)
    assert saved.status_code == 302
    saved = host.post(base + "/grades/manual", data={**host_page, f"score:{zhou}:written": "88"},
                      allow_redirects=False)
    assert saved.status_code == 302
    stored = _stored(lti)
    assert stored[(chen, "written")] == (Decimal("75.00"), "胡文斌")
    assert stored[(zhou, "written")] == (Decimal("88.00"), "马晓燕")
    assert (chen, "practice") not in stored  # an untouched empty field writes no row


def test_a_field_both_changed_refuses_the_whole_save_and_keeps_what_was_typed(lti: LtiHarness) -> None:
    """The host changes 陈静 (70 → 80) on a page older than the tutor's 75, and 周婷: nothing is
    saved (409), the message names 陈静, 笔试, 胡文斌 and 75; the inputs keep the host's 80 and
    88, and saving again from that page (having seen the 75) writes both."""
    host, tutor, base, chen, zhou = _sheet(lti)
    host_page = _form(host.get(base + "/grades/manual").text)
    tutor_page = _form(tutor.get(base + "/grades/manual").text)
    assert tutor.post(base + "/grades/manual", data={**tutor_page, f"score:{chen}:written": "75"},
                      allow_redirects=False).status_code == 302
    before = _stored(lti)
    refused = host.post(base + "/grades/manual", data={**host_page, f"score:{chen}:written": "80",
                                                       f"score:{zhou}:written": "88"}, allow_redirects=False)
    assert refused.status_code == 409
    assert re.search(r"第 \d+ 行（陈静）「笔试」：你打开本页后，胡文斌已改为 75.00（你填的是 80.00）", refused.text)
    assert "周婷" not in refused.text.split('role="alert"', 1)[1].split("</section>", 1)[0]
    assert _stored(lti) == before  # nothing written, 周婷's score neither
    again = _form(refused.text)
    assert again[f"score:{chen}:written"] == "80" and again[f"score:{zhou}:written"] == "88"  # as typed
    assert again[f"shown:{chen}:written"] == "75.00" and "现为 75.00（胡文斌）" in refused.text
    saved = host.post(base + "/grades/manual", data=again, allow_redirects=False)
    assert saved.status_code == 302
    stored = _stored(lti)
    assert stored[(chen, "written")] == (Decimal("80.00"), "马晓燕") and stored[(zhou, "written")][0] == Decimal(88)


def test_the_same_value_entered_by_both_is_no_conflict(lti: LtiHarness) -> None:
    """The tutor enters 陈静 75 and 周婷 60; the host's older page enters 陈静 75.0 too: saved, and
    周婷's empty field on the host's page does not clear the tutor's 60."""
    host, tutor, base, chen, zhou = _sheet(lti)
    host_page = _form(host.get(base + "/grades/manual").text)
    tutor_page = _form(tutor.get(base + "/grades/manual").text)
    assert tutor.post(base + "/grades/manual", data={**tutor_page, f"score:{chen}:written": "75",
                                                     f"score:{zhou}:written": "60"},
                      allow_redirects=False).status_code == 302
    saved = host.post(base + "/grades/manual", data={**host_page, f"score:{chen}:written": "75.0"},
                      allow_redirects=False)
    assert saved.status_code == 302
    stored = _stored(lti)
    assert stored[(chen, "written")] == (Decimal("75.00"), "胡文斌") and stored[(zhou, "written")][0] == Decimal(60)


def test_clearing_a_field_is_a_change(lti: LtiHarness) -> None:
    """The tutor clears 陈静's 70: the host's older page saving 周婷 leaves it cleared. The host
    clearing it on a page older than the tutor's new score is refused, in the page's language."""
    host, tutor, base, chen, zhou = _sheet(lti)
    host_page = _form(host.get(base + "/grades/manual").text)
    tutor_page = _form(tutor.get(base + "/grades/manual").text)
    assert tutor.post(base + "/grades/manual", data={**tutor_page, f"score:{chen}:written": ""},
                      allow_redirects=False).status_code == 302
    assert host.post(base + "/grades/manual", data={**host_page, f"score:{zhou}:written": "88"},
                     allow_redirects=False).status_code == 302
    assert _stored(lti)[(chen, "written")] == (None, "胡文斌")

    host_page = _form(host.get(base + "/grades/manual").text)
    tutor_page = _form(tutor.get(base + "/grades/manual").text)
    assert tutor.post(base + "/grades/manual", data={**tutor_page, f"score:{chen}:written": "60"},
                      allow_redirects=False).status_code == 302
    refused = host.post(base + "/grades/manual?lang=en", data={**host_page, f"score:{chen}:written": "90",
                                                               f"score:{zhou}:written": ""})
    assert refused.status_code == 409
    assert re.search(r"row \d+ \(陈静\), written: 胡文斌 changed it to 60.00 after you opened this page "
                     r"\(you entered 90.00\)", refused.text)
    stored = _stored(lti)
    assert stored[(chen, "written")][0] == Decimal(60) and stored[(zhou, "written")][0] == Decimal(88)


def test_a_page_refused_for_a_bad_value_is_still_checked_against_what_it_first_showed(lti: LtiHarness) -> None:
    """A 400 (bad value) page keeps the values its first page showed: correcting and saving it
    does not put back 陈静's 70 over the tutor's 75."""
    host, tutor, base, chen, zhou = _sheet(lti)
    host_page = _form(host.get(base + "/grades/manual").text)
    tutor_page = _form(tutor.get(base + "/grades/manual").text)
    assert tutor.post(base + "/grades/manual", data={**tutor_page, f"score:{chen}:written": "75"},
                      allow_redirects=False).status_code == 302
    bad = host.post(base + "/grades/manual", data={**host_page, f"score:{zhou}:written": "abc"})
    assert bad.status_code == 400 and "须为 0–100 的数" in bad.text
    again = _form(bad.text)
    assert again[f"score:{zhou}:written"] == "abc" and again[f"shown:{chen}:written"] == "70.00"
    saved = host.post(base + "/grades/manual", data={**again, f"score:{zhou}:written": "88"},
                      allow_redirects=False)
    assert saved.status_code == 302
    stored = _stored(lti)
    assert stored[(chen, "written")] == (Decimal("75.00"), "胡文斌") and stored[(zhou, "written")][0] == Decimal(88)


def test_two_saves_of_the_same_field_at_the_same_moment_one_is_refused(lti: LtiHarness) -> None:
    """Host and tutor save 周婷 from pages showing the same value at the same moment, again and
    again (the first time neither has a stored row): each time exactly one is saved and the other
    refused, on both databases (the check and the write are one locked step; on SQLite a read
    before the write lock let both through)."""
    host, tutor, base, _chen, zhou = _sheet(lti)
    for attempt in range(8):
        host_page = _form(host.get(base + "/grades/manual").text)
        tutor_page = _form(tutor.get(base + "/grades/manual").text)
        with ThreadPoolExecutor(2) as pool:
            mine = pool.submit(host.post, base + "/grades/manual", allow_redirects=False,
                               data={**host_page, f"score:{zhou}:written": str(10 + attempt)})
            theirs = pool.submit(tutor.post, base + "/grades/manual", allow_redirects=False,
                                 data={**tutor_page, f"score:{zhou}:written": str(50 + attempt)})
            codes = {mine.result().status_code, theirs.result().status_code}
        assert codes == {302, 409}, attempt
        stored = _stored(lti)[(zhou, "written")][0]
        assert stored in (Decimal(10 + attempt), Decimal(50 + attempt))
