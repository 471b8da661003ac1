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


# The largest and the finest exact number a policy may hold (weights, maxima, pass marks, band
# minimums, hours, points, caps, shares). Grades are out of 100 and a scheme's hours in the
# hundreds, so a million is far past any real value; six places is the finest `precision` a policy
# may show. Within both a value has at most 13 significant digits, so CONTEXT's 50 keep
# weight × score / max exact to the shown places, and rounding a total to `precision` places never
# needs more digits than CONTEXT has (a max of 1E+60 at 2 places needed 63: InvalidOperation on
# every grade page). Bounding the policy bounds every number the engine derives from it.
POLICY_LIMIT = Decimal(1_000_000)
POLICY_PLACES = 6


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


def policy_number(value: Decimal) -> Decimal:
    """`value` when a policy may hold it (see POLICY_LIMIT), else NotANumber naming the bound."""
    if value.copy_abs() > POLICY_LIMIT:  # copy_abs: exact, where abs() overflows at 1E+999999
        raise NotANumber(f"must be at most {plain(POLICY_LIMIT)} in size, got {value}")
    # Exact comparison: 60.000000000 passes, 0.1234567 does not (the size check keeps it cheap).
    if value != value.quantize(quantum(POLICY_PLACES), context=CONTEXT):
        raise NotANumber(f"must have at most {POLICY_PLACES} decimal places, got {value}")
    return value


def parse_share(value: object) -> Fraction:
    """A policy's share such as "1/3", "25%" or a Decimal 0.25, as an exact Fraction in [0, 1].

    Each part is bounded before it becomes a Fraction: "1E+99999999/1E+99999999" would otherwise
    build two integers of a hundred million digits.
    """

    def part(text: object) -> Fraction:
        return Fraction(policy_number(to_decimal(text)))

    if isinstance(value, str) and "/" in value:
        num, _, den = value.partition("/")
        share = part(num) / part(den)
    elif isinstance(value, str) and value.strip().endswith("%"):
        share = part(value.strip()[:-1]) / 100
    else:
        share = part(value)
    if not 0 <= share <= 1:
        raise NotANumber("a share must lie between 0 and 1")
    return share


def share_text(share: Fraction) -> str:
    return f"{share.numerator}/{share.denominator}" if share.denominator != 1 else str(share.numerator)
