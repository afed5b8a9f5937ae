"""Totals are always derived from the lines, in integer cents."""

from __future__ import annotations

from collections.abc import Iterable

from restaurant_api.orders.models import OrderLine


def line_total_cents(line: OrderLine) -> int:
    return line.unit_price_cents * line.quantity


def order_total_cents(lines: Iterable[OrderLine]) -> int:
    return sum(line_total_cents(line) for line in lines)
