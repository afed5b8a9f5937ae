"""Totals are exact sums of cents, whatever the lines (property-based)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from restaurant_api.money import from_cents
from restaurant_api.orders.models import Order, OrderLine
from restaurant_api.orders.pricing import line_total_cents, order_total_cents
from restaurant_api.orders.rest import OrderPublic

lines_strategy = st.lists(
    st.tuples(st.integers(min_value=0, max_value=10_000_00), st.integers(1, 999)),
    min_size=1,
    max_size=40,
)


def _lines(pairs: list[tuple[int, int]]) -> list[OrderLine]:
    return [
        OrderLine(
            id=index + 1,
            order_id=1,
            position=index,
            name=f"Item {index}",
            category="Mains",
            unit_price_cents=cents,
            quantity=quantity,
        )
        for index, (cents, quantity) in enumerate(pairs)
    ]


def test_three_dimes_and_two_dimes_are_fifty_cents():
    lines = _lines([(10, 3), (20, 1)])
    assert order_total_cents(lines) == 50
    assert from_cents(order_total_cents(lines)) == Decimal("0.50")


@given(lines_strategy)
def test_total_is_the_exact_sum_of_cents(pairs):
    lines = _lines(pairs)
    total = order_total_cents(lines)
    assert total == sum(cents * quantity for cents, quantity in pairs)
    assert total == sum(line_total_cents(line) for line in lines)
    # The decimal view agrees exactly with the cents, unlike a float sum would.
    assert from_cents(total) == sum(
        (Decimal(cents) / 100 * quantity for cents, quantity in pairs), Decimal(0)
    )


@given(lines_strategy)
def test_rest_total_on_the_wire_is_exact(pairs):
    now = datetime.now(UTC)
    order = Order(id=1, created_at=now, updated_at=now)
    body = json.loads(OrderPublic.from_model(order, _lines(pairs)).model_dump_json())
    # The JSON number has at most two decimals and reads back as exactly the cents.
    assert Decimal(str(body["total"])) * 100 == order_total_cents(_lines(pairs))
    assert all(
        Decimal(str(item["price"])) * 100 == cents
        for item, (cents, _) in zip(body["order"], pairs, strict=True)
    )
