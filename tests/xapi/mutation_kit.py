"""Tools for writing statement mutations (tests/xapi/mutations.py): a Mutation record and small
functions that change one part of a statement in place (returning False when the base statement
has no such part)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Statement = dict[str, Any]
SHA1 = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
UUID = "3b8d7f39-6d0d-4fb3-9f0e-3f2f6a3b1c11"
SUB = {
    "objectType": "SubStatement",
    "actor": {"mbox": "mailto:s@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
    "object": {"id": "http://example.com/a"},
}


@dataclass(frozen=True)
class Mutation:
    name: str
    path: str  # the error path must start with this
    apply: Callable[[Statement], bool | None]  # mutates in place; False = not applicable to this base
    stricter: str | None = None  # why we reject although Ralph accepts
    looser: bool = False  # a valid variant Ralph rejects but xAPI 2.0 allows


def set_path(path: str, value: Any, *, require: bool = True) -> Callable[[Statement], bool | None]:
    """Set a dotted path; with `require`, only where the parent object already exists."""
    keys = path.split(".")

    def apply(s: Statement) -> bool | None:
        node: Any = s
        for key in keys[:-1]:
            if not isinstance(node, dict) or key not in node:
                if require:
                    return False
                node[key] = {}
            node = node[key]
        if not isinstance(node, dict):
            return False
        node[keys[-1]] = value
        return None

    return apply


def delete(key: str) -> Callable[[Statement], bool | None]:
    def apply(s: Statement) -> bool | None:
        s.pop(key)
        return None

    return apply


def actor(value: Any) -> Callable[[Statement], bool | None]:
    return set_path("actor", value)


def first_activity(s: Statement) -> Statement | None:
    obj = s["object"]
    return obj if obj.get("objectType", "Activity") == "Activity" else None


def with_activity(change: Callable[[Statement], None]) -> Callable[[Statement], bool | None]:
    def apply(s: Statement) -> bool | None:
        activity = first_activity(s)
        if activity is None:
            return False
        change(activity)
        return None

    return apply


def definition(key: str, value: Any) -> Callable[[Statement], bool | None]:
    return with_activity(lambda a: a.setdefault("definition", {"type": "http://example.com/t"}).__setitem__(key, value))


def context(key: str, value: Any) -> Callable[[Statement], bool | None]:
    def apply(s: Statement) -> bool | None:
        s.setdefault("context", {})[key] = value
        return None

    return apply


def platform_on_non_activity(s: Statement) -> bool | None:
    s["object"] = {"objectType": "StatementRef", "id": UUID}
    s.setdefault("context", {})["platform"] = "研修"
    s["context"].pop("contextAgents", None)
    s["context"].pop("contextGroups", None)
    return None


def score(**score: Any) -> Callable[[Statement], bool | None]:
    def apply(s: Statement) -> bool | None:
        s.setdefault("result", {})["score"] = score
        return None

    return apply


def attachment(**changes: Any) -> Callable[[Statement], bool | None]:
    def apply(s: Statement) -> bool | None:
        item = {
            "usageType": "http://adlnet.gov/expapi/attachments/signature",
            "display": {"en-US": "sig"},
            "contentType": "text/plain",
            "length": 10,
            "sha2": "ab" * 32,
        }
        item.update(changes)
        s["attachments"] = [item]
        return None

    return apply


def nested_sub(s: Statement) -> bool | None:
    sub = dict(SUB)
    sub["object"] = dict(SUB)
    s["object"] = sub
    return None


def sub_with(key: str, value: Any) -> Callable[[Statement], bool | None]:
    def apply(s: Statement) -> bool | None:
        s["object"] = {**SUB, key: value}
        return None

    return apply


def context_agents_in_1_0(s: Statement) -> bool | None:
    """contextAgents is xAPI 2.0; a statement that does not declare 2.0.x may not use it."""
    s["version"] = "1.0.3"
    s.setdefault("context", {})["contextAgents"] = [
        {"objectType": "contextAgent", "agent": {"mbox": "mailto:a@example.com"}}
    ]
    return None
