"""Exact decimal arithmetic for grades: no float ever enters a score.

Every number is a `decimal.Decimal`; rounding is ROUND_HALF_UP (the way a Chinese teacher rounds
on paper: 82.845 → 82.85), done once, on the value that is shown.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

# Enough digits that a division such as 17/3 × 100 carries no error into the shown places.
CONTEXT = Context(prec=50, rounding=ROUND_HALF_UP)

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class NotANumber(ValueError):
    """A value that is not an exact finite number (floats are refused on purpose)."""


def to_decimal(value: object) -> Decimal:
    """Turn an int, Decimal or numeric string into a finite Decimal; refuse floats and booleans.

    Floats are refused because 0.7 as a float is not 0.7, and a grade built on it can round the
    wrong way; callers pass strings or Decimals (json.loads(parse_float=Decimal)).
    """
    if isinstance(value, bool):
        raise NotANumber("expected a number, got a boolean")
    if isinstance(value, float):
        raise NotANumber("floats are not accepted; pass a decimal string or a Decimal")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except ArithmeticError as exc:
            raise NotANumber(f"not a number: {value!r}") from exc
    else:
        raise NotANumber(f"expected a number, got {type(value).__name__}")
    if not result.is_finite():
        raise NotANumber("expected a finite number")
    return result


_QUANTA = [Decimal(1).scaleb(-n) for n in range(12)]


def quantum(places: int) -> Decimal:
    return _QUANTA[places] if 0 <= places < len(_QUANTA) else Decimal(1).scaleb(-places)


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Round to `places` decimals, half up (82.845 → 82.85)."""
    return value.quantize(quantum(places), rounding=ROUND_HALF_UP, context=CONTEXT)


def ceil_to(value: Decimal, places: int) -> Decimal:
    """Smallest number with `places` decimals that is ≥ value (used for "score still needed")."""
    return value.quantize(quantum(places), rounding=ROUND_CEILING, context=CONTEXT)


def div(a: Decimal, b: Decimal) -> Decimal:
    return CONTEXT.divide(a, b)


def mul(first: Decimal, *rest: Decimal) -> Decimal:
    result = first
    for v in rest:
        result = CONTEXT.multiply(result, v)
    return result


def plain(value: Decimal) -> str:
    """A Decimal as a plain string without exponent or trailing zeros: 30, 12.5, 0."""
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text


def parse_share(value: object) -> Fraction:
    """A share such as "1/3", "25%" or a Decimal 0.25, as an exact Fraction in [0, 1]."""
    if isinstance(value, str) and "/" in value:
        num, _, den = value.partition("/")
        share = Fraction(to_decimal(num)) / Fraction(to_decimal(den))
    elif isinstance(value, str) and value.strip().endswith("%"):
        share = Fraction(to_decimal(value.strip()[:-1])) / 100
    else:
        share = Fraction(to_decimal(value))
    if not 0 <= share <= 1:
        raise NotANumber("a share must lie between 0 and 1")
    return share


def share_text(share: Fraction) -> str:
    return f"{share.numerator}/{share.denominator}" if share.denominator != 1 else str(share.numerator)
