"""How long another system asked the tool to wait before asking again: the `Retry-After` header
(RFC 9110 §10.2.3) an LRS or a platform sends with a 429 Too Many Requests or a 503. Read by the
two outboxes that post to other systems, statements to an LRS (statements/forwarder.py) and
scores to a gradebook (grades/writeback.py); each waits at least its own backoff anyway."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# A server asking for more than this (a misconfigured proxy's "Retry-After: 86400") is asked again
# after an hour: a day without forwarding is a day of records the program's managers do not see.
LONGEST_WAIT_SECONDS = 3600.0
# The answers whose Retry-After means "not before then" (RFC 6585 §4 and RFC 9110 §15.6.4).
WAIT_STATUSES = frozenset({429, 503})


def asked_wait(status: int, headers: Mapping[str, str], now: datetime) -> float | None:
    """The wait a refusal asked for: its Retry-After when the status is one that means it."""
    return retry_after(headers, now) if status in WAIT_STATUSES else None


def retry_after(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds to wait from `now`, or None when the header is absent or unreadable. Either form:
    delay-seconds ("120") or an HTTP date ("Wed, 09 Dec 2026 08:00:00 GMT"); a date already past
    is 0, a longer wait than LONGEST_WAIT_SECONDS is that."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return min(float(value), LONGEST_WAIT_SECONDS)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" in the date: UTC without saying so (RFC 5322 §3.3)
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - now).total_seconds()), LONGEST_WAIT_SECONDS)
