"""A stable key for an actor's identity (its inverse functional identifier)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..models.statements import ACTOR_KEY_LENGTH


def actor_key(actor: dict[str, Any]) -> str:
    """The key as the statement and viewing-time tables hold it: cut to the column's length."""
    return _identity(actor)[:ACTOR_KEY_LENGTH]


def _identity(actor: dict[str, Any]) -> str:
    account = actor.get("account")
    if account:
        return f"account:{account.get('homePage')}|{account.get('name')}"
    for ifi in ("mbox", "mbox_sha1sum", "openid"):
        if actor.get(ifi):
            return f"{ifi}:{actor[ifi]}"
    # An anonymous group: identified by its members, order-insensitive.
    members = sorted(_identity(m) for m in actor.get("member") or [])
    digest = hashlib.sha256(json.dumps(members).encode()).hexdigest()
    return f"group:{digest}"


def lti_actor_key(issuer: str, sub: str) -> str:
    """The key of statements about an LTI user (actor = account {homePage: issuer, name: sub})."""
    return f"account:{issuer}|{sub}"
