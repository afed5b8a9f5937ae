"""Percentages as exact parts per million: bounds and hostile input (pure, no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from restaurant_api.errors import InvalidInput
from restaurant_api.inputs import rate_ppm
from restaurant_api.money import MoneyError, format_rate, parse_rate


@pytest.mark.parametrize(
    ("text", "ppm"),
    [
        ("8.875", 88_750),
        ("0", 0),
        ("-0", 0),
        ("0.0001", 1),
        ("100", 1_000_000),
        ("100.0000", 1_000_000),
        (" 7.5 ", 75_000),
        ("1e1", 100_000),
        ("0E-999999", 0),
        (Decimal("18"), 180_000),
        (10, 100_000),
    ],
)
def test_valid_rates(text, ppm):
    assert parse_rate(text) == ppm


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("100.0001", "from 0 to 100"),
        ("-0.5", "from 0 to 100"),
        ("-1", "from 0 to 100"),
        (101, "from 0 to 100"),
        ("1e3", "from 0 to 100"),
        ("1e999999999", "from 0 to 100"),
        ("9" * 30, "from 0 to 100"),
        ("0.00001", "four decimals"),
        ("8.87501", "four decimals"),
        ("1e-999999999", "four decimals"),
        ("1." + "0" * 30 + "1", "four decimals"),
        ("nan", "finite"),
        ("Infinity", "finite"),
        ("abc", "not a percentage"),
        ("1" * 41, "at most 40 characters"),
        (8.875, "not a float"),
        (True, "not a float"),
    ],
)
def test_invalid_rates(text, message):
    with pytest.raises(MoneyError, match=message):
        parse_rate(text)


def test_rate_input_errors_name_the_field():
    with pytest.raises(InvalidInput) as raised:
        rate_ppm("100.5", "rate")
    assert raised.value.path == ("rate",)
    assert "from 0 to 100" in raised.value.message


@pytest.mark.parametrize(
    ("ppm", "text"),
    [(88_750, "8.875"), (100_000, "10"), (0, "0"), (1, "0.0001"), (1_000_000, "100"),
     (180_000, "18"), (123_450, "12.345")],
)  # fmt: skip
def test_format_rate(ppm, text):
    assert format_rate(ppm) == text


@given(st.integers(min_value=0, max_value=1_000_000))
def test_format_and_parse_round_trip(ppm):
    text = format_rate(ppm)
    assert parse_rate(text) == ppm
    assert Decimal(text) * 10_000 == ppm
