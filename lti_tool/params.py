"""Whole numbers from URLs, query strings and forms (ids, page numbers).

`str.isdigit` is not the test: it accepts '²' and other Unicode digits that `int()` refuses (a 500),
and any length, so a 30-digit "class id" reached the database driver (an overflow, another 500)."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII only; nine digits stay below every id column's limit


def small_int(raw: str | None) -> int | None:
    """A plain decimal id or page number; None for anything else."""
    return int(raw) if raw and _DIGITS.fullmatch(raw) else None
