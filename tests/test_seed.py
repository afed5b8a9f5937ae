"""Demo data: a menu across several categories and eight tables with their seats."""

from __future__ import annotations

from sqlmodel import col, select

from restaurant_api.menu.models import MenuItem
from restaurant_api.seed import DEMO_TABLE_CAPACITIES, seed_demo_data
from restaurant_api.tables.models import DiningTable, Seat, SeatStatus, TableStatus


async def test_seed_is_idempotent_and_complete(db, client):
    async with db.session() as session:
        first = await seed_demo_data(session)
    async with db.session() as session:
        second = await seed_demo_data(session)
    assert (first.menu_items_added, first.tables_added) == (21, 8)
    assert (second.menu_items_added, second.tables_added) == (0, 0)

    async with db.session(read_only=True) as session:
        items = (await session.exec(select(MenuItem))).all()
        tables = (
            await session.exec(select(DiningTable).order_by(col(DiningTable.table_number)))
        ).all()
        seats = (await session.exec(select(Seat))).all()
    assert len({item.category for item in items}) >= 4
    assert [table.capacity for table in tables] == DEMO_TABLE_CAPACITIES
    assert all(table.status == TableStatus.AVAILABLE for table in tables)
    for table in tables:
        numbers = sorted(s.seat_number for s in seats if s.table_id == table.id)
        assert numbers == list(range(1, table.capacity + 1))
    assert all(seat.status == SeatStatus.AVAILABLE and seat.customer_name is None for seat in seats)

    menu = (await client.get("/api/menu")).json()
    burger = next(item for item in menu if item["name"] == "Burger")
    assert burger["price"] == 8.99
    assert burger["category"] == "Main Course"
