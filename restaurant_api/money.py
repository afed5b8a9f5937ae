"""Exact money: integer cents in storage, Decimal in code, never float."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
MAX_CENTS = 10**12  # ten billion in the currency unit: far beyond any bill, well inside BIGINT


class MoneyError(ValueError):
    """An amount that cannot be money: not a number, fractional cents, out of range."""


def to_cents(amount: Decimal | int | str) -> int:
    """Convert an amount in currency units to cents, refusing fractions of a cent."""
    if isinstance(amount, float):
        raise MoneyError("money must not be a float")
    try:
        value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    except InvalidOperation as exc:
        raise MoneyError(f"{amount!r} is not an amount of money") from exc
    if not value.is_finite():
        raise MoneyError(f"{amount!r} is not an amount of money")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise MoneyError(f"{amount} has more than two decimals")
    result = int(cents)
    if abs(result) > MAX_CENTS:
        raise MoneyError(f"{amount} is out of range")
    return result


def from_cents(cents: int) -> Decimal:
    """Cents to a Decimal with exactly two decimals (1234 -> Decimal('12.34'))."""
    return (Decimal(cents) / 100).quantize(CENT)


def format_cents(cents: int) -> str:
    return str(from_cents(cents))


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
