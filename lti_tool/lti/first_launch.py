"""A first launch that loses a race for its rows tries again.

Two first launches at the same moment (everyone clicking a new activity on the first evening of a
workshop, a teacher's double click) both find no row and both create one; a unique constraint
refuses the second copy. The winner commits its rows together, so the same steps run again find
them. Three attempts, as the statement intake allows (statements/store.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from ..extensions import db

ATTEMPTS = 3
T = TypeVar("T")


def retried_on_race(steps: Callable[[], T]) -> T:
    """`steps()` (which commits), run again after a rollback when a unique constraint refused a row."""
    for attempt in range(ATTEMPTS):
        try:
            return steps()
        except IntegrityError:
            db.session.rollback()
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
