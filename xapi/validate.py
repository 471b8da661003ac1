"""A strict, fast validator for incoming xAPI statements (1.0.3; 2.0.x accepted from outside).

Rule of the module: reject everything Ralph's `BaseXapiStatement` rejects (it is the test oracle:
tests/xapi/test_validate_corpus.py), and where xAPI 1.0.3 is stricter than Ralph, follow xAPI
(every such case is listed in that test with its reason). Hand-written checks over plain dicts,
precompiled regexes, no pydantic: about an order of magnitude faster than Ralph (xapi/_bench.py).

Errors name the field and the rule: `ValidationError(path="actor.account.homePage",
rule="must be an IRI")`, so the HTTP layer can answer 400 with both.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any, Final

from ._patterns import SHA2_RE, UUID_RE, in_utc_range, is_duration, is_iri, is_irl, is_language_tag, is_timestamp
from ._structure import check_activity, check_actor, check_agent, check_extensions, check_group, check_language_map
from .errors import ValidationError, unknown_property

_STATEMENT_KEYS: Final = frozenset(
    {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version", "attachments"}
)
_SUB_KEYS: Final = frozenset({"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"})
_VERB_KEYS: Final = frozenset({"id", "display"})
_REF_KEYS: Final = frozenset({"objectType", "id"})
_RESULT_KEYS: Final = frozenset({"score", "success", "completion", "response", "duration", "extensions"})
_SCORE_KEYS: Final = frozenset({"scaled", "raw", "min", "max"})
_CONTEXT_KEYS: Final = frozenset(
    {
        "registration",
        "instructor",
        "team",
        "contextActivities",
        "revision",
        "platform",
        "language",
        "statement",
        "extensions",
    }
)
# xAPI 2.0 adds two context properties; they are accepted only in statements declaring 2.0.x.
_CONTEXT_KEYS_2: Final = _CONTEXT_KEYS | {"contextAgents", "contextGroups"}
_CA_KEYS: Final = frozenset({"parent", "grouping", "category", "other"})
_ATTACHMENT_KEYS: Final = frozenset({"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"})


# Ralph accepts ^1\.0\.[0-9]+$ only; xAPI 2.0.x statements from outside must be accepted too.
_VERSION_RE: Final = re.compile(r"[12]\.0\.[0-9]+")
_fail = ValidationError
_unknown = unknown_property


def _string(value: Any, path: str) -> None:
    if type(value) is not str or not value:
        raise _fail(path, "must be a non-empty string")


def _iri(value: Any, path: str) -> None:
    if type(value) is not str or not is_iri(value):
        raise _fail(path, "must be an IRI")


def _uuid(value: Any, path: str) -> None:
    if type(value) is not str or UUID_RE.fullmatch(value) is None:
        raise _fail(path, "must be a UUID (8-4-4-4-12 hex)")


def _timestamp(value: Any, path: str) -> None:
    if type(value) is not str or not is_timestamp(value):
        raise _fail(path, "must be an ISO 8601 timestamp with a time zone")
    if not in_utc_range(value):
        raise _fail(path, "must fall between the years 1 and 9999 in UTC")


def _number(value: Any, path: str) -> float | int | Decimal:
    """A JSON number: int (any size), finite float, or finite Decimal (json.loads(parse_float=Decimal))."""
    kind = type(value)
    if kind is int:
        return int(value)
    if (kind is float and math.isfinite(value)) or (kind is Decimal and value.is_finite()):
        return value  # type: ignore[no-any-return]
    raise _fail(path, "must be a finite number")


def _verb(verb: Any, path: str) -> None:
    if type(verb) is not dict:
        raise _fail(path, "must be an object")
    if not _VERB_KEYS.issuperset(verb):
        raise _unknown(verb, _VERB_KEYS, path)
    _iri(verb.get("id"), path + ".id")
    if "display" in verb:
        check_language_map(verb["display"], path + ".display")


def _statement_ref(ref: Any, path: str) -> None:
    if type(ref) is not dict:
        raise _fail(path, "must be an object")
    if ref.get("objectType") != "StatementRef":
        raise _fail(path + ".objectType", "must be 'StatementRef'")
    if not _REF_KEYS.issuperset(ref):
        raise _unknown(ref, _REF_KEYS, path)
    _uuid(ref.get("id"), path + ".id")


def _object(obj: Any, path: str, *, nested: bool, v2: bool) -> str:
    """Check a statement's object; returns its objectType (for the context platform/revision rule)."""
    if type(obj) is not dict:
        raise _fail(path, "must be an object")
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        check_activity(obj, path)
    elif kind == "StatementRef":
        _statement_ref(obj, path)
    elif nested:
        # Ralph's SubStatement object is Activity | StatementRef only; no nested SubStatement (xAPI).
        raise _fail(path + ".objectType", "a SubStatement's object must be an Activity or a StatementRef")
    elif kind == "Agent":
        check_agent(obj, path)
    elif kind == "Group":
        check_group(obj, path)
    elif kind == "SubStatement":
        _sub_statement(obj, path, v2)
    else:
        raise _fail(path + ".objectType", "must be Activity, Agent, Group, StatementRef or SubStatement")
    return str(kind)


def _score(score: Any, path: str) -> None:
    if type(score) is not dict or not score:
        raise _fail(path, "must be a non-empty object")
    if not _SCORE_KEYS.issuperset(score):
        raise _unknown(score, _SCORE_KEYS, path)
    if "scaled" in score and not -1 <= _number(score["scaled"], path + ".scaled") <= 1:
        raise _fail(path + ".scaled", "must be between -1 and 1")
    low = _number(score["min"], path + ".min") if "min" in score else None
    high = _number(score["max"], path + ".max") if "max" in score else None
    if low is not None and high is not None and not low < high:
        raise _fail(path + ".max", "must be greater than min")
    if "raw" in score:
        raw = _number(score["raw"], path + ".raw")
        if (low is not None and raw < low) or (high is not None and raw > high):
            raise _fail(path + ".raw", "must be between min and max")


def _result(result: Any, path: str) -> None:
    if type(result) is not dict or not result:
        raise _fail(path, "must be a non-empty object")
    if not _RESULT_KEYS.issuperset(result):
        raise _unknown(result, _RESULT_KEYS, path)
    if "score" in result:
        _score(result["score"], path + ".score")
    for key in ("success", "completion"):
        if key in result and type(result[key]) is not bool:
            raise _fail(f"{path}.{key}", "must be true or false")
    if "response" in result:
        _string(result["response"], path + ".response")
    if "duration" in result:
        duration = result["duration"]
        if type(duration) is not str or not is_duration(duration):
            raise _fail(path + ".duration", "must be an ISO 8601 duration (e.g. PT1H30M5.2S)")
    if "extensions" in result:
        check_extensions(result["extensions"], path + ".extensions")


def _context_activities(ca: Any, path: str) -> None:
    if type(ca) is not dict or not ca:
        raise _fail(path, "must be a non-empty object")
    if not _CA_KEYS.issuperset(ca):
        raise _unknown(ca, _CA_KEYS, path)
    for key, value in ca.items():
        if type(value) is list:
            for i, activity in enumerate(value):
                check_activity(activity, f"{path}.{key}[{i}]")
        else:
            check_activity(value, f"{path}.{key}")


def _context_members(items: Any, path: str, kind: str) -> None:
    """xAPI 2.0 contextAgents / contextGroups: [{objectType, agent|group, relevantTypes?}]."""
    member = "agent" if kind == "contextAgent" else "group"
    allowed = frozenset({"objectType", member, "relevantTypes"})
    if type(items) is not list or not items:
        raise _fail(path, "must be a non-empty array")
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        if type(item) is not dict or item.get("objectType") != kind:
            raise _fail(here + ".objectType", f"must be '{kind}'")
        if not allowed.issuperset(item):
            raise _unknown(item, allowed, here)
        (check_agent if member == "agent" else check_group)(item.get(member), f"{here}.{member}")
        if "relevantTypes" in item:
            types = item["relevantTypes"]
            if type(types) is not list or not types:
                raise _fail(here + ".relevantTypes", "must be a non-empty array of IRIs")
            for j, iri in enumerate(types):
                _iri(iri, f"{here}.relevantTypes[{j}]")


def _context(context: Any, path: str, object_type: str, v2: bool) -> None:
    if type(context) is not dict or not context:
        raise _fail(path, "must be a non-empty object")
    allowed = _CONTEXT_KEYS_2 if v2 else _CONTEXT_KEYS
    if not allowed.issuperset(context):
        raise _unknown(context, allowed, path)
    if "registration" in context:
        _uuid(context["registration"], path + ".registration")
    if "instructor" in context:
        check_agent(context["instructor"], path + ".instructor")  # Ralph: an Agent, not a Group
    if "team" in context:
        check_group(context["team"], path + ".team")
    if "contextActivities" in context:
        _context_activities(context["contextActivities"], path + ".contextActivities")
    for key in ("revision", "platform"):
        if key in context:
            _string(context[key], f"{path}.{key}")
            if object_type != "Activity":
                raise _fail(f"{path}.{key}", "is allowed only when the object is an Activity")
    if "language" in context:
        tag = context["language"]
        if type(tag) is not str or not is_language_tag(tag):
            raise _fail(path + ".language", "must be a known RFC 5646 language tag")
    if "statement" in context:
        _statement_ref(context["statement"], path + ".statement")
    if "extensions" in context:
        check_extensions(context["extensions"], path + ".extensions")
    if "contextAgents" in context:
        _context_members(context["contextAgents"], path + ".contextAgents", "contextAgent")
    if "contextGroups" in context:
        _context_members(context["contextGroups"], path + ".contextGroups", "contextGroup")


def _attachments(items: Any, path: str) -> None:
    if type(items) is not list:
        raise _fail(path, "must be an array")
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        if type(item) is not dict:
            raise _fail(here, "must be an object")
        if not _ATTACHMENT_KEYS.issuperset(item):
            raise _unknown(item, _ATTACHMENT_KEYS, here)
        _iri(item.get("usageType"), here + ".usageType")
        check_language_map(item.get("display"), here + ".display")
        if "description" in item:
            check_language_map(item["description"], here + ".description")
        _string(item.get("contentType"), here + ".contentType")
        length = item.get("length")
        if type(length) is not int or length < 0:
            raise _fail(here + ".length", "must be a non-negative integer")
        sha2 = item.get("sha2")
        if type(sha2) is not str or SHA2_RE.fullmatch(sha2) is None:
            raise _fail(here + ".sha2", "must be a hex SHA-2 digest")
        if "fileUrl" in item and (type(item["fileUrl"]) is not str or not is_irl(item["fileUrl"])):
            raise _fail(here + ".fileUrl", "must be an absolute URL")


def _body(stmt: dict[str, Any], path: str, v2: bool, nested: bool) -> None:
    """What statements and SubStatements share: actor, verb, object, result, context, timestamp, attachments."""
    if "actor" not in stmt:
        raise _fail(path + "actor", "is required")
    check_actor(stmt["actor"], path + "actor")
    if "verb" not in stmt:
        raise _fail(path + "verb", "is required")
    _verb(stmt["verb"], path + "verb")
    if "object" not in stmt:
        raise _fail(path + "object", "is required")
    object_type = _object(stmt["object"], path + "object", nested=nested, v2=v2)
    if "result" in stmt:
        _result(stmt["result"], path + "result")
    if "context" in stmt:
        _context(stmt["context"], path + "context", object_type, v2)
    if "timestamp" in stmt:
        _timestamp(stmt["timestamp"], path + "timestamp")
    if "attachments" in stmt:
        _attachments(stmt["attachments"], path + "attachments")


def _sub_statement(sub: dict[str, Any], path: str, v2: bool) -> None:
    if not _SUB_KEYS.issuperset(sub):
        raise _unknown(sub, _SUB_KEYS, path)  # id, stored, version, authority are forbidden here
    _body(sub, path + ".", v2=v2, nested=True)


def validate_actor(actor: Any, path: str = "actor") -> None:
    """Raise ValidationError unless `actor` is an Agent or a Group as a statement's actor may be (the
    `agent` filter of a statement query takes the same, xAPI 1.0.3 §2.1.3)."""
    check_actor(actor, path)


def validate_statement(statement: Any, path: str = "") -> None:
    """Raise ValidationError unless `statement` (a decoded JSON object) is a valid xAPI statement.

    `path` prefixes every error path (validate_batch passes "[3]."); leave it empty otherwise.
    """
    if type(statement) is not dict:
        raise _fail(path.rstrip("."), "a statement must be a JSON object")
    if not _STATEMENT_KEYS.issuperset(statement):
        raise _unknown(statement, _STATEMENT_KEYS, path.rstrip("."))
    version = statement.get("version")
    v2 = False
    if version is not None:
        if type(version) is not str or _VERSION_RE.fullmatch(version) is None:
            raise _fail(path + "version", "must be 1.0.x or 2.0.x")
        v2 = version[0] == "2"
    if "id" in statement:
        _uuid(statement["id"], path + "id")
    _body(statement, path, v2, nested=False)
    if "stored" in statement:
        _timestamp(statement["stored"], path + "stored")
    if "authority" in statement:
        check_actor(statement["authority"], path + "authority")


def check_statement(statement: Any) -> ValidationError | None:
    """The error (or None) instead of raising: handy where a caller collects verdicts."""
    try:
        validate_statement(statement)
    except ValidationError as error:
        return error
    return None


def validate_batch(statements: Any, *, start: int = 0, seen: set[str] | None = None) -> None:
    """Validate a POSTed batch; stop at the first invalid statement, e.g. `[3].verb.id: must be an IRI`.

    Two statements with one id in the same batch are refused too (the LRS would answer 400).
    A long batch may be validated in consecutive parts, as the intake does while the database
    stores the parts before (lti_tool/statements/store.py): `start` is the part's first index in the
    whole batch, for the error paths, and `seen` the lowercased ids of the parts before (it grows).
    """
    if type(statements) is not list:
        raise _fail("", "a batch must be a JSON array of statements")
    if seen is None:
        seen = set()
    for i, statement in enumerate(statements, start):
        prefix = f"[{i}]."
        validate_statement(statement, prefix)
        ident = statement.get("id")
        if ident is not None:
            ident = ident.lower()
            if ident in seen:
                raise _fail(prefix + "id", "the same statement id appears twice in this batch")
            seen.add(ident)


__all__ = ["ValidationError", "check_statement", "validate_batch", "validate_statement"]
