"""The shape of an id_token, checked once before any of it reaches the database or an error page.

Anyone can post an id_token, and a platform can sign any JSON: pylti1p3 and `records.py` assume
strings, objects and lists of strings. Every claim the tool reads is checked here, so a bad one is
a 400 naming it, never a 500 from the database or the template. The rules:

- text is a `str` with no NUL (PostgreSQL refuses it, SQLite would store it and break later
  queries) and no lone surrogate (it cannot be encoded as UTF-8, so no page or row can hold it);
- identifiers and URLs must fit their column: they are refused, never cut, since two ids cut alike
  would merge two users or two courses (titles and names stay clipped by `records.py`);
- optional claims may be absent or null; required ones are `launch.py`'s business.

`check_envelope` runs before the platform lookup (nothing in the token is trusted yet: only what
the lookup and the page need); `check_claims` runs once the signature holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..models import Course, Deployment, LtiStateEntry, Platform, ResourceLink, User
from .errors import LtiError

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DEEP_LINKING = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

# A kid only selects a key in the platform's set; real ones are short. Bounded because it is echoed.
KID_MAX = 255


def column_length(column: Any) -> int:
    """The declared length of a String column, so the limits follow the models."""
    return int(column.property.columns[0].type.length)


def _bad(name: str, rule: str, code: str = "bad_claim") -> LtiError:
    # The detail names the claim and the rule, never the value: it may be what cannot be shown.
    return LtiError(code, f"{name} {rule}")


def text_problem(value: Any, max_len: int | None = None) -> str | None:
    """What keeps `value` from being stored as sent (launch claims, registration documents), or None."""
    if not isinstance(value, str):
        return "must be a string"
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an invalid character (lone surrogate)"
    if max_len is not None and len(value) > max_len:
        return f"is longer than {max_len} characters"
    return None


def _text(value: Any, name: str, max_len: int | None = None, code: str = "bad_claim") -> None:
    problem = text_problem(value, max_len)
    if problem is not None:
        raise _bad(name, problem, code)


def _optional_text(container: Mapping[str, object], key: str, name: str, max_len: int | None = None) -> None:
    if container.get(key) is not None:
        _text(container[key], name, max_len)


def _optional_object(container: Mapping[str, object], key: str, name: str) -> dict[str, Any]:
    """The claim as an object, or {} when absent or null."""
    value = container.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad(name, "must be a JSON object")
    return value


def _optional_text_list(container: Mapping[str, object], key: str, name: str) -> None:
    value = container.get(key)
    if value is None:
        return
    if not isinstance(value, list):
        raise _bad(name, "must be a list of strings")
    for item in value:
        _text(item, f"{name}[]")


def check_envelope(header: Any, body: Any) -> None:
    """Before the platform lookup: the JWT parts are objects, and iss, aud and kid are clean strings
    that fit the `platforms` columns they are compared with."""
    if not isinstance(header, dict):
        raise LtiError("bad_token", "the JWT header is not a JSON object")
    if not isinstance(body, dict):
        raise LtiError("bad_token", "the JWT payload is not a JSON object")
    if header.get("kid") is not None:
        _text(header["kid"], "kid (JWT header)", KID_MAX, code="bad_token")
    _optional_text(body, "iss", "iss", column_length(Platform.issuer))
    aud = body.get("aud")
    client_id_max = column_length(Platform.client_id)
    if isinstance(aud, list):
        for item in aud:
            _text(item, "aud[]", client_id_max)
    elif aud is not None:
        _text(aud, "aud", client_id_max)


def check_claims(body: Mapping[str, object]) -> None:
    """After the signature, before the nonce and deployment lookups: every claim the tool reads."""
    _optional_text(body, "sub", "sub", column_length(User.sub))
    # The nonce becomes a key of `lti_state` ("lti1p3-nonce-<nonce>"); ours are far shorter.
    _optional_text(body, "nonce", "nonce", column_length(LtiStateEntry.key) - len("lti1p3-nonce-"))
    for key in ("name", "given_name", "family_name", "email", "locale"):
        _optional_text(body, key, key)
    _optional_text(body, CLAIM + "message_type", "message_type")
    _optional_text(
        body, CLAIM + "deployment_id", "deployment_id",
        min(column_length(Deployment.deployment_id), column_length(Course.deployment_id)),
    )
    _optional_text_list(body, CLAIM + "roles", "roles")

    context = _optional_object(body, CLAIM + "context", "context")
    _optional_text(context, "id", "context.id", column_length(Course.context_id))
    _optional_text(context, "title", "context.title")
    _optional_text(context, "label", "context.label")

    link = _optional_object(body, CLAIM + "resource_link", "resource_link")
    _optional_text(link, "id", "resource_link.id", column_length(ResourceLink.resource_link_id))
    _optional_text(link, "title", "resource_link.title")

    presentation = _optional_object(body, CLAIM + "launch_presentation", "launch_presentation")
    _optional_text(presentation, "locale", "launch_presentation.locale")

    # LTI 1.3 core §5.4.6: custom parameter values are strings (the platform substitutes them). A
    # number or true/false is taken as its text (records.py), as before: a platform that substitutes
    # an id as a number should not lose the launch over it; objects and lists have no text.
    custom = _optional_object(body, CLAIM + "custom", "custom")
    for key, value in custom.items():
        _text(key, "custom (a key)")
        if not isinstance(value, bool | int | float):
            _text(value, f"custom.{key}")

    ags = _optional_object(body, AGS, "lti-ags endpoint")
    _optional_text_list(ags, "scope", "lti-ags endpoint.scope")
    _optional_text(ags, "lineitems", "lti-ags endpoint.lineitems", column_length(Course.ags_lineitems_url))
    _optional_text(ags, "lineitem", "lti-ags endpoint.lineitem", column_length(ResourceLink.ags_lineitem_url))

    nrps = _optional_object(body, NRPS, "namesroleservice")
    _optional_text(
        nrps, "context_memberships_url", "namesroleservice.context_memberships_url", column_length(Course.nrps_url)
    )

    settings = _optional_object(body, DEEP_LINKING, "deep_linking_settings")
    _optional_text(settings, "deep_link_return_url", "deep_linking_settings.deep_link_return_url")
    _optional_text(settings, "data", "deep_linking_settings.data")
