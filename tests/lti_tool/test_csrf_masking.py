"""CSRF tokens are masked afresh for every response (BREACH: Nginx compresses the pages over HTTPS),
and any masked form of the session's secret is accepted, nothing else."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from ..fixtures.lti import LtiHarness, lti_harness
from .workshops.test_people import host_people

TOKENS = re.compile(r'name="csrf_token" value="([^"]+)"')
REFUSED = "表单已过期，请刷新页面后重试"  # the page is Chinese: its half of the pair


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def _secret(token: str) -> bytes:
    raw = base64.urlsafe_b64decode(token)
    half = len(raw) // 2
    return bytes(a ^ b for a, b in zip(raw[:half], raw[half:], strict=True))


def _classes(lti: LtiHarness) -> list[str]:
    from lti_tool.extensions import db
    from lti_tool.models import WorkshopClass

    with lti.tool_app.app_context():
        return sorted(db.session.scalars(select(WorkshopClass.name)))


def test_each_response_has_its_own_token_and_each_is_accepted(lti: LtiHarness) -> None:
    session, base, _token = host_people(lti, sync=False)
    pages = [TOKENS.findall(session.get(base + "/people").text) for _ in range(3)]
    first, second = pages[0], pages[1]
    # One token for all the forms of a response (hundreds on a city's people page: a random token
    # each would not compress), a new one in every response.
    assert len(first) > 3 and all(len(set(page)) == 1 for page in pages)
    assert len({page[0] for page in pages}) == len(pages)
    tokens = [page[0] for page in pages]
    secret = _secret(tokens[0])
    assert len(secret) == 43 and all(_secret(t) == secret for t in tokens)  # one secret under each mask
    page = session.get(base + "/people").text
    assert secret.decode() not in page  # never in a page as it is
    for name, token in (("一班", first[0]), ("二班", second[-1])):
        r = session.post(base + "/people/classes", data={"csrf_token": token, "name": name})
        assert r.status_code == 200, r.text[:500]
    assert _classes(lti) == ["一班", "二班"]


def test_a_bare_secret_is_still_accepted(lti: LtiHarness) -> None:
    # Pages rendered before the masking carried the secret itself; it is what the session holds.
    session, base, token = host_people(lti, sync=False)
    r = session.post(base + "/people/classes", data={"csrf_token": _secret(token).decode(), "name": "一班"})
    assert r.status_code == 200, r.text[:500]
    assert _classes(lti) == ["一班"]


def test_forged_tampered_and_foreign_tokens_are_refused(lti: LtiHarness) -> None:
    session, base, token = host_people(lti, sync=False)
    other = lti.driver()
    other_home = other.launch("maxiaoyan")  # the same host in another browser: a session of its own
    assert other_home.status_code == 200
    foreign = TOKENS.search(other.session.get(other_home.url.rstrip("/") + "/people").text)
    assert foreign is not None
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[-1] ^= 1
    tampered = base64.urlsafe_b64encode(bytes(raw)).decode()
    half = base64.urlsafe_b64encode(base64.urlsafe_b64decode(token)[:43]).decode()
    for sent in (foreign.group(1), tampered, half, "", "%%%", "=", "A" * len(token), "表单已过期", token[:-4]):
        r = session.post(base + "/people/classes", data={"csrf_token": sent, "name": "一班"})
        assert r.status_code == 400, (sent, r.status_code)
        assert REFUSED in r.text, sent
    assert _classes(lti) == []
