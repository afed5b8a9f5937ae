"""Helpers for order tests: menu items and tables made directly through the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from restaurant_api.db import Database
from restaurant_api.menu.models import MenuItem
from restaurant_api.tables.models import DiningTable, Seat


@pytest.fixture
def add_menu_item(db: Database) -> Any:
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
def add_table(db: Database) -> Any:
    async def _add(number: int, capacity: int = 4) -> DiningTable:
        async with db.session() as session:
            table = DiningTable(table_number=number, capacity=capacity)
            session.add(table)
            await session.flush()
            for seat in range(1, capacity + 1):
                session.add(Seat(table_id=table.id, seat_number=seat))
        return table

    return _add
