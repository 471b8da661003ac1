"""marshmallow fields shared by the policy schema and the source option schemas."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from marshmallow import ValidationError, fields

from .numbers import NotANumber, parse_share, policy_number, to_decimal


class Exact(fields.Field[Decimal]):
    """A finite Decimal from an int, Decimal or numeric string; floats are refused, never guessed.

    Bounded in size and places (numbers.POLICY_LIMIT) so the engine can always compute with it.
    """

    def __init__(self, *, minimum: Decimal | None = Decimal(0), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.minimum = minimum

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Decimal:
        try:
            number = to_decimal(value)
            if self.minimum is not None and number < self.minimum:
                raise NotANumber(f"must be at least {self.minimum}, got {number}")
            return policy_number(number)
        except NotANumber as exc:
            raise ValidationError(str(exc)) from None


class Share(fields.Field[Fraction]):
    """A share such as "1/3", "25%" or 0.25, kept as an exact Fraction."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Fraction:
        try:
            return parse_share(value)
        except (NotANumber, ZeroDivisionError) as exc:
            raise ValidationError(f"not a share between 0 and 1: {value!r} ({exc})") from None


class Percent(fields.Field[Fraction]):
    """A percentage (25 means 25%) kept as an exact Fraction of 1."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Fraction:
        try:
            number = to_decimal(value)
            if not 0 <= number <= 100:
                raise NotANumber(f"a percentage must lie between 0 and 100, got {number}")
            return Fraction(policy_number(number)) / 100
        except NotANumber as exc:
            raise ValidationError(str(exc)) from None
