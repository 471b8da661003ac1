"""Error pages speak the page's language: Werkzeug's own English ("The requested URL was not found
on the server…") and the "中文 / English" pairs refusals carry become one language."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..fixtures.lti import LtiHarness, lti_harness


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def message(html: str) -> str:
    return html.split('<p class="message">', 1)[1].split("</p>", 1)[0]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_refusals_in_the_page_language(lti: LtiHarness) -> None:
    driver = lti.driver()
    base = driver.launch("huwenbin").url.rstrip("/")
    s = driver.session
    r = s.get(base + "/report", params={"class": "abc"})  # not a class of this tutor: as if none existed
    assert r.status_code == 404 and message(r.text) == "没有这个页面：链接可能已失效，或它不属于您能看到的内容"
    r = s.get(base + "/report", params={"class": "abc", "lang": "en"})
    assert message(r.text) == "There is no such page: the link may be out of date, or it is not yours to see"
    r = s.get(base + "/setup")  # the host's page
    assert r.status_code == 403 and message(r.text) == "您没有权限查看此页面"
    assert message(s.get(base + "/setup?lang=en").text) == "You are not allowed to see this page"
    r = s.post(base + "/setup", data={"csrf_token": "stale"})
    assert r.status_code == 400 and message(r.text) == "表单已过期，请刷新页面后重试"
    r = s.post(base + "/setup?lang=en", data={"csrf_token": "stale"})
    assert message(r.text) == "The form has expired (CSRF token missing or invalid): reload the page and try again"
    for page in (s.get(base + "/nowhere").text, s.get(base + "/nowhere?lang=en").text):
        assert "requested URL" not in page and " / " not in message(page)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_language_switch_reaches_every_part_of_a_page(lti: LtiHarness) -> None:
    """?lang=en made the text English while <html lang>, the role and notes read the session's zh."""
    driver = lti.driver()
    base = driver.launch("maxiaoyan").url.rstrip("/")
    page = driver.session.get(base + "/", params={"lang": "en"}).text
    assert '<html lang="en">' in page and "Host" in page and "坊主" not in page
    page = driver.session.get(base + "/").text
    assert '<html lang="zh-CN">' in page and "坊主" in page
