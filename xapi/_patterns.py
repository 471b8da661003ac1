"""Precompiled lexical checks for xAPI values: IRIs (RFC 3987), language tags (RFC 5646), UUIDs,
timestamps (ISO 8601 / RFC 3339), durations (ISO 8601), mailto IRIs and hashes.

Every check here is at least as strict as what Ralph (pydantic + rfc3987 + langcodes +
email-validator) accepts, never looser: tests/xapi/test_patterns.py compares them with those
libraries. IRIs and language tags repeat across statements (verbs, activity types, extension keys),
so their verdicts are cached in bounded sets: most statements then cost a set lookup per IRI.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

from ._langtags import LANGUAGES, REGIONS, SCRIPTS

# --- RFC 3987 IRI (absolute, with scheme), written from the ABNF --------------------------------
_UCS: Final = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
    "\U00010000-\U0001fffd\U00020000-\U0002fffd\U00030000-\U0003fffd\U00040000-\U0004fffd"
    "\U00050000-\U0005fffd\U00060000-\U0006fffd\U00070000-\U0007fffd\U00080000-\U0008fffd"
    "\U00090000-\U0009fffd\U000a0000-\U000afffd\U000b0000-\U000bfffd\U000c0000-\U000cfffd"
    "\U000d0000-\U000dfffd\U000e1000-\U000efffd"
)
_PRIVATE: Final = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
_UNRESERVED: Final = "A-Za-z0-9\\-._~" + _UCS
_SUB_DELIMS: Final = "!$&'()*+,;="
_PCT: Final = "%[0-9A-Fa-f]{2}"
_H16: Final = "[0-9A-Fa-f]{1,4}"
_DEC_OCTET: Final = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4: Final = rf"{_DEC_OCTET}(?:\.{_DEC_OCTET}){{3}}"
_LS32: Final = f"(?:{_H16}:{_H16}|{_IPV4})"
_IPV6: Final = (
    "(?:"
    f"(?:{_H16}:){{6}}{_LS32}"
    f"|::(?:{_H16}:){{5}}{_LS32}"
    f"|(?:{_H16})?::(?:{_H16}:){{4}}{_LS32}"
    f"|(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}{_LS32}"
    f"|(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}{_LS32}"
    f"|(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:{_LS32}"
    f"|(?:(?:{_H16}:){{0,4}}{_H16})?::{_LS32}"
    f"|(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}"
    f"|(?:(?:{_H16}:){{0,6}}{_H16})?::"
    ")"
)


def _run(chars: str) -> str:
    """Any sequence of `chars` and %HH escapes, as an unrolled loop: `[c]*(?:%HH[c]*)*` is the
    same language as `(?:[c]|%HH)*` but several times faster in Python's backtracking engine."""
    return f"[{chars}]*(?:{_PCT}[{chars}]*)*"


_PCHARS: Final = f"{_UNRESERVED}{_SUB_DELIMS}:@"
_IP_LITERAL: Final = rf"\[(?:{_IPV6}|v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~{_SUB_DELIMS}:]+)\]"
_USERINFO: Final = _run(f"{_UNRESERVED}{_SUB_DELIMS}:")
_REG_NAME: Final = _run(f"{_UNRESERVED}{_SUB_DELIMS}")
_AUTHORITY: Final = f"(?:{_USERINFO}@)?(?P<host>{_IP_LITERAL}|{_REG_NAME})(?::(?P<port>[0-9]*))?"
# RFC 3987 ihier-part. Paths are runs of ipchar and "/": ipath-abempty = "" or "/..."; ipath-absolute
# = "/" not followed by "/"; ipath-rootless = starts with an ipchar; ipath-empty.
_PATH: Final = _run(f"{_PCHARS}/")
_HIER: Final = f"(?://{_AUTHORITY}(?:/{_PATH})?|/(?!/){_PATH}|(?=[{_PCHARS}]|{_PCT}){_PATH}|)"
_QUERY: Final = _run(f"{_PCHARS}{_PRIVATE}/?")
_FRAGMENT: Final = _run(f"{_PCHARS}/?")
IRI_RE: Final = re.compile(f"[A-Za-z][A-Za-z0-9+\\-.]*:{_HIER}(?:\\?{_QUERY})?(?:#{_FRAGMENT})?")

# The common case, plain ASCII "scheme://host[:port]/path?query#fragment" without escapes, is a strict
# subset of the grammar above that a much simpler regex decides about 3x faster; anything else
# falls through to IRI_RE (tests/xapi/test_patterns.py checks FAST_IRI_RE => IRI_RE).
_ASCII_PCHARS: Final = "A-Za-z0-9\\-._~!$&'()*+,;=:@"
FAST_IRI_RE: Final = re.compile(
    f"[A-Za-z][A-Za-z0-9+.\\-]*://[A-Za-z0-9.\\-]+(?::[0-9]+)?(?:/[{_ASCII_PCHARS}/]*)?"
    f"(?:\\?[{_ASCII_PCHARS}/?]*)?(?:#[{_ASCII_PCHARS}/?]*)?"
)
_CACHE_LIMIT: Final = 50_000
_good_iris: set[str] = set()


def is_iri(value: str) -> bool:
    """An absolute IRI (RFC 3987 `IRI`), the xAPI type of verb ids, activity ids and extension keys."""
    if value in _good_iris:
        return True
    if FAST_IRI_RE.fullmatch(value) is None and IRI_RE.fullmatch(value) is None:
        return False
    if len(_good_iris) >= _CACHE_LIMIT:  # bounded: a flood of distinct ids must not grow memory
        _good_iris.clear()
    _good_iris.add(value)
    return True


def is_irl(value: str) -> bool:
    """An IRI that is also a fetchable URL (moreInfo, fileUrl): Ralph's pydantic `AnyUrl` also
    refuses ports above 65535 and scheme-only or empty-host http(s) URLs."""
    match = IRI_RE.fullmatch(value)
    if match is None:
        return False
    port = match.group("port")
    if port and int(port) > 65535:
        return False
    host = match.group("host")
    return not (value[:5].lower() in ("http:", "https") and not host)


# --- RFC 5646 language tags (a registry subset, see _langtags) ----------------------------------
_TAG_RE: Final = re.compile(
    r"(?P<lang>[A-Za-z]{2,3})(?:-(?P<script>[A-Za-z]{4}))?(?:-(?P<region>[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?"
)
_good_tags: set[str] = set()


def is_language_tag(value: str) -> bool:
    """language[-Script][-REGION][-x-private], subtags from the registry subset; case-insensitive."""
    if value in _good_tags:
        return True
    match = _TAG_RE.fullmatch(value)
    if match is None or match.group("lang").lower() not in LANGUAGES:
        return False
    script, region = match.group("script"), match.group("region")
    if script is not None and script.title() not in SCRIPTS:
        return False
    if region is not None and region.upper() not in REGIONS:
        return False
    if len(_good_tags) >= _CACHE_LIMIT:
        _good_tags.clear()
    _good_tags.add(value)
    return True


# --- identifiers, hashes, mail ------------------------------------------------------------------
# The canonical 8-4-4-4-12 form only (xAPI "UUID"); Ralph also takes braces, urn:uuid: and no hyphens.
UUID_RE: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
SHA1_RE: Final = re.compile(r"[0-9a-f]{40}")  # lower-case, exactly as Ralph's pattern
SHA2_RE: Final = re.compile(r"[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128}")
_ATEXT: Final = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
_LABEL: Final = r"(?!-)(?![A-Za-z0-9]{2}--)[A-Za-z0-9-]{1,63}(?<!-)"
MAILTO_RE: Final = re.compile(
    f"mailto:(?P<local>[{_ATEXT}]+(?:\\.[{_ATEXT}]+)*)@(?P<domain>(?:{_LABEL}\\.)+[A-Za-z]{{2,63}})"
)
# email-validator refuses these special-use domains (RFC 6761 and friends), so Ralph does too.
_SPECIAL_DOMAINS: Final = ("arpa", "invalid", "local", "localhost", "onion", "test")


def is_mailto(value: str) -> bool:
    """`mailto:` + an ASCII dot-atom address on a public domain (what email-validator accepts,
    minus internationalised addresses and the `Name <addr>` form)."""
    match = MAILTO_RE.fullmatch(value)
    if match is None or len(match.group("local")) > 64 or len(value) - 7 > 254:
        return False
    domain = match.group("domain").lower()
    return not any(domain == d or domain.endswith("." + d) for d in _SPECIAL_DOMAINS)


# --- time -----------------------------------------------------------------------------------------
# RFC 3339 profile of ISO 8601 with a mandatory offset: a timestamp without one is ambiguous.
TIMESTAMP_RE: Final = re.compile(
    r"(?!0000)[0-9]{4}-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
_MONTH_DAYS: Final = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def is_timestamp(value: str) -> bool:
    match = TIMESTAMP_RE.fullmatch(value)
    if match is None:
        return False
    day = int(match.group("d"))
    if day <= 28:
        return True
    month = int(match.group("m"))
    if day > _MONTH_DAYS[month]:
        return False
    if month == 2 and day == 29:
        year = int(value[:4])
        return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return True


# ISO 8601 durations. Digit counts are bounded so that any match fits Python's timedelta (Ralph
# parses durations into one and refuses overflow); weeks stand alone, as ISO 8601 says.
_N6: Final = r"[0-9]{1,6}(?:\.[0-9]{1,9})?"
_N9: Final = r"[0-9]{1,9}(?:\.[0-9]{1,9})?"
DURATION_RE: Final = re.compile(
    rf"P(?:{_N6}W|(?=[0-9T])(?:{_N6}Y)?(?:{_N6}M)?(?:{_N6}D)?(?:T(?=[0-9])(?:{_N9}H)?(?:{_N9}M)?(?:{_N9}S)?)?)"
)


def is_duration(value: str) -> bool:
    return DURATION_RE.fullmatch(value) is not None and not value.endswith("T")


def in_utc_range(value: str) -> bool:
    """Whether a valid timestamp is an instant between the years 1 and 9999 in UTC, where a store can
    keep it: 0001-01-01T00:00:00+01:00 is an hour before, 9999-12-31T23:30:00-01:00 half an hour after."""
    if not value.startswith(("0001-", "9999-")):
        return True
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except OverflowError:
        return False
    return True
