"""Parsing incoming JSON, canonical JSON for storage, and xAPI's "same statement" comparison.

Canonical form: sorted keys, no spaces, UTF-8 text kept as is (not escaped), so two equal
statements give byte-identical text (a database column, a content hash).

orjson does the work (it decodes and encodes statements several times faster than the standard
library, a fifth of the intake's time); the standard library takes over wherever orjson's result
would differ from it, so what is accepted and stored never depends on which one ran:
- integers beyond 64 bits, which orjson would silently turn into floats;
- text orjson refuses but `json` accepts (NaN), so the answer stays the same.
Two exceptions, refused though `json` reads them:
- a lone surrogate escape (`"\\ud800"`, half of a UTF-16 pair): it decodes to no Unicode character,
  so the statement could not be stored as UTF-8 text (both databases failed on it with a 500);
- arrays and objects nested deeper than MAX_DEPTH levels (below).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson

# A run of 20 digits may be an integer outside 64 bits (2**64 has 20 digits). It may also sit in a
# string; then the slower parser runs for nothing, which changes nothing but the time taken.
# Found by mapping every digit to "0" and everything else to a space, then a substring search:
# a regular expression took three times as long as orjson's whole parse on a batch of 1,000.
_DIGITS_TO_ZERO = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_RUN = b"0" * 20

# The deepest nesting of arrays and objects accepted. orjson writes at most 254 levels; deeper,
# canonical_json falls back to the standard library, which recurses and runs out of Python stack
# before 1,000 levels (a RecursionError: a 500), as `json.loads` does reading them. A statement
# needs about ten levels; an extension's value may have the rest.
MAX_DEPTH = 254


def _too_deep() -> ValueError:
    return ValueError(f"arrays and objects nest deeper than {MAX_DEPTH} levels")


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects in `value` nest more than `limit` levels, looked at one level at a
    time (a recursive walk would fail on the very values it looks for)."""
    level = [value]
    for _ in range(limit + 1):
        level = [item for item in level if isinstance(item, dict | list)]
        if not level:
            return False
        level = [child for item in level for child in (item.values() if isinstance(item, dict) else item)]
    return True


def parse_json(raw: bytes) -> Any:
    """Parse a request body as `json.loads` would, except that a lone surrogate and nesting deeper
    than MAX_DEPTH are refused; raises ValueError (worded by `json` for text that is not JSON)."""
    if _LONG_RUN not in raw.translate(_DIGITS_TO_ZERO):
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # let the standard library decide, and word the error
        else:
            # orjson can write back anything it read but nesting beyond its limit, which is
            # MAX_DEPTH: the depth check, in C, for a fifth of the time the reading took.
            try:
                orjson.dumps(value)
            except orjson.JSONEncodeError:
                raise _too_deep() from None
            return value
    try:
        value = json.loads(raw)
    except RecursionError:
        raise _too_deep() from None
    if _deeper_than(value, MAX_DEPTH):  # read within the stack left, yet too deep to be written back
        raise _too_deep()
    try:  # only here: orjson refuses lone surrogates, and checking costs a second pass
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        raise ValueError(f"a lone surrogate ({exc.object[exc.start]!r}) is no Unicode character") from None
    return value


# Set by the LRS, not by the sender: ignored when deciding whether a re-sent statement is the same
# (xAPI 1.0.3 §2.3 "Statement Comparison Requirements").
_LRS_FIELDS = ("stored", "authority", "version")


def canonical_json(statement: Any) -> str:
    try:
        return orjson.dumps(statement, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        # Integers beyond 64 bits, or lone surrogates in the tool's own statements: orjson refuses them.
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
