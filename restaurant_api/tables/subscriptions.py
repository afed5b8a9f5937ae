"""Live floor plan: every table's state, then each table that changes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from datetime import datetime

import strawberry
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.graphql import Context, IsAuthenticated
from restaurant_api.api.live import Feed, LiveUpdateKind, live_feed
from restaurant_api.events import Event, Topic
from restaurant_api.tables.graphql import SeatType, TableStatusType
from restaurant_api.tables.models import DiningTable, Seat, TableStatus


@strawberry.type(
    description="A table as the floor plan shows it, with its seats (pushed by `tables`)."
)
class LiveTable:
    id: int = strawberry.field(description="Unique id.")
    table_number: int = strawberry.field(description="The number staff and guests use.")
    capacity: int = strawberry.field(description="Number of seats.")
    status: TableStatusType = strawberry.field(  # type: ignore[valid-type]
        description="Available, occupied, reserved or cleaning."
    )
    is_occupied: bool = strawberry.field(description="True when the table is occupied.")
    current_order_id: int | None = strawberry.field(description="The order holding the table.")
    merged_into: int | None = strawberry.field(
        description="Id of the table this one is merged into, if any."
    )
    version: int = strawberry.field(description="Increments on every change.")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")
    seats: list[SeatType] = strawberry.field(description="The table's seats, by seat number.")

    @classmethod
    def build(cls, table: DiningTable, seats: Sequence[Seat]) -> LiveTable:
        return cls(
            id=table.id,  # type: ignore[arg-type]
            table_number=table.table_number,
            capacity=table.capacity,
            status=table.status,
            is_occupied=table.status == TableStatus.OCCUPIED,
            current_order_id=table.current_order_id,
            merged_into=table.merged_into,
            version=table.version,
            updated_at=table.updated_at,
            seats=[SeatType.from_model(seat) for seat in seats],
        )


@strawberry.type(description="A floor plan message: every table first, then the changed ones.")
class TablesUpdate:
    kind: LiveUpdateKind = strawberry.field(
        description="SNAPSHOT: these are all the tables. CHANGES: these tables changed."
    )
    tables: list[LiveTable] = strawberry.field(description="Tables by number.")
    removed_table_ids: list[int] = strawberry.field(
        description="Tables that were deleted since the previous message."
    )


async def _tables(session: AsyncSession, table_ids: Sequence[int] | None) -> list[LiveTable]:
    query = select(DiningTable).order_by(col(DiningTable.table_number))
    seats_query = select(Seat).order_by(col(Seat.table_id), col(Seat.seat_number))
    if table_ids is not None:
        query = query.where(col(DiningTable.id).in_(table_ids))
        seats_query = seats_query.where(col(Seat.table_id).in_(table_ids))
    tables = (await session.exec(query)).all()
    seats: dict[int, list[Seat]] = defaultdict(list)
    for seat in (await session.exec(seats_query)).all():
        seats[seat.table_id].append(seat)
    return [LiveTable.build(table, seats[table.id]) for table in tables]  # type: ignore[index]


async def _all_tables(session: AsyncSession) -> list[LiveTable]:
    return await _tables(session, None)


async def _one_table(session: AsyncSession, event: Event) -> LiveTable | None:
    found = await _tables(session, [event.id])
    return found[0] if found else None


TABLES_FEED: Feed[LiveTable] = Feed(
    topic=Topic.TABLE,
    read_key="tables.table",
    snapshot=_all_tables,
    load=_one_table,
    row_id=lambda table: table.id,
)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "The live floor plan: first every table (SNAPSHOT), then each table whose "
            "status, order, seats or capacity changes (CHANGES)."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def tables(self, info: Info[Context, None]) -> AsyncGenerator[TablesUpdate, None]:
        async with aclosing(live_feed(info, TABLES_FEED)) as feed:
            async for batch in feed:
                yield TablesUpdate(
                    kind=batch.kind,
                    tables=sorted(batch.rows, key=lambda table: table.table_number),
                    removed_table_ids=batch.removed_ids,
                )
