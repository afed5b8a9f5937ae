"""GraphQL types and fields for tables and seats."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from restaurant_api.api.graphql import (
    Context,
    IsAuthenticated,
    Money,
    described_enum,
    from_row,
    signed_in,
)
from restaurant_api.api.node import (
    Node,
    decode_id,
    loaded_as,
    optional_global_id,
    register_node,
    to_global_id,
)
from restaurant_api.api.response_cache import staff_read
from restaurant_api.orders import loaders as orders_loaders
from restaurant_api.orders.check_graphql import CheckTaxType
from restaurant_api.orders.models import Order
from restaurant_api.orders.service import SplitMode, SplitRequest
from restaurant_api.tables import loaders, service
from restaurant_api.tables.models import DiningTable, Seat, SeatStatus, TableStatus

if TYPE_CHECKING:
    from restaurant_api.orders.graphql import OrderType
    from restaurant_api.pricing.service import Amounts

# Orders nest their table and tables their current order: the type is resolved lazily.
LazyOrderType = Annotated["OrderType", strawberry.lazy("restaurant_api.orders.graphql")]

# Table lists are naturally small; this bound keeps them so for the cost check.
TABLES_LISTED = 200


def order_type_of(order: Order, event_context: Context | None = None) -> OrderType:
    from restaurant_api.orders.graphql import OrderType

    return OrderType.from_model(order, event_context)


TableStatusType = described_enum(TableStatus, description="Whether a table can be seated.")
SeatStatusType = described_enum(SeatStatus, description="Seat occupancy.")


@strawberry.type(name="Seat", description="One seat at a table.")
class SeatType(Node):
    database_id: int = strawberry.field(description="The integer id of the seat.")
    seat_number: int = strawberry.field(description="Number of the seat at its table, from 1.")
    status: SeatStatusType = strawberry.field(description="Available or occupied.")
    customer_name: str | None = strawberry.field(description="Name of the seated guest, if given.")

    @classmethod
    def from_model(cls, seat: Seat, event_context: Context | None = None) -> SeatType:
        return from_row(cls, seat, event_context=event_context)


@strawberry.type(name="Table", description="A dining table on the floor plan.")
class TableType(Node):
    database_id: int = strawberry.field(description="The integer id REST uses.")
    table_number: int = strawberry.field(description="The number staff and guests use.")
    capacity: int = strawberry.field(description="Number of seats.")
    status: TableStatusType = strawberry.field(
        description="Available, occupied, reserved or cleaning."
    )
    version: int = strawberry.field(description="Increments on every change.")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")
    current_order_db_id: strawberry.Private[int | None]
    merged_into_db_id: strawberry.Private[int | None]

    @strawberry.field(description="Global id of the order holding the table.")
    def current_order_id(self) -> strawberry.ID | None:
        return optional_global_id("Order", self.current_order_db_id)

    @strawberry.field(description="Global id of the table this one is merged into, if any.")
    def merged_into(self) -> strawberry.ID | None:
        return optional_global_id("Table", self.merged_into_db_id)

    @strawberry.field(description="True when the table is occupied.")
    def is_occupied(self) -> bool:
        return self.status == TableStatus.OCCUPIED

    @strawberry.field(description="The table's seats, by seat number.")
    async def seats(self, info: Info[Context, None]) -> list[SeatType]:
        return await self.nested(
            info, loaders.seats_by_table, self.database_id, SeatType.from_model
        )

    @strawberry.field(description="The open order holding the table, if any.")
    async def current_order(self, info: Info[Context, None]) -> LazyOrderType | None:
        return await self.nested_one(
            info, orders_loaders.order_by_id, self.current_order_db_id, order_type_of
        )

    @classmethod
    def from_model(cls, table: DiningTable, event_context: Context | None = None) -> TableType:
        return from_row(
            cls,
            table,
            event_context=event_context,
            merged_into_db_id=table.merged_into,
        )


SplitModeType = described_enum(SplitMode, description="How a bill is split.")


@strawberry.input(description="Which order lines one seat pays for.")
class SeatAssignmentInput:
    seat_number: int = strawberry.field(description="The seat (its number at the table).")
    items: list[int] = strawberry.field(description="Indexes of the order's lines, from 0.")


@strawberry.input(
    description="How to split: ITEMS with `items`, SEATS by the lines' seat numbers or with "
    "`seatAssignments`, EVEN in `ways` equal shares (exact cents, largest remainder)."
)
class SplitInput:
    mode: SplitModeType = strawberry.field(description="ITEMS, SEATS or EVEN.")
    items: list[list[int]] | None = strawberry.field(
        default=None,
        description="ITEMS: one list of line indexes per split; every line exactly once.",
    )
    seat_assignments: list[SeatAssignmentInput] | None = strawberry.field(
        default=None,
        description="SEATS: line indexes per seat; without it, lines split by their seat.",
    )
    ways: int | None = strawberry.field(default=None, description="EVEN: number of shares.")

    def to_request(self) -> SplitRequest:
        mode = SplitMode(self.mode)
        if mode == SplitMode.EVEN:
            return SplitRequest(mode=mode, ways=self.ways)
        if mode == SplitMode.SEATS:
            assignments = self.seat_assignments or []
            return SplitRequest(
                mode=mode,
                seat_numbers=tuple(a.seat_number for a in assignments),
                groups=tuple(tuple(a.items) for a in assignments),
            )
        return SplitRequest(mode=mode, groups=tuple(tuple(g) for g in self.items or []))


@strawberry.type(description="Every column of a split share or of the check split.")
class SplitAmounts:
    subtotal: Money = strawberry.field(description="Sum of the lines before any discount.")
    discount_total: Money = strawberry.field(description="Line and check discounts, comps.")
    service_charge_total: Money = strawberry.field(description="Service charges.")
    tax_total: Money = strawberry.field(description="Exclusive taxes, added to the total.")
    inclusive_tax_total: Money = strawberry.field(
        description="Inclusive taxes, already inside the prices (for the record)."
    )
    taxes: list[CheckTaxType] = strawberry.field(description="Tax per rate.")
    total: Money = strawberry.field(
        description="What the guest pays: subtotal - discounts + service charges + taxes."
    )

    @classmethod
    def of(cls, amounts: Amounts, currency: str) -> SplitAmounts:
        def money(cents: int) -> Money:
            return Money.from_cents(cents, currency)

        return cls(
            subtotal=money(amounts.subtotal_cents),
            discount_total=money(amounts.discount_cents),
            service_charge_total=money(amounts.service_charge_cents),
            tax_total=money(amounts.tax_cents),
            inclusive_tax_total=money(amounts.inclusive_tax_cents),
            taxes=[CheckTaxType.of(tax, currency) for tax in amounts.taxes],
            total=money(amounts.total_cents),
        )


@strawberry.type(description="One share of a split bill.")
class SplitShareType:
    label: str = strawberry.field(description='"Split 1", "Seat 2", "Share 1 of 3", ...')
    line_indexes: list[int] = strawberry.field(
        description="Indexes of the original order's lines in this share (empty for EVEN)."
    )
    seat_number: int | None = strawberry.field(description="The seat paying, for SEATS.")
    total: Money = strawberry.field(
        description="Sum of this share's lines (its subtotal); `check.total` is what it pays."
    )
    check: SplitAmounts = strawberry.field(
        description="This share's exact part of every column of the check (largest "
        "remainder); the shares add up to the order's check in every column."
    )


@strawberry.type(description="What a split would produce; nothing is changed.")
class SplitPreview:
    order_id: strawberry.ID = strawberry.field(
        description="Global id of the order that would be split."
    )
    total: Money = strawberry.field(
        description="The sum of the order's lines; the shares' totals add up to it."
    )
    check: SplitAmounts = strawberry.field(
        description="The order's check: the shares' checks add up to it in every column."
    )
    shares: list[SplitShareType] = strawberry.field(description="The shares, in order.")


TableId = Annotated[strawberry.ID, strawberry.argument(description="The table's global id.")]
OrderId = Annotated[strawberry.ID, strawberry.argument(description="The order's global id.")]
SeatNumber = Annotated[int, strawberry.argument(description="Seat number at the table.")]


async def _listed(
    context: Context, read: Callable[..., Awaitable[list[DiningTable]]], **filters: Any
) -> list[TableType]:
    """The tables a service read lists for the caller, at most TABLES_LISTED."""
    async with context.use_session() as session:
        tables = await read(session, actor=context.user, limit=TABLES_LISTED, **filters)
    return [TableType.from_model(table) for table in tables]


def table_id_of(value: str, field: str = "tableId") -> int:
    return decode_id(value, "Table", field=field)


def order_id_of(value: str, field: str = "orderId") -> int:
    return decode_id(value, "Order", field=field)


_load_tables = loaded_as(loaders.table_by_id, TableType.from_model)
_load_seats = loaded_as(loaders.seat_by_id, SeatType.from_model)


# A seat is read through its table: the same rule as `table`.
register_node("Table", _load_tables, permission_classes=[IsAuthenticated])
register_node("Seat", _load_seats, permission_classes=[IsAuthenticated])


@strawberry.type
class Query:
    @staff_read("All tables by number (at most 200), optionally only those with a status.")
    async def tables(
        self,
        info: Info[Context, None],
        status: Annotated[
            TableStatusType | None,
            strawberry.argument(description="Only tables with this status."),
        ] = None,
    ) -> list[TableType] | None:
        wanted = TableStatus(status) if status is not None else None
        return await _listed(info.context, service.list_tables, status=wanted)

    @staff_read("One table, or null.")
    async def table(self, info: Info[Context, None], id: TableId) -> TableType | None:
        (table,) = await _load_tables(info.context, [table_id_of(id, "id")])
        return table

    @staff_read("Tables that can be seated now (available, not merged; at most 200).")
    async def available_tables(self, info: Info[Context, None]) -> list[TableType] | None:
        return await _listed(info.context, service.available_tables)

    @staff_read("Occupied tables (at most 200).")
    async def occupied_tables(self, info: Info[Context, None]) -> list[TableType] | None:
        return await _listed(info.context, service.occupied_tables)

    @signed_in("The shares splitting the table's order would give; changes nothing.")
    async def split_preview(
        self,
        info: Info[Context, None],
        table_id: TableId,
        split: Annotated[SplitInput, strawberry.argument(description="How to split.")],
    ) -> SplitPreview | None:
        currency = info.context.settings.currency
        database_id = table_id_of(table_id)
        async with info.context.use_session() as session:
            order, shares = await service.preview_split(
                session, actor=info.context.user, table_id=database_id, request=split.to_request()
            )
        whole = shares[0].amounts
        for share in shares[1:]:
            whole = whole + share.amounts
        return SplitPreview(
            order_id=to_global_id("Order", order.id),
            total=Money.from_cents(sum(s.total_cents for s in shares), currency),
            check=SplitAmounts.of(whole, currency),
            shares=[
                SplitShareType(
                    label=share.label,
                    line_indexes=list(share.line_indexes),
                    seat_number=share.seat_number,
                    total=Money.from_cents(share.total_cents, currency),
                    check=SplitAmounts.of(share.amounts, currency),
                )
                for share in shares
            ],
        )
