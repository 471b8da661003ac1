"""An import row finds its member through indexes built once (a city's 23,000 members were scanned
for every row): the same member, or the same error, as reading through every member in order
would give, whatever the ids, e-mails, names, cases and schools (property test)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lti_tool.workshops.roster_io import NAME, SCHOOL, USER_ID, Person, _identify, _Lookup

SUBS = ["a", "A", "b", "u1", "a@x.cn"]
EMAILS = [None, "a@x.cn", "A@x.cn", "b@X.cn", ""]
NAMES = [None, "", "王丽华", "李建国"]
SCHOOLS = [None, "城关小学", "北关小学"]


def _scan(values: dict[str, str], people: list[Person]) -> tuple[int | None, str | None]:
    """The rule read plainly: id or e-mail (any case) first, else the name, narrowed by school."""
    ident, name, school = values.get(USER_ID, ""), values.get(NAME, ""), values.get(SCHOOL, "")
    if ident:
        found = [p for p in people if p.sub == ident or (p.email and p.email.lower() == ident.lower())]
        return (found[0].id, None) if len(found) == 1 else (None, "none" if not found else "several")
    if not name:
        return None, "empty"
    found = [p for p in people if name in (p.name, p.roster_name)]
    if len(found) > 1 and school:
        found = [p for p in found if p.school == school] or found
    return (found[0].id, None) if len(found) == 1 else (None, "none" if not found else "several")


people_lists = st.lists(st.tuples(st.sampled_from(SUBS), st.sampled_from(EMAILS), st.sampled_from(NAMES),
                                  st.sampled_from(NAMES), st.sampled_from(SCHOOLS)), max_size=8)
rows = st.fixed_dictionaries({USER_ID: st.sampled_from(["", *SUBS, "A@X.CN", "zz"]),
                              NAME: st.sampled_from(["", "王丽华", "李建国", "无名"]),
                              SCHOOL: st.sampled_from(["", "城关小学", "北关小学"])})


@settings(max_examples=400, deadline=None)
@given(people_lists, rows)
def test_the_lookup_finds_what_a_scan_finds(found: list[tuple[str, str | None, str | None, str | None, str | None]],
                                            values: dict[str, str]) -> None:
    people = [Person(id=i, sub=sub, email=email, name=name, roster_name=roster, school=school, town=None,
                     class_name=None, group_name=None, role="participant")
              for i, (sub, email, name, roster, school) in enumerate(found)]
    person, problem = _identify(values, 2, _Lookup(people))
    expected_id, expected_problem = _scan(values, people)
    assert (person.id if person else None) == expected_id
    assert (problem is None) == (expected_problem is None)
    if problem is not None:
        assert "第 2 行" in problem
        assert ("对应多位成员" in problem or "同名" in problem) == (expected_problem == "several")
