"""Canonical JSON for storage, and xAPI's "same statement" comparison.

Canonical form: sorted keys, no spaces, UTF-8 text kept as is (ensure_ascii=False), so two equal
statements give byte-identical text (a database column, a content hash).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

# Set by the LRS, not by the sender: ignored when deciding whether a re-sent statement is the same
# (xAPI 1.0.3 §2.3 "Statement Comparison Requirements").
_LRS_FIELDS = ("stored", "authority", "version")


def canonical_json(statement: Any) -> str:
    return json.dumps(statement, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _instant(value: Any) -> Any:
    """A timestamp as a UTC instant, so `+08:00` and `Z` spellings of one moment compare equal."""
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _comparable(statement: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in statement.items() if k not in _LRS_FIELDS}
    if isinstance(out.get("id"), str):
        out["id"] = out["id"].lower()  # UUIDs are case-insensitive
    if "timestamp" in out:
        out["timestamp"] = _instant(out["timestamp"])
    actor = out.get("actor")
    if isinstance(actor, dict) and actor.get("objectType") == "Agent":
        out["actor"] = {k: v for k, v in actor.items() if k != "objectType"}  # "Agent" is the default
    obj = out.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "Activity":
        out["object"] = {k: v for k, v in obj.items() if k != "objectType"}  # "Activity" is the default
    return out


def same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True when `b` is a re-send of `a`: same id, same content -> no-op; otherwise the LRS answers 409.

    Follows xAPI 1.0.3 §2.3 roughly: `stored`, `authority` and `version` are ignored; the id's
    case, the spelling of the timestamp's offset and default objectTypes do not matter; everything
    else (including list order) must be equal.
    """
    return canonical_json(_comparable(a)) == canonical_json(_comparable(b))
