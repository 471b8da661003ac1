"""Report dataclasses to JSON-ready values and back, driven by their type hints: what the shared
dashboard cache (cache.py) keeps in Redis. JSON, not pickle: whoever can write to that Redis must
not be able to run code in the tool. Decimals travel as their exact text, dates as ISO dates."""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

T = TypeVar("T")


def to_plain(value: Any) -> Any:
    """JSON-ready: dataclasses as dicts of their fields, Decimals as text, dates as ISO text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | str):
        return value
    raise TypeError(f"{type(value).__name__} has no plain form")


def from_plain(kind: Any, data: Any) -> Any:
    """The value of type `kind` (a dataclass, list[…], dict[str, …], Decimal, date, int, str, bool
    or an optional of one) that `to_plain` turned into `data`."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        kind = next(a for a in args if a is not type(None))
        return from_plain(kind, data)
    if origin is list:
        return [from_plain(args[0], item) for item in data]
    if origin is dict:
        return {key: from_plain(args[1], item) for key, item in data.items()}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        return kind(**{f.name: from_plain(hints[f.name], data[f.name]) for f in dataclasses.fields(kind)})
    if kind is Decimal:
        return Decimal(data)
    if kind is datetime:
        return datetime.fromisoformat(data)
    if kind is date:
        return date.fromisoformat(data)
    if kind in (int, str, bool):
        if not isinstance(data, kind):
            raise TypeError(f"expected {kind.__name__}, got {type(data).__name__}")
        return data
    raise TypeError(f"{kind!r} has no plain form")


@functools.cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)
