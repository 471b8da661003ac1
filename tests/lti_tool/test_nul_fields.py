"""NUL (U+0000) in a form field, query parameter or file name is a 400 on every route (standards:
bad input). PostgreSQL's text cannot hold it: a class, group or activity named with one was a 500
there, and stored on SQLite; now both databases refuse it before any view runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ..fixtures.lti import LtiHarness, lti_harness
from .workshops.test_people import host_people

MESSAGE = "must not contain the NUL character (U+0000)"


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def _post_urls(lti: LtiHarness, workshop_id: int) -> list[str]:
    """Every POST route of the tool but the xAPI API (which answers in JSON: statements/test_api.py),
    each id filled in with the workshop's or 1: the check runs before the view looks anything up."""
    adapter = lti.tool_app.url_map.bind("tool")
    urls = []
    for rule in lti.tool_app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or rule.endpoint.startswith("xapi_api."):
            continue
        values = {arg: workshop_id if arg == "workshop_id" else 1 for arg in rule.arguments}
        urls.append(adapter.build(rule.endpoint, values))
    return urls


def test_every_form_refuses_nul_and_stores_nothing(lti: LtiHarness) -> None:
    from lti_tool.extensions import db
    from lti_tool.models import WorkshopClass

    session, base, token = host_people(lti, sync=False)
    workshop_id = int(base.rsplit("/", 1)[1])
    urls = _post_urls(lti, workshop_id)
    assert f"/w/{workshop_id}/people/classes" in urls and "/lti/launch" in urls and len(urls) > 30
    for url in urls:
        r = session.post(lti.tool_url + url, data={"csrf_token": token, "name": "一班\x00", "title": "t"},
                         allow_redirects=False)
        assert r.status_code == 400, (url, r.status_code, r.text[:300])
        assert "name: 不能含有空字符 (U+0000)" in r.text, url  # the page's half of the pair
    with lti.tool_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WorkshopClass)) == 0
    # The same form without the NUL (Chinese, an emoji, other control characters) is stored.
    r = session.post(f"{base}/people/classes", data={"csrf_token": token, "name": "一班 🍎\t"})
    assert r.status_code == 200
    with lti.tool_app.app_context():
        assert db.session.scalars(select(WorkshopClass.name)).one().startswith("一班 🍎")


def test_nul_in_a_query_parameter_a_field_name_or_a_file_name(lti: LtiHarness) -> None:
    session, base, token = host_people(lti, sync=False)
    r = session.get(f"{base}/people", params={"q": "王\x00"})
    assert r.status_code == 400 and "q: 不能含有空字符" in r.text
    r = session.post(f"{base}/people/classes", data={"csrf_token": token, "na\x00me": "一班"})
    assert r.status_code == 400 and "na\\0me: 不能含有空字符" in r.text
    r = session.post(f"{base}/people/import", data={"csrf_token": token},
                     files={"file": ("名单\x00.csv", "姓名,学校\n".encode())})
    assert r.status_code == 400 and "file: 不能含有空字符 (U+0000)" in r.text and MESSAGE not in r.text
    r = session.get(f"{base}/people", params={"q": "王\x00", "lang": "en"})
    assert r.status_code == 400 and MESSAGE in r.text and "不能含有空字符" not in r.text
