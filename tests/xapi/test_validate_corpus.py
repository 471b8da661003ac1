"""The validator against Ralph's BaseXapiStatement on a systematic corpus (valid bases × known-bad
mutations): whatever Ralph rejects we reject; where we are stricter, the mutation says why
(tests/xapi/mutations.py, `stricter=`); where we are looser, it is xAPI 2.0.0 (LOOSER_BASES,
`looser=`)."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from xapi import ValidationError, check_statement, validate_batch, validate_statement

from .corpus import LOOSER_BASES, corpus_cases, valid_bases
from .mutations import MUTATIONS
from .oracle import ralph_accepts


@cache
def verdicts() -> list[tuple[str, Any, bool, ValidationError | None]]:
    """(case id, mutation, Ralph accepts, our error) for every corpus case, computed once."""
    return [
        (case, mutation, ralph_accepts(statement), check_statement(statement))
        for case, statement, mutation in corpus_cases()
    ]


def test_corpus_is_large_and_mixed() -> None:
    """The brief asks for >= 200 statements, valid and invalid, from every builder kind."""
    cases = verdicts()
    assert len(cases) >= 200
    assert sum(error is None for *_, error in cases) >= 25
    assert sum(error is not None for *_, error in cases) >= 200


@pytest.mark.parametrize("name", sorted(valid_bases()))
def test_valid_bases_are_accepted(name: str) -> None:
    """Every builder output and every hand-written generic statement (1.0.3 and 2.0.0) is valid."""
    validate_statement(valid_bases()[name])


def test_whatever_ralph_rejects_we_reject() -> None:
    """Oracle rule: Ralph rejects => we reject, except the xAPI 2.0.0 statements we must accept."""
    missed = [
        case
        for case, mutation, ralph_ok, error in verdicts()
        if not ralph_ok
        and error is None
        and case.split("+")[0] not in LOOSER_BASES
        and not (mutation and mutation.looser)
    ]
    assert missed == []


def test_every_case_where_we_are_stricter_is_listed() -> None:
    """We reject, Ralph accepts => the mutation carries a `stricter` reason (no silent strictness)."""
    unlisted = [
        f"{case}: {error}"
        for case, mutation, ralph_ok, error in verdicts()
        if ralph_ok and error is not None and not (mutation and mutation.stricter)
    ]
    assert unlisted == []


def test_stricter_list_is_honest() -> None:
    """Each `stricter` mutation really is accepted by Ralph somewhere (otherwise drop the reason)."""
    accepted_by_ralph = {mutation.name for _, mutation, ralph_ok, _ in verdicts() if mutation and ralph_ok}
    listed = {m.name for m in MUTATIONS if m.stricter}
    assert listed - accepted_by_ralph == set()


def test_looser_cases_are_xapi_2() -> None:
    """We accept, Ralph rejects => only xAPI 2.0.0 statements (Ralph 5 knows 1.0.x only)."""
    looser = {case for case, mutation, ralph_ok, error in verdicts() if not ralph_ok and error is None}
    for case in looser:
        base = case.split("+")[0]
        assert base in LOOSER_BASES or case.endswith("+version_2"), case


@pytest.mark.parametrize("mutation", [m for m in MUTATIONS if not m.looser], ids=lambda m: m.name)
def test_each_mutation_is_rejected_with_its_path(mutation: Any) -> None:
    """Every known-bad mutation is rejected on every base it applies to, naming the field."""
    cases = [(case, error) for case, m, _, error in verdicts() if m is mutation]
    assert cases, "mutation applies to no base"
    for case, error in cases:
        assert error is not None, case
        assert error.path.startswith(mutation.path), f"{case}: {error.path!r} ({error.rule})"
        assert error.rule


def test_batch_stops_at_first_invalid_and_names_its_index() -> None:
    """Batch POST: the 400 names the index and the field, e.g. `[3].verb.id: must be an IRI`."""
    good = [statement for name, statement in valid_bases().items() if name.startswith("generic.")]
    bad = dict(good[0], verb={"id": "played"})
    with pytest.raises(ValidationError) as info:
        validate_batch([*good[:3], bad, {"not": "checked"}])
    assert info.value.path == "[3].verb.id"
    assert str(info.value) == "[3].verb.id: must be an IRI"
    validate_batch(good)


def test_batch_refuses_duplicate_ids_and_non_arrays() -> None:
    """Ralph answers 400 to one id twice in a batch; a batch is a JSON array."""
    statement = valid_bases()["generic.voiding"]
    with pytest.raises(ValidationError, match=r"^\[1\]\.id: the same statement id appears twice"):
        validate_batch([statement, dict(statement)])
    with pytest.raises(ValidationError, match="JSON array"):
        validate_batch({"statements": []})
    with pytest.raises(ValidationError) as info:
        validate_batch([statement, "text"])
    assert info.value.path == "[1]"


def test_a_batch_validated_in_parts_names_indexes_and_duplicates_as_a_whole() -> None:
    """The intake validates a long batch a chunk at a time (`start`, `seen`): the paths and the
    duplicate check are those of the whole batch."""
    statement = valid_bases()["generic.voiding"]
    anonymous = {key: value for key, value in statement.items() if key != "id"}
    seen: set[str] = set()
    validate_batch([anonymous, statement], start=0, seen=seen)
    assert seen == {statement["id"].lower()}
    with pytest.raises(ValidationError, match=r"^\[12\]\.id: the same statement id appears twice"):
        validate_batch([anonymous, dict(statement, id=statement["id"].upper())], start=11, seen=seen)
    with pytest.raises(ValidationError) as info:
        validate_batch([anonymous, dict(anonymous, verb={"id": "played"})], start=250)
    assert str(info.value) == "[251].verb.id: must be an IRI"


def test_numbers_may_be_decoded_as_decimal_and_ints_may_be_huge() -> None:
    """A JSON number is a number however the web layer decodes it (float or Decimal); a huge
    integer is compared exactly, never overflowing a float."""
    import json
    from decimal import Decimal

    statement = valid_bases()["generic.full"]
    validate_statement(json.loads(json.dumps(statement), parse_float=Decimal))
    with pytest.raises(ValidationError, match="between min and max"):
        validate_statement(dict(statement, result={"score": {"raw": 10**400, "min": 0, "max": 100}}))
    with pytest.raises(ValidationError, match="finite"):
        validate_statement(dict(statement, result={"score": {"raw": Decimal("NaN")}}))


def test_non_string_keys_from_python_callers_are_rejected_cleanly() -> None:
    """A dict built in Python may have non-string keys; the answer is a ValidationError, not a crash."""
    statement = valid_bases()["generic.full"]
    with pytest.raises(ValidationError):
        validate_statement(dict(statement, verb={"id": "http://x.y/v", "display": {1: "x"}}))
    with pytest.raises(ValidationError):
        validate_statement({**statement, 1: "x"})


def test_an_actor_alone_is_checked_as_a_statement_checks_its_actor() -> None:
    """validate_actor serves the `agent` query filter: the corpus's actors pass, and a broken one
    fails with the path the caller names."""
    from xapi import validate_actor

    for statement in valid_bases().values():
        validate_actor(statement["actor"])
    group = {"objectType": "Group", "member": [{"mbox": "mailto:a@example.cn"}]}
    validate_actor(group, "agent")
    with pytest.raises(ValidationError, match=r"^agent\.member: must be a non-empty array"):
        validate_actor({"objectType": "Group", "member": []}, "agent")
    with pytest.raises(ValidationError, match=r"^agent\.account\.name: must be a non-empty string"):
        validate_actor({"account": {"homePage": "https://x.example", "name": ""}}, "agent")
