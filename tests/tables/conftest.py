"""Helpers for table tests: what the kitchen and an order hold, read directly with the models
(tables and orders are made by tests/factories.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select

from restaurant_api.db import Database
from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine
from restaurant_api.orders.models import Order, OrderLine


@pytest.fixture
def kitchen_snapshot(db: Database) -> Any:
    """Every kitchen ticket and ticket line as plain tuples, to prove nothing changed."""

    async def _snapshot() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        async with db.session(read_only=True) as session:
            tickets = (
                await session.exec(select(KitchenTicket).order_by(col(KitchenTicket.id)))
            ).all()
            lines = (
                await session.exec(select(KitchenTicketLine).order_by(col(KitchenTicketLine.id)))
            ).all()
        return (
            [
                (t.id, t.order_id, t.station, t.status, t.fire_number, t.dismissed_at, t.updated_at)
                for t in tickets
            ],
            [
                (ln.id, ln.ticket_id, ln.order_line_id, ln.name, ln.quantity, ln.voided_at)
                for ln in lines
            ],
        )

    return _snapshot


@pytest.fixture
def read_order(db: Database) -> Any:
    """`await read_order(id)` -> (order, lines by position)."""

    async def _read(order_id: int) -> tuple[Order | None, list[OrderLine]]:
        async with db.session(read_only=True) as session:
            order = await session.get(Order, order_id)
            lines = (
                await session.exec(
                    select(OrderLine)
                    .where(OrderLine.order_id == order_id)
                    .order_by(col(OrderLine.position), col(OrderLine.id))
                )
            ).all()
        return order, list(lines)

    return _read
