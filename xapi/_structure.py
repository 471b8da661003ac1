"""Checks for the building blocks shared by several statement parts: agents and groups (actor,
authority, instructor, team, object), activities (object, context activities), language maps and
extension maps. Mirrors ralph.models.xapi.base.{agents,groups,ifi,unnested_objects,common}.
"""

from __future__ import annotations

from typing import Any, Final

import orjson

from ._patterns import SHA1_RE, is_iri, is_irl, is_language_tag, is_mailto
from .errors import ValidationError, unknown_property

_IFIS: Final = ("mbox", "mbox_sha1sum", "openid", "account")
_AGENT_KEYS: Final = frozenset({"objectType", "name", *_IFIS})
_GROUP_KEYS: Final = _AGENT_KEYS | {"member"}
_ACCOUNT_KEYS: Final = frozenset({"homePage", "name"})
_ACTIVITY_KEYS: Final = frozenset({"objectType", "id", "definition"})
_COMPONENT_LISTS: Final = ("choices", "scale", "source", "target", "steps")
_DEFINITION_KEYS: Final = frozenset(
    {
        "name",
        "description",
        "type",
        "moreInfo",
        "extensions",
        "interactionType",
        "correctResponsesPattern",
        *_COMPONENT_LISTS,
    }
)
_INTERACTION_ONLY: Final = frozenset({"correctResponsesPattern", *_COMPONENT_LISTS})
_COMPONENT_KEYS: Final = frozenset({"id", "description"})
# xAPI 1.0.3 §2.4.4.1.1: which component lists each interaction type may carry.
_COMPONENTS_BY_TYPE: Final[dict[str, frozenset[str]]] = {
    "true-false": frozenset(),
    "choice": frozenset({"choices"}),
    "fill-in": frozenset(),
    "long-fill-in": frozenset(),
    "matching": frozenset({"source", "target"}),
    "performance": frozenset({"steps"}),
    "sequencing": frozenset({"choices"}),
    "likert": frozenset({"scale"}),
    "numeric": frozenset(),
    "other": frozenset(),
}


def check_language_map(value: Any, path: str) -> None:
    """{RFC 5646 tag: non-empty string}, at least one entry."""
    if type(value) is not dict or not value:
        raise ValidationError(path, "must be a non-empty language map")
    for tag, text in value.items():
        if type(tag) is not str or not is_language_tag(tag):
            raise ValidationError(f"{path}.{tag}", "is not a known RFC 5646 language tag")
        if type(text) is not str or not text:
            raise ValidationError(f"{path}.{tag}", "must be a non-empty string")


def check_extensions(value: Any, path: str) -> None:
    """Keys are IRIs; values are any JSON (the only place where empty values are allowed)."""
    if type(value) is not dict or not value:
        raise ValidationError(path, "must be a non-empty object keyed by IRIs")
    for key in value:
        if type(key) is not str or not is_iri(key):
            raise ValidationError(f"{path}.{key}", "extension keys must be IRIs")


def _ifi(value: dict[str, Any], path: str, *, required: bool) -> None:
    """Exactly one Inverse Functional Identifier (or none for an anonymous group)."""
    present = [k for k in _IFIS if k in value]
    if len(present) > 1:
        raise ValidationError(path, "must have exactly one of mbox, mbox_sha1sum, openid, account")
    if not present:
        if required:
            raise ValidationError(path, "must have one of mbox, mbox_sha1sum, openid, account")
        return
    key = present[0]
    ifi = value[key]
    here = f"{path}.{key}"
    if key == "mbox":
        if type(ifi) is not str or not is_mailto(ifi):
            raise ValidationError(here, "must be a mailto: IRI with a valid e-mail address")
    elif key == "mbox_sha1sum":
        if type(ifi) is not str or SHA1_RE.fullmatch(ifi) is None:
            raise ValidationError(here, "must be 40 lower-case hex digits")
    elif key == "openid":
        if type(ifi) is not str or not is_iri(ifi):
            raise ValidationError(here, "must be an IRI")
    else:
        if type(ifi) is not dict:
            raise ValidationError(here, "must be an object with homePage and name")
        if not _ACCOUNT_KEYS.issuperset(ifi):
            raise unknown_property(ifi, _ACCOUNT_KEYS, here)
        home = ifi.get("homePage")
        if type(home) is not str or not is_iri(home):
            raise ValidationError(here + ".homePage", "must be an IRI")
        name = ifi.get("name")
        if type(name) is not str or not name:
            raise ValidationError(here + ".name", "must be a non-empty string")
        if "\x00" in name:  # the actor's key is a text column, and PostgreSQL's text holds no NUL
            raise ValidationError(here + ".name", "must not contain the NUL character (U+0000)")


def _name(value: dict[str, Any], path: str) -> None:
    if "name" in value and (type(value["name"]) is not str or not value["name"]):
        raise ValidationError(path + ".name", "must be a non-empty string")


def check_agent(value: Any, path: str) -> None:
    if type(value) is not dict:
        raise ValidationError(path, "must be an Agent object")
    if value.get("objectType", "Agent") != "Agent":
        raise ValidationError(path + ".objectType", "must be 'Agent'")
    if not _AGENT_KEYS.issuperset(value):
        raise unknown_property(value, _AGENT_KEYS, path)
    _name(value, path)
    _ifi(value, path, required=True)


def check_group(value: Any, path: str) -> None:
    if type(value) is not dict:
        raise ValidationError(path, "must be a Group object")
    if value.get("objectType") != "Group":
        raise ValidationError(path + ".objectType", "must be 'Group'")
    if not _GROUP_KEYS.issuperset(value):
        raise unknown_property(value, _GROUP_KEYS, path)
    _name(value, path)
    _ifi(value, path, required=False)
    anonymous = not any(k in value for k in _IFIS)
    if "member" in value or anonymous:
        members = value.get("member")
        # An anonymous group is only its members: with none it identifies nobody (xAPI 2.4.2.2).
        if type(members) is not list or (anonymous and not members):
            raise ValidationError(path + ".member", "must be a non-empty array of Agents")
        for i, member in enumerate(members):
            check_agent(member, f"{path}.member[{i}]")


def check_actor(value: Any, path: str) -> None:
    """Actor or authority: an Agent (objectType may be omitted) or a Group."""
    if type(value) is dict and value.get("objectType") == "Group":
        check_group(value, path)
    else:
        check_agent(value, path)


def _components(definition: dict[str, Any], key: str, path: str) -> None:
    items = definition[key]
    if type(items) is not list:
        raise ValidationError(path, "must be an array of interaction components")
    seen: set[str] = set()
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        if type(item) is not dict:
            raise ValidationError(here, "must be an object")
        if not _COMPONENT_KEYS.issuperset(item):
            raise unknown_property(item, _COMPONENT_KEYS, here)
        ident = item.get("id")
        if type(ident) is not str or not ident or any(c.isspace() for c in ident):
            raise ValidationError(here + ".id", "must be a non-empty string without whitespace")
        if ident in seen:
            raise ValidationError(here + ".id", "duplicates another component id")
        seen.add(ident)
        if "description" in item:
            check_language_map(item["description"], here + ".description")


def _definition(definition: Any, path: str) -> None:
    if type(definition) is not dict or not definition:
        raise ValidationError(path, "must be a non-empty object")
    if not _DEFINITION_KEYS.issuperset(definition):
        raise unknown_property(definition, _DEFINITION_KEYS, path)
    if "name" in definition:
        check_language_map(definition["name"], path + ".name")
    if "description" in definition:
        check_language_map(definition["description"], path + ".description")
    if "type" in definition:
        kind = definition["type"]
        if type(kind) is not str or not is_iri(kind):
            raise ValidationError(path + ".type", "must be an IRI")
    if "moreInfo" in definition:
        more = definition["moreInfo"]
        if type(more) is not str or not is_irl(more):
            raise ValidationError(path + ".moreInfo", "must be an absolute URL")
    if "extensions" in definition:
        check_extensions(definition["extensions"], path + ".extensions")
    interaction = definition.get("interactionType")
    if interaction is None:
        if not _INTERACTION_ONLY.isdisjoint(definition):
            extra = next(k for k in ("correctResponsesPattern", *_COMPONENT_LISTS) if k in definition)
            raise ValidationError(f"{path}.{extra}", "is allowed only with an interactionType")
        return
    if interaction not in _COMPONENTS_BY_TYPE:
        raise ValidationError(path + ".interactionType", "must be one of " + ", ".join(_COMPONENTS_BY_TYPE))
    if "correctResponsesPattern" in definition:
        patterns = definition["correctResponsesPattern"]
        if type(patterns) is not list or any(type(p) is not str or not p for p in patterns):
            raise ValidationError(path + ".correctResponsesPattern", "must be an array of non-empty strings")
    allowed = _COMPONENTS_BY_TYPE[interaction]
    for key in _COMPONENT_LISTS:
        if key in definition:
            if key not in allowed:
                raise ValidationError(f"{path}.{key}", f"is not allowed for interactionType {interaction!r}")
            _components(definition, key, f"{path}.{key}")


# Activities repeat across statements (the video, its workshop, course, class and group in every
# context): the last valid one seen per id. An activity equal to it is valid with no further check
# (a third of a bench batch's validation time). Equality is sound here: it mixes only numbers (1 == 1.0
# == True), and numbers appear in an activity only as extension values, where any JSON is allowed.
_valid_activities: dict[str, dict[str, Any]] = {}
_ACTIVITY_MEMO_LIMIT: Final = 10_000


def check_activity(value: Any, path: str) -> None:
    if type(value) is not dict:
        raise ValidationError(path, "must be an Activity object")
    ident = value.get("id")
    if type(ident) is str and _valid_activities.get(ident) == value:
        return
    if value.get("objectType", "Activity") != "Activity":
        raise ValidationError(path + ".objectType", "must be 'Activity'")
    if not _ACTIVITY_KEYS.issuperset(value):
        raise unknown_property(value, _ACTIVITY_KEYS, path)
    if type(ident) is not str or not is_iri(ident):
        raise ValidationError(path + ".id", "must be an IRI")
    if "definition" in value:
        _definition(value["definition"], path + ".definition")
    _remember(ident, value)


def _remember(ident: str, activity: dict[str, Any]) -> None:
    """Keep a copy (the caller's statement may change after it was validated), made by orjson: a
    fifth of copy.deepcopy's time. What orjson cannot write (integers beyond 64 bits) is not kept."""
    try:
        copied = orjson.loads(orjson.dumps(activity))
    except TypeError:
        return
    if len(_valid_activities) >= _ACTIVITY_MEMO_LIMIT:  # bounded: a flood of distinct ids must not grow memory
        _valid_activities.clear()
    _valid_activities[ident] = copied
