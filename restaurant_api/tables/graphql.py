"""GraphQL types and fields for tables and seats."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlmodel import col, select
from strawberry.types import Info

from restaurant_api.api.graphql import Context, IsAuthenticated
from restaurant_api.tables import loaders
from restaurant_api.tables.models import DiningTable, Seat, SeatStatus, TableStatus

TableStatusType = strawberry.enum(
    TableStatus, name="TableStatus", description="Whether a table can be seated."
)
SeatStatusType = strawberry.enum(SeatStatus, name="SeatStatus", description="Seat occupancy.")


@strawberry.type(name="Seat", description="One seat at a table.")
class SeatType:
    seat_number: int = strawberry.field(description="Number of the seat at its table, from 1.")
    status: SeatStatusType = strawberry.field(description="Available or occupied.")  # type: ignore[valid-type]
    customer_name: str | None = strawberry.field(description="Name of the seated guest, if given.")

    @classmethod
    def from_model(cls, seat: Seat) -> SeatType:
        return cls(
            seat_number=seat.seat_number, status=seat.status, customer_name=seat.customer_name
        )


@strawberry.type(name="Table", description="A dining table on the floor plan.")
class TableType:
    id: int = strawberry.field(description="Unique id.")
    table_number: int = strawberry.field(description="The number staff and guests use.")
    capacity: int = strawberry.field(description="Number of seats.")
    status: TableStatusType = strawberry.field(
        description="Available, occupied, reserved or cleaning."
    )  # type: ignore[valid-type]
    current_order_id: int | None = strawberry.field(description="The order holding the table.")
    merged_into: int | None = strawberry.field(
        description="Id of the table this one is merged into, if any."
    )
    version: int = strawberry.field(description="Increments on every change.")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")

    @strawberry.field(description="True when the table is occupied.")
    def is_occupied(self) -> bool:
        return self.status == TableStatus.OCCUPIED

    @strawberry.field(description="The table's seats, by seat number.")
    async def seats(self, info: Info[Context, None]) -> list[SeatType]:
        seats = await loaders.seats_by_table(info.context).load(self.id)
        return [SeatType.from_model(seat) for seat in seats]

    @classmethod
    def from_model(cls, table: DiningTable) -> TableType:
        return cls(
            id=table.id,  # type: ignore[arg-type]
            table_number=table.table_number,
            capacity=table.capacity,
            status=table.status,
            current_order_id=table.current_order_id,
            merged_into=table.merged_into,
            version=table.version,
            updated_at=table.updated_at,
        )


@strawberry.type
class Query:
    @strawberry.field(
        description="All tables by number, optionally only those with a status.",
        permission_classes=[IsAuthenticated],
    )
    async def tables(
        self,
        info: Info[Context, None],
        status: Annotated[
            TableStatusType | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only tables with this status."),
        ] = None,
    ) -> list[TableType]:
        query = select(DiningTable).order_by(col(DiningTable.table_number))
        if status is not None:
            query = query.where(DiningTable.status == TableStatus(status))
        async with info.context.use_session() as session:
            tables = (await session.exec(query)).all()
        return [TableType.from_model(table) for table in tables]

    @strawberry.field(description="One table, or null.", permission_classes=[IsAuthenticated])
    async def table(
        self,
        info: Info[Context, None],
        id: Annotated[int, strawberry.argument(description="Table id.")],
    ) -> TableType | None:
        table = await loaders.table_by_id(info.context).load(id)
        return TableType.from_model(table) if table else None
