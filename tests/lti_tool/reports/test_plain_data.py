"""The 研修主页's figures survive the trip through JSON that the shared cache gives them: any
Overview comes back equal (Decimals digit for digit, dates, nested rows), and data of the wrong
shape is refused rather than turned into wrong figures."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lti_tool.reports.participation import Day, Overview, Row, TopRow
from lti_tool.reports.plain_data import from_plain, to_plain

names = st.text(min_size=0, max_size=12)
counts = st.integers(min_value=0, max_value=10**6)
decimals = st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10**6, max_value=10**6)
rows = st.builds(Row, name=names, members=counts, started=counts, active_today=counts, active_week=counts,
                 completion_sum=decimals, passed=counts, graded=counts, total_sum=decimals)
overviews = st.builds(
    Overview, whole=rows,
    days=st.lists(st.builds(Day, day=st.dates(min_value=date(2000, 1, 1)), active=counts, rate=decimals), max_size=14),
    by_class=st.lists(rows, max_size=4), by_school=st.lists(rows, max_size=4), by_town=st.lists(rows, max_size=3),
    by_group=st.lists(rows, max_size=3), bands=st.dictionaries(names, counts, max_size=4),
    top=st.lists(st.builds(TopRow, name=names, school=names, total=decimals, band=names), max_size=10),
    histogram=st.lists(counts, min_size=10, max_size=10),
    per_day=st.dictionaries(st.sampled_from(["school", "town"]),
                            st.dictionaries(names, st.lists(counts, max_size=14), max_size=3), max_size=2))


@given(overviews)
def test_any_overview_comes_back_equal_through_json(overview: Overview) -> None:
    back = from_plain(Overview, json.loads(json.dumps(to_plain(overview))))
    assert back == overview
    assert [str(r.total_sum) for r in back.by_school] == [str(r.total_sum) for r in overview.by_school]


def test_data_of_the_wrong_shape_is_refused() -> None:
    plain = to_plain(Row("城关小学", members=3))
    with pytest.raises(TypeError):
        from_plain(Row, {**plain, "members": "3"})
    with pytest.raises(KeyError):
        from_plain(Row, {k: v for k, v in plain.items() if k != "members"})
    with pytest.raises(TypeError):
        to_plain(object())
