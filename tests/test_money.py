"""Exact money: cents in, cents out, and allocation that never loses a cent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from restaurant_api.money import (
    MoneyError,
    allocate,
    format_cents,
    from_cents,
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
