"""Retry-After as LRSs and platforms send it (RFC 9110 §10.2.3): seconds or an HTTP date."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from requests.structures import CaseInsensitiveDict

from lti_tool.retry_after import LONGEST_WAIT_SECONDS, retry_after

NOW = datetime(2026, 12, 9, 8, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("value", "seconds"), [
    ("120", 120.0),
    (" 0 ", 0.0),
    ("Wed, 09 Dec 2026 08:05:00 GMT", 300.0),
    ("Wed, 09 Dec 2026 16:05:00 +0800", 300.0),  # another zone, the same moment
    ("Wed, 09 Dec 2026 08:05:00 -0000", 300.0),  # UTC without saying so
    ("Wed, 09 Dec 2026 07:00:00 GMT", 0.0),  # already past: ask again now
    ("86400", LONGEST_WAIT_SECONDS),  # a day: an hour at most
    ("Thu, 10 Dec 2026 08:00:00 GMT", LONGEST_WAIT_SECONDS),
])
def test_both_forms(value: str, seconds: float) -> None:
    assert retry_after(CaseInsensitiveDict({"Retry-After": value}), NOW) == seconds


@pytest.mark.parametrize("value", ["", "soon", "-5", "1.5", "1e3", "١٢"])
def test_what_cannot_be_read_is_no_wait(value: str) -> None:
    """The caller's own backoff applies; nothing here raises on what a server sends."""
    assert retry_after({"Retry-After": value}, NOW) is None


def test_no_header_and_any_case() -> None:
    assert retry_after({}, NOW) is None
    assert retry_after(CaseInsensitiveDict({"retry-after": "7"}), NOW) == 7.0


def test_only_a_refusal_that_means_it_asks_for_a_wait() -> None:
    from lti_tool.retry_after import asked_wait

    headers = {"Retry-After": "120"}
    assert asked_wait(429, headers, NOW) == asked_wait(503, headers, NOW) == 120.0
    assert asked_wait(500, headers, NOW) is None and asked_wait(301, headers, NOW) is None
