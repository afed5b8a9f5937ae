"""Test factories shared by every test folder (loaded as a plugin by tests/conftest.py).

Rows are made directly with the models, so a test does not depend on the endpoints it is
not about; the REST helpers are for tests that do go through the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from restaurant_api.db import Database
from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine
from restaurant_api.kitchen.routing import station_by_name
from restaurant_api.menu.models import (
    MenuItem,
    MenuItemModifierGroup,
    ModifierGroup,
    ModifierOption,
)
from restaurant_api.orders.models import Order, OrderLine
from restaurant_api.tables import service as tables_service
from restaurant_api.tables.models import DiningTable, Seat


@dataclass(frozen=True)
class Item:
    """A line of an order made by `add_order`."""

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
def add_menu_item(db: Database) -> Any:
    """`await add_menu_item(name, "8.99", category, available=...)`: a menu item."""

    async def _add(
        name: str, price: str, category: str = "Mains", *, available: bool = True
    ) -> MenuItem:
        async with db.session() as session:
            item = MenuItem(
                name=name,
                name_key=name.casefold(),
                category=category,
                price_cents=int(Decimal(price) * 100),
                is_available=available,
            )
            session.add(item)
            await session.flush()
        return item

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
            kitchen = await station_by_name(session, "kitchen")
            assert kitchen is not None
            ticket = KitchenTicket(order_id=order.id, station="kitchen", station_id=kitchen.id)
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
                await tables_service.occupy_table_for_order(session, table_id=table_id, order=order)
        return order

    return _add


@dataclass(frozen=True)
class Opt:
    """An option of a group made by `add_modifier_group`."""

    name: str
    delta_cents: int = 0
    kitchen_name: str | None = None
    default: bool = False
    available: bool = True


@pytest.fixture
def add_modifier_group(db: Database) -> Any:
    """`await add_modifier_group(name, [Opt(...)], minimum, maximum, items=[item ids])`:
    a group with its options (returned in order), offered on the items (after theirs)."""

    async def _add(
        name: str,
        options: list[Opt],
        minimum: int = 0,
        maximum: int = 1,
        *,
        items: tuple[int, ...] = (),
    ) -> tuple[ModifierGroup, list[ModifierOption]]:
        async with db.session() as session:
            group = ModifierGroup(
                name=name, name_key=name.casefold(), min_selections=minimum, max_selections=maximum
            )
            session.add(group)
            await session.flush()
            rows = [
                ModifierOption(
                    group_id=group.id,
                    name=option.name,
                    name_key=option.name.casefold(),
                    kitchen_name=option.kitchen_name or option.name.upper(),
                    price_delta_cents=option.delta_cents,
                    is_default=option.default,
                    is_available=option.available,
                    display_order=position,
                )
                for position, option in enumerate(options)
            ]
            session.add_all(rows)
            for item_id in items:
                link = MenuItemModifierGroup(menu_item_id=item_id, group_id=group.id)
                link.position = group.id  # after the groups made before
                session.add(link)
            await session.flush()
        return group, rows

    return _add


async def place_order(
    client: httpx.AsyncClient, staff: Any, items: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    """`POST /api/orders` with these items (and other fields): the new order's JSON."""
    response = await client.post(
        "/api/orders", json={"order": items, **extra}, headers=staff.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def table_json(client: httpx.AsyncClient, staff: Any, table_id: int) -> dict[str, Any]:
    """`GET /api/tables/{id}`: the table's JSON."""
    response = await client.get(f"/api/tables/{table_id}", headers=staff.headers)
    assert response.status_code == 200, response.text
    return response.json()
