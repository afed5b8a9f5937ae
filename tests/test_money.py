"""Exact money: cents in, cents out, and allocation that never loses a cent."""

from __future__ import annotations

import decimal
import time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from restaurant_api.money import (
    MAX_CENTS,
    MoneyError,
    allocate,
    format_cents,
    from_cents,
    parse_amount,
    split_evenly,
    to_cents,
)


def test_to_cents_is_exact():
    assert to_cents("0.10") * 3 + to_cents("0.20") == 50
    assert to_cents(Decimal("12.98")) == 1298
    assert to_cents(7) == 700
    assert from_cents(50) == Decimal("0.50")
    assert format_cents(1298) == "12.98"
    assert format_cents(-5) == "-0.05"


@pytest.mark.parametrize("bad", ["1.234", "abc", "NaN", "Infinity", 0.1, "1e20"])
def test_to_cents_refuses_what_is_not_money(bad):
    with pytest.raises(MoneyError):
        to_cents(bad)


def test_even_split_matches_the_contract():
    assert split_evenly(10000, 3) == [3334, 3333, 3333]


@given(total=st.integers(min_value=0, max_value=10**9), ways=st.integers(min_value=1, max_value=50))
def test_even_split_sums_exactly_and_differs_by_at_most_a_cent(total, ways):
    shares = split_evenly(total, ways)
    assert sum(shares) == total
    assert max(shares) - min(shares) <= 1


@given(
    total=st.integers(min_value=-(10**9), max_value=10**9),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20).filter(
        lambda weights: sum(weights) > 0
    ),
)
def test_allocate_sums_exactly(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Decimal(total) * weight / sum(weights)
        assert abs(Decimal(part) - exact) < 1


# --- bounds before conversion -----------------------------------------------------------------

HOSTILE = [
    "1e999990",
    "1e1000000",
    "-1e999999999",
    "1e-999999999",
    "9" * 10_000,
    Decimal("1e999999"),
    Decimal("-1e-999999"),
    Decimal("1" * 200),
    10**5000,
]


@pytest.mark.parametrize("amount", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_amounts_are_refused_before_any_arithmetic(amount):
    # In a context whose exponent range is tiny, multiplying any of these by 100 (or any
    # other Decimal arithmetic) would raise decimal.Overflow / Underflow / InvalidOperation
    # instead of MoneyError: a MoneyError proves the bounds were checked first.
    traps = [decimal.Overflow, decimal.Underflow, decimal.InvalidOperation, decimal.Inexact]
    with decimal.localcontext() as context:
        context.Emax, context.Emin = 60, -60
        for trap in traps:
            context.traps[trap] = True
        with pytest.raises(MoneyError):
            to_cents(amount)


def test_tiny_exponents_are_refused_not_rounded_to_zero():
    for amount in ("1e-999999999", "0.001", "1e-3", Decimal("5E-3")):
        with pytest.raises(MoneyError, match="more than two decimals"):
            to_cents(amount)
    # Zero is zero however it is spelled.
    assert to_cents("0e-999999999") == 0
    assert to_cents("0E+999999") == 0


def test_bounds_keep_every_real_amount():
    assert to_cents("12.50") == 1250
    assert to_cents("1.500") == 150  # trailing zeros are not extra decimals
    assert to_cents("1E+2") == 10_000
    assert to_cents(" 7.10 ") == 710
    assert to_cents(Decimal(MAX_CENTS) / 100) == MAX_CENTS
    with pytest.raises(MoneyError, match="out of range"):
        to_cents(Decimal(MAX_CENTS + 1) / 100)
    with pytest.raises(MoneyError):
        to_cents(1.5)  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        parse_amount(True)


def test_a_long_digit_string_is_not_rounded_into_a_valid_amount():
    # 25 significant digits times 100 would round in a 28-digit context.
    with pytest.raises(MoneyError):
        to_cents("1.0000000000000000000000001")


def test_refusals_are_cheap():
    started = time.perf_counter()
    for _ in range(1000):
        for amount in ("1e999990", "1e-999999999", Decimal("1e999999")):
            with pytest.raises(MoneyError):
                to_cents(amount)
    assert time.perf_counter() - started < 5  # generous sanity bound; was 28 s for one


@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_any_decimal_is_money_or_a_money_error(value):
    try:
        cents = to_cents(value)
    except MoneyError:
        return
    assert abs(cents) <= MAX_CENTS
    assert Decimal(cents) / 100 == value


@given(st.integers(min_value=-MAX_CENTS, max_value=MAX_CENTS))
def test_format_cents_spells_amounts_as_decimal_does(cents: int) -> None:
    assert format_cents(cents) == str(from_cents(cents))
