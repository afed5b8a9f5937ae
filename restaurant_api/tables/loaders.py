"""Per-request DataLoaders for tables and seats: one query per batch of keys."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from restaurant_api.api.graphql import Context
from restaurant_api.tables import service
from restaurant_api.tables.models import DiningTable, Seat


def table_by_id(context: Context) -> DataLoader[int, DiningTable | None]:
    async def load(ids: Sequence[int]) -> list[DiningTable | None]:
        async with context.use_session() as session:
            by_id = await service.tables_by_id(session, ids)
        return [by_id.get(table_id) for table_id in ids]

    return context.loader("tables.table_by_id", lambda: DataLoader(load_fn=load))


def seats_by_table(context: Context) -> DataLoader[int, list[Seat]]:
    async def load(table_ids: Sequence[int]) -> list[list[Seat]]:
        async with context.use_session() as session:
            grouped = await service.seats_by_table(session, table_ids)
        return [grouped.get(table_id, []) for table_id in table_ids]

    return context.loader("tables.seats_by_table", lambda: DataLoader(load_fn=load))


def seat_by_id(context: Context) -> DataLoader[int, Seat | None]:
    async def load(ids: Sequence[int]) -> list[Seat | None]:
        async with context.use_session() as session:
            by_id = await service.seats_by_id(session, ids)
        return [by_id.get(seat_id) for seat_id in ids]

    return context.loader("tables.seat_by_id", lambda: DataLoader(load_fn=load))
