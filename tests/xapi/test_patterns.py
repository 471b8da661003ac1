"""Lexical checks (xapi._patterns) are never looser than the libraries Ralph relies on: rfc3987
(IRI), langcodes (RFC 5646), pydantic (datetime, timedelta, AnyUrl), email-validator (mailto).
Property tests draw strings from small grammars full of edge characters and assert
"we accept => the library accepts"."""

from __future__ import annotations

from datetime import datetime, timedelta

import langcodes
import pydantic
import rfc3987
from hypothesis import given
from hypothesis import strategies as st
from ralph.models.xapi.base.common import MailtoEmail

from xapi._langtags import LANGUAGES, REGIONS, SCRIPTS
from xapi._patterns import FAST_IRI_RE, IRI_RE, is_duration, is_iri, is_irl, is_language_tag, is_mailto, is_timestamp

DATETIME = pydantic.TypeAdapter(datetime)
TIMEDELTA = pydantic.TypeAdapter(timedelta)
ANY_URL = pydantic.TypeAdapter(pydantic.AnyUrl)


def _library_accepts(adapter: pydantic.TypeAdapter, value: str) -> bool:  # type: ignore[type-arg]
    try:
        adapter.validate_python(value)
    except pydantic.ValidationError:
        return False
    return True


def _rfc3987_accepts(value: str) -> bool:
    try:
        rfc3987.parse(value, rule="IRI")
    except ValueError:
        return False
    return True


# --- language tags ----------------------------------------------------------------------------


def test_shipped_subtags_are_in_the_registry() -> None:
    """Every language, region and script we accept is valid for langcodes (Ralph's check)."""
    assert all(langcodes.tag_is_valid(code) for code in LANGUAGES)
    assert all(langcodes.tag_is_valid(f"en-{region}") for region in REGIONS)
    assert all(langcodes.tag_is_valid(f"zh-{script}") for script in SCRIPTS)


subtag = st.sampled_from([*sorted(LANGUAGES), "xx", "zz", "qqq", "EN", "Zh", "a", "abcd", "123"])
tag = st.builds(
    lambda lang, script, region, private: "-".join(p for p in (lang, script, region, private) if p),
    subtag,
    st.sampled_from(["", "Hans", "hant", "Latn", "Qaaa", "Abcd"]),
    st.sampled_from(["", "CN", "tw", "419", "999", "ZZ", "AA", "US1"]),
    st.sampled_from(["", "x-yanxiu", "x-a-b", "x-toolongsubtag"]),
)


@given(tag)
def test_language_tags_never_looser_than_langcodes(value: str) -> None:
    """RFC 5646: a tag we accept is one langcodes calls valid."""
    if is_language_tag(value):
        assert langcodes.tag_is_valid(value), value


def test_common_tags() -> None:
    """The tags teacher-training data uses are accepted; the usual mistakes are not."""
    for good in ("zh-CN", "zh-Hans-CN", "zh-TW", "en-US", "en", "yue-HK", "zh-cn", "es-419"):
        assert is_language_tag(good), good
    for bad in ("zh_CN", "cn", "xx", "", "en-US-US", "zh-CN-", "chinese"):
        assert not is_language_tag(bad), bad


# --- IRIs ---------------------------------------------------------------------------------------

IRI_PIECES = [
    "http",
    "https",
    "urn",
    "mailto",
    "x+y",
    "1http",
    ":",
    "//",
    "/",
    "?",
    "#",
    "[",
    "]",
    "::1",
    "@",
    "%",
    "%41",
    "%zz",
    "a",
    "Z9",
    ".",
    "-",
    " ",
    "\t",
    '"',
    "<",
    ">",
    "{",
    "^",
    "`",
    "|",
    "\\",
    "研修",
    "\ue000",
    "\ufffe",
    "\u00a0",
    "127.0.0.1",
    ":8080",
    ":99999",
    "v1.x",
    "~",
    "'",
    "!",
    "$",
    "&",
    "=",
    "+",
    ",",
    ";",
    "*",
    "(",
    ")",
]
iri_like = st.lists(st.sampled_from(IRI_PIECES), min_size=1, max_size=12).map("".join)


@given(iri_like)
def test_iri_never_looser_than_rfc3987(value: str) -> None:
    """RFC 3987: an IRI we accept is one Ralph's rfc3987 parser accepts."""
    if is_iri(value):
        assert _rfc3987_accepts(value), value


@given(iri_like)
def test_fast_iri_path_is_a_subset_of_the_full_grammar(value: str) -> None:
    """The ASCII fast path only ever accepts what the full RFC 3987 regex accepts."""
    if FAST_IRI_RE.fullmatch(value):
        assert IRI_RE.fullmatch(value), value


@given(iri_like)
def test_irl_never_looser_than_any_url(value: str) -> None:
    """moreInfo / fileUrl: a URL we accept is one pydantic's AnyUrl (Ralph's type) accepts."""
    if is_irl(value):
        assert _library_accepts(ANY_URL, value), value


def test_iri_examples() -> None:
    """Absolute IRIs with scheme: Chinese paths, IPv6 hosts, URNs; never relative references."""
    for good in (
        "https://yanxiu.example.cn/活动/1",
        "http://[::1]:8080/a?b=c#d",
        "urn:uuid:3b8d7f39",
        "https://w3id.org/xapi/video/verbs/played",
        "mailto:a@example.com",
    ):
        assert is_iri(good) and _rfc3987_accepts(good), good
    for bad in ("played", "/verbs/played", "http://a b", "http://a/%zz", "://x", ""):
        assert not is_iri(bad), bad


# --- time ---------------------------------------------------------------------------------------

digits = st.text(alphabet="0123456789", min_size=1, max_size=3)
timestamp_like = st.builds(
    lambda y, mo, d, h, mi, s, frac, tz: f"{y}-{mo}-{d}T{h}:{mi}:{s}{frac}{tz}",
    st.sampled_from(["2026", "0000", "0001", "2024", "2023", "9999", "26"]),
    st.sampled_from(["01", "02", "12", "13", "00", "1"]),
    st.sampled_from(["01", "28", "29", "30", "31", "32", "00"]),
    st.sampled_from(["00", "23", "24", "9"]),
    st.sampled_from(["00", "59", "60"]),
    st.sampled_from(["00", "59", "60", "5"]),
    st.sampled_from(["", ".1", ".123", ".1234567", ".", ",5"]),
    st.sampled_from(["Z", "z", "+08:00", "-00:00", "+23:59", "+24:00", "+0800", "", "+08"]),
)


@given(timestamp_like)
def test_timestamps_never_looser_than_pydantic(value: str) -> None:
    """ISO 8601 with a time zone: what we accept, Ralph's datetime accepts (and it is tz-aware)."""
    if is_timestamp(value):
        assert _library_accepts(DATETIME, value), value
        assert DATETIME.validate_python(value).tzinfo is not None


def test_timestamp_calendar() -> None:
    """Leap years and month lengths are checked, not just the shape."""
    assert is_timestamp("2024-02-29T00:00:00Z") and not is_timestamp("2023-02-29T00:00:00Z")
    assert not is_timestamp("2100-02-29T00:00:00Z") and is_timestamp("2000-02-29T00:00:00Z")
    assert not is_timestamp("2026-04-31T00:00:00Z") and is_timestamp("2026-05-31T00:00:00.5+08:00")


number = st.sampled_from(["1", "0", "1.5", "999999", "1234567", "99999999999", ".5", "1.", "1,5"])
duration_like = st.lists(
    st.one_of(number, st.sampled_from(["P", "T", "Y", "M", "W", "D", "H", "S", "-"])), min_size=1, max_size=9
).map("".join)


@given(duration_like)
def test_durations_never_looser_than_pydantic(value: str) -> None:
    """ISO 8601 durations: what we accept, Ralph's timedelta accepts (no overflow either)."""
    if is_duration(value):
        assert _library_accepts(TIMEDELTA, value), value


def test_duration_examples() -> None:
    for good in ("PT1H30M5.25S", "P1D", "P2W", "PT0S", "P1Y2M3DT4H5M6S"):
        assert is_duration(good), good
    for bad in ("PT", "P", "P1DT", "1:30:00", "PT1H1H", "P1W2D", "-PT1S", "PT1.S"):
        assert not is_duration(bad), bad


# --- mail -----------------------------------------------------------------------------------------

local = st.sampled_from(["a", "a.b", "a..b", ".a", "a.", "张", "a+b", "o'neil", "a b", '"q"', "x" * 65])
domain = st.sampled_from(
    [
        "example.com",
        "example",
        "localhost",
        "example.invalid",
        "a.test",
        "mail.example.cn",
        "-a.com",
        "a-.com",
        "xn--fsqu00a.xn--fiqs8s",
        "ab--c.com",
        "1.2.3.4",
        "example.123",
        "例子.中国",
        "home.arpa",
        "a." + "b" * 64 + ".com",
    ]
)


@given(local, domain)
def test_mailto_never_looser_than_ralph(user: str, host: str) -> None:
    """mbox: what we accept, Ralph's MailtoEmail (email-validator) accepts."""
    value = f"mailto:{user}@{host}"
    if is_mailto(value):
        MailtoEmail.model_validate(value)
