"""Helpers for table tests: tables, orders and kitchen tickets made directly with the models,
so these tests do not depend on the place-order endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import col, select

from restaurant_api.db import Database
from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine
from restaurant_api.orders.models import Order, OrderLine
from restaurant_api.tables import service
from restaurant_api.tables.models import DiningTable, Seat


@dataclass(frozen=True)
class Item:
    name: str
    price_cents: int
    quantity: int = 1
    seat_number: int | None = None
    category: str = "Main Course"


@pytest.fixture
def add_table(db: Database) -> Any:
    """`await add_table(number, capacity)`: an available table with its seats."""

    async def _add(number: int, capacity: int = 4) -> DiningTable:
        async with db.session() as session:
            table = DiningTable(table_number=number, capacity=capacity)
            session.add(table)
            await session.flush()
            for seat in range(1, capacity + 1):
                session.add(Seat(table_id=table.id, seat_number=seat))
        return table

    return _add


@pytest.fixture
def add_order(db: Database) -> Any:
    """`await add_order(items, table_id=...)`: an open order with its lines and one kitchen
    ticket holding them; seated at the table (occupying it) when `table_id` is given."""

    async def _add(items: list[Item], *, table_id: int | None = None, customers: int = 1) -> Order:
        async with db.session() as session:
            order = Order(customer_count=customers)
            session.add(order)
            await session.flush()
            lines = [
                OrderLine(
                    order_id=order.id,
                    position=position,
                    name=item.name,
                    category=item.category,
                    unit_price_cents=item.price_cents,
                    quantity=item.quantity,
                    seat_number=item.seat_number,
                )
                for position, item in enumerate(items)
            ]
            session.add_all(lines)
            ticket = KitchenTicket(order_id=order.id, station="kitchen")
            session.add(ticket)
            await session.flush()
            session.add_all(
                KitchenTicketLine(
                    ticket_id=ticket.id,
                    order_line_id=line.id,
                    name=line.name,
                    quantity=line.quantity,
                    seat_number=line.seat_number,
                )
                for line in lines
            )
            if table_id is not None:
                await service.occupy_table_for_order(session, table_id=table_id, order=order)
        return order

    return _add


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
