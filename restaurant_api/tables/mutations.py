"""GraphQL mutations for tables and seats: inputs, payloads and the Mutation fields."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.graphql import Context, result_union
from restaurant_api.api.mutations import domain_mutation
from restaurant_api.api.node import to_global_id
from restaurant_api.tables import service
from restaurant_api.tables.graphql import (
    LazyOrderType,
    OrderId,
    SeatNumber,
    SplitInput,
    TableId,
    TableStatusType,
    TableType,
    order_id_of,
    order_type_of,
    table_id_of,
)
from restaurant_api.tables.models import TableStatus


@strawberry.input(description="A new table.")
class CreateTableInput:
    table_number: int = strawberry.field(description="Unique number staff and guests use.")
    capacity: int = strawberry.field(description="Number of seats, 1 to 50.")


@strawberry.input(description="Changes to a table; omitted fields stay as they are.")
class UpdateTableInput:
    table_number: int | None = strawberry.field(default=None, description="New unique number.")
    capacity: int | None = strawberry.field(
        default=None, description="New number of seats (1-50): seats are added or removed."
    )
    status: TableStatusType | None = strawberry.field(
        default=None, description="New status, e.g. RESERVED or CLEANING (managers)."
    )


@strawberry.type(description="A table after a change.")
class TablePayload:
    table: TableType = strawberry.field(description="The table as it is now.")


@strawberry.type(description="A deleted table.")
class DeleteTablePayload:
    id: strawberry.ID = strawberry.field(description="Global id the deleted table had.")
    message: str = strawberry.field(description='"Table deleted successfully".')


@strawberry.type(description="A seat after a change.")
class SeatPayload:
    message: str = strawberry.field(description='"Seat 2 assigned successfully", ...')
    seat_number: int = strawberry.field(description="The seat.")
    table: TableType = strawberry.field(description="Its table as it is now.")


@strawberry.type(description="Two tables after a merge.")
class MergePayload:
    table: TableType = strawberry.field(description="The first table, holding both now.")
    merged_table: TableType = strawberry.field(description="The second table, merged into it.")
    order: LazyOrderType | None = strawberry.field(description="The combined open order.")


@strawberry.type(description="Two tables after an unmerge.")
class UnmergePayload:
    table: TableType = strawberry.field(description="The first table, back to its own seats.")
    restored_table: TableType = strawberry.field(description="The second table, restored.")
    restored_order: LazyOrderType | None = strawberry.field(
        description="The second table's order with the lines that came from it, if any."
    )


@strawberry.type(description="An order moved to another table.")
class TransferPayload:
    order: LazyOrderType = strawberry.field(description="The order.")
    table: TableType = strawberry.field(description="Its new table.")


@strawberry.type(description="A split bill.")
class SplitBillPayload:
    orders: list[LazyOrderType] = strawberry.field(
        description="The new orders, one per share; their totals add up to the original's."
    )


TableResult = result_union("TableResult", TablePayload, "The table, or why not.")
DeleteTableResult = result_union("DeleteTableResult", DeleteTablePayload, "Deleted, or why not.")
SeatResult = result_union("SeatResult", SeatPayload, "The seat's table, or why not.")
MergeResult = result_union("MergeTablesResult", MergePayload, "The merged tables, or why not.")
UnmergeResult = result_union("UnmergeTableResult", UnmergePayload, "The tables, or why not.")
TransferResult = result_union("TransferOrderResult", TransferPayload, "Moved, or why not.")
SplitBillResult = result_union("SplitBillResult", SplitBillPayload, "The splits, or why not.")


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a table with its seats (managers).")
    @domain_mutation
    async def create_table(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[CreateTableInput, strawberry.argument(description="The new table.")],
    ) -> TableResult:
        table = await service.create_table(
            session,
            actor=info.context.user,
            table_number=input.table_number,
            capacity=input.capacity,
        )
        return TablePayload(table=TableType.from_model(table))

    @strawberry.mutation(description="Renumber, resize or set the status of a table (managers).")
    @domain_mutation
    async def update_table(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        id: TableId,
        input: Annotated[UpdateTableInput, strawberry.argument(description="The changes.")],
    ) -> TableResult:
        table = await service.update_table(
            session,
            actor=info.context.user,
            table_id=table_id_of(id, "id"),
            table_number=input.table_number,
            capacity=input.capacity,
            status=TableStatus(input.status) if input.status is not None else None,
        )
        return TablePayload(table=TableType.from_model(table))

    @strawberry.mutation(description="Delete a table that is not in use (managers).")
    @domain_mutation
    async def delete_table(
        self, info: Info[Context, None], session: AsyncSession, id: TableId
    ) -> DeleteTableResult:
        table_id = table_id_of(id, "id")
        await service.delete_table(session, actor=info.context.user, table_id=table_id)
        return DeleteTablePayload(
            id=to_global_id("Table", table_id), message="Table deleted successfully"
        )

    @strawberry.mutation(description="Seat an open order at a table: it becomes occupied.")
    @domain_mutation
    async def assign_table(
        self, info: Info[Context, None], session: AsyncSession, table_id: TableId, order_id: OrderId
    ) -> TableResult:
        table = await service.assign_table(
            session,
            actor=info.context.user,
            table_id=table_id_of(table_id),
            order_id=order_id_of(order_id),
        )
        return TablePayload(table=TableType.from_model(table))

    @strawberry.mutation(description="Free a table: no order, every seat available.")
    @domain_mutation
    async def release_table(
        self, info: Info[Context, None], session: AsyncSession, table_id: TableId
    ) -> TableResult:
        table = await service.release_table(
            session, actor=info.context.user, table_id=table_id_of(table_id)
        )
        return TablePayload(table=TableType.from_model(table))

    @strawberry.mutation(description="Seat a guest; an occupied seat is a SEAT_TAKEN conflict.")
    @domain_mutation
    async def assign_seat(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        table_id: TableId,
        seat_number: SeatNumber,
        customer_name: Annotated[
            str | None, strawberry.argument(description="The guest's name (optional).")
        ] = None,
    ) -> SeatResult:
        table = await service.assign_seat(
            session,
            actor=info.context.user,
            table_id=table_id_of(table_id),
            seat_number=seat_number,
            customer_name=customer_name,
        )
        return SeatPayload(
            message=f"Seat {seat_number} assigned successfully",
            seat_number=seat_number,
            table=TableType.from_model(table),
        )

    @strawberry.mutation(description="Free a seat; the table frees itself when nobody is left.")
    @domain_mutation
    async def release_seat(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        table_id: TableId,
        seat_number: SeatNumber,
    ) -> SeatResult:
        table = await service.release_seat(
            session,
            actor=info.context.user,
            table_id=table_id_of(table_id),
            seat_number=seat_number,
        )
        return SeatPayload(
            message=f"Seat {seat_number} released successfully",
            seat_number=seat_number,
            table=TableType.from_model(table),
        )

    @strawberry.mutation(
        description="Merge the second table into the first: seats, capacity and open orders "
        "combine; nothing is sent to the kitchen again."
    )
    @domain_mutation
    async def merge_tables(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        table_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global id of the table that stays.")
        ],
        other_table_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global id of the table merged into it.")
        ],
    ) -> MergeResult:
        result = await service.merge_tables(
            session,
            actor=info.context.user,
            table_id=table_id_of(table_id),
            other_table_id=table_id_of(other_table_id, "otherTableId"),
        )
        return MergePayload(
            table=TableType.from_model(result.table),
            merged_table=TableType.from_model(result.merged_table),
            order=order_type_of(result.order) if result.order else None,
        )

    @strawberry.mutation(
        description="Undo a merge (either table of the pair): the second table gets back its "
        "seats, capacity and, while the order is open, its lines."
    )
    @domain_mutation
    async def unmerge_table(
        self, info: Info[Context, None], session: AsyncSession, table_id: TableId
    ) -> UnmergeResult:
        result = await service.unmerge_table(
            session, actor=info.context.user, table_id=table_id_of(table_id)
        )
        restored = result.restored_order
        return UnmergePayload(
            table=TableType.from_model(result.table),
            restored_table=TableType.from_model(result.restored_table),
            restored_order=order_type_of(restored) if restored else None,
        )

    @strawberry.mutation(description="Move an open order to another table, freeing the old one.")
    @domain_mutation
    async def transfer_order(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        order_id: OrderId,
        table_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global id of the new table.")
        ],
    ) -> TransferResult:
        order, table = await service.transfer_order(
            session,
            actor=info.context.user,
            order_id=order_id_of(order_id),
            table_id=table_id_of(table_id),
        )
        return TransferPayload(order=order_type_of(order), table=TableType.from_model(table))

    @strawberry.mutation(
        description="Split the table's order into new orders (ITEMS, SEATS or EVEN); the "
        "original becomes `split`; nothing is sent to the kitchen again."
    )
    @domain_mutation
    async def split_bill(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        table_id: TableId,
        split: Annotated[SplitInput, strawberry.argument(description="How to split.")],
    ) -> SplitBillResult:
        orders = await service.split_bill(
            session,
            actor=info.context.user,
            table_id=table_id_of(table_id),
            request=split.to_request(),
        )
        return SplitBillPayload(orders=[order_type_of(order) for order in orders])
