"""Input checks shared by every domain: text the database can store, money as cents.

Neutral ground: it imports no domain, so menu, orders, tables, kitchen and users all
validate the same way without reaching into one another's services.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, final

from restaurant_api.errors import InvalidInput
from restaurant_api.money import MoneyError, parse_rate, to_cents


@final
class Unset:
    """The type of `UNSET`: a field left out of a change, as opposed to one set to None."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset()


def storable(value: str) -> bool:
    """No NUL (PostgreSQL text cannot hold it) and no lone surrogate (not encodable)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_text(value: str, field: str) -> str:
    """PostgreSQL text cannot hold NUL characters: refuse them as invalid input."""
    if "\x00" in value:
        raise InvalidInput(f"{field} must not contain NUL characters", field=field)
    return value


def clean_text(value: str, field: str, max_length: int) -> str:
    """Required text: stripped, not empty, at most `max_length` characters."""
    cleaned = check_text(value, field).strip()
    if not cleaned:
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(cleaned) > max_length:
        raise InvalidInput(f"{field} is longer than {max_length} characters", field=field)
    return cleaned


def optional_text(value: str | None, field: str, max_length: int) -> str | None:
    """Optional text: blank means None, otherwise stripped and at most `max_length`."""
    if value is None or not value.strip():
        return None
    check_text(value, field)
    if len(value) > max_length:
        raise InvalidInput(f"{field} is longer than {max_length} characters", field=field)
    return value.strip()


def price_cents(price: Decimal | int | str, field: str = "price") -> int:
    """A price in currency units to cents: at most two decimals, not negative."""
    try:
        cents = to_cents(price)
    except MoneyError as error:
        raise InvalidInput(f"Invalid {field}: {error}", field=field) from None
    if cents < 0:
        raise InvalidInput(f"{field} must not be negative", field=field)
    return cents


def rate_ppm(rate: Decimal | int | str, field: str = "rate") -> int:
    """A percentage (0 to 100, at most four decimals) as parts per million."""
    try:
        return parse_rate(rate)
    except MoneyError as error:
        raise InvalidInput(f"Invalid {field}: {error}", field=field) from None
