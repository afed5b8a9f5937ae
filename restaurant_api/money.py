"""Exact money: integer cents in storage, Decimal in code, never float."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
MAX_CENTS = 10**12  # ten billion in the currency unit: far beyond any bill, well inside BIGINT


# Bounds checked before any arithmetic: a Decimal like 1e999990 is cheap to hold but
# costs seconds to multiply or turn into an int, and 1e-999999999 must not round to zero.
MAX_AMOUNT_CHARS = 40  # "-10000000000.00" is 15; room for spelling like "0001.500"
MAX_AMOUNT_DIGITS = 24  # times 100 stays exact inside the default 28-digit context
MIN_AMOUNT_EXPONENT = -MAX_AMOUNT_DIGITS  # 1.500000 is fine; 1e-31 is never whole cents
MAX_AMOUNT_EXPONENT = 12  # with the digit cap, anything beyond is far past MAX_CENTS


class MoneyError(ValueError):
    """An amount that cannot be money: not a number, fractional cents, out of range."""


def parse_amount(amount: Decimal | int | str) -> Decimal:
    """An amount as a Decimal, its size and exponent checked before any conversion.

    Every later step (multiplying by 100, int()) then costs microseconds.
    """
    if isinstance(amount, (bool, float)):
        raise MoneyError("money must be a decimal string or an integer, not a float")
    if isinstance(amount, int):
        if abs(amount) > MAX_CENTS:  # an int's size is known without formatting it
            raise MoneyError("the amount is out of range")
        return Decimal(amount)
    if isinstance(amount, str):
        if len(amount) > MAX_AMOUNT_CHARS:
            raise MoneyError(f"an amount has at most {MAX_AMOUNT_CHARS} characters")
        try:
            value = Decimal(amount.strip())
        except (InvalidOperation, ValueError):
            raise MoneyError(f"{amount!r} is not an amount of money") from None
    elif isinstance(amount, Decimal):
        value = amount
    else:
        raise MoneyError("not an amount of money")
    if not value.is_finite():
        raise MoneyError("the amount is not a finite number")
    digits, exponent = value.as_tuple()[1:]
    assert isinstance(exponent, int)  # finite
    if not any(digits):
        return Decimal(0)  # 0E+999999 and 0E-999999 are plain zero
    if len(digits) > MAX_AMOUNT_DIGITS:
        raise MoneyError(f"an amount has at most {MAX_AMOUNT_DIGITS} digits")
    if exponent > MAX_AMOUNT_EXPONENT:
        raise MoneyError("the amount is out of range")
    if exponent < MIN_AMOUNT_EXPONENT:
        raise MoneyError("the amount has more than two decimals")
    return value


def to_cents(amount: Decimal | int | str) -> int:
    """Convert an amount in currency units to cents, refusing fractions of a cent."""
    value = parse_amount(amount)
    cents = value * 100
    if cents != cents.to_integral_value():
        raise MoneyError("the amount has more than two decimals")
    result = int(cents)
    if abs(result) > MAX_CENTS:
        raise MoneyError("the amount is out of range")
    return result


def from_cents(cents: int) -> Decimal:
    """Cents to a Decimal with exactly two decimals (1234 -> Decimal('12.34'))."""
    return (Decimal(cents) / 100).quantize(CENT)


def format_cents(cents: int) -> str:
    """The amount as `str(from_cents(cents))` spells it ("12.98", "-0.05"), from integers:
    a Decimal division and quantize per amount cost tens of microseconds (a page of orders
    renders hundreds)."""
    whole, part = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole}.{part:02d}"


def allocate(total_cents: int, weights: Sequence[int]) -> list[int]:
    """Split `total_cents` in proportion to `weights` so the parts add up exactly.

    Largest remainder: every part gets its floor share, and the cents left over go to the
    parts with the largest remainders (ties: the earlier part first).
    """
    if not weights:
        raise ValueError("allocate needs at least one part")
    if any(weight < 0 for weight in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    sign = -1 if total_cents < 0 else 1
    total = abs(total_cents)
    shares = [total * weight // weight_sum for weight in weights]
    remainders = [total * weight % weight_sum for weight in weights]
    leftover = total - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for index in by_remainder[:leftover]:
        shares[index] += 1
    return [sign * share for share in shares]


def split_evenly(total_cents: int, ways: int) -> list[int]:
    """N equal shares whose cents add up to the total (10000 in 3 -> 3334, 3333, 3333)."""
    if ways < 1:
        raise ValueError("ways must be at least 1")
    return allocate(total_cents, [1] * ways)


def format_rate(rate_ppm: int) -> str:
    """A rate in parts per million as an exact percentage string (88750 -> "8.875")."""
    whole, part = divmod(rate_ppm, 10_000)
    return f"{whole}.{part:04d}".rstrip("0") if part else str(whole)
