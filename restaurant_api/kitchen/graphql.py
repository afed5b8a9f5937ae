"""GraphQL types and fields for kitchen tickets."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.cost import Page
from restaurant_api.api.graphql import (
    Context,
    IsAuthenticated,
    described_enum,
    from_row,
    result_union,
)
from restaurant_api.api.mutations import domain_mutation
from restaurant_api.api.node import (
    Node,
    decode_id,
    loaded_as,
    optional_global_id,
    register_node,
    to_global_id,
)
from restaurant_api.api.pagination import (
    DEFAULT_PAGE,
    After,
    First,
    after_id_page,
    check_first,
    connection_type,
    decode_time_id_cursor,
    id_connection_page,
    time_id_cursor,
)
from restaurant_api.api.response_cache import staff_read
from restaurant_api.db import utcnow
from restaurant_api.kitchen import lateness, loaders, service
from restaurant_api.kitchen.models import (
    KitchenTicket,
    KitchenTicketLine,
    TicketEvent,
    TicketStatus,
)
from restaurant_api.kitchen.stations_graphql import KitchenStationType
from restaurant_api.orders import loaders as orders_loaders

if TYPE_CHECKING:
    from restaurant_api.orders.graphql import OrderType

TicketStatusType = described_enum(
    TicketStatus,
    description="held (a later course, not fired yet) -> pending -> preparing -> ready -> "
    "served; one step back is a recall.",
)


@strawberry.type(name="TicketLine", description="An order line as it was fired to a station.")
class TicketLineType(Node):
    database_id: int = strawberry.field(description="The integer id of the ticket line.")
    name: str = strawberry.field(description="Item name.")
    quantity: int = strawberry.field(description="How many.")
    modifiers: list[str] = strawberry.field(description="Modifiers, e.g. 'no onions'.")
    options: list[str] = strawberry.field(
        description="Kitchen names of the modifier options chosen (e.g. 'MED RARE', '+BACON'), "
        "in menu order, as fired."
    )
    seat_number: int | None = strawberry.field(description="Seat the item is for.")
    note: str | None = strawberry.field(description="Note for the kitchen.")
    voided_at: datetime | None = strawberry.field(
        description="When the line was removed or changed after firing (UTC)."
    )
    void_reason: str | None = strawberry.field(description="Why the line was voided.")
    prep_minutes: int | None = strawberry.field(
        description="Prep-time target of the line as fired, in minutes (the item's, else its "
        "station's default; null: none)."
    )
    ready_at: datetime | None = strawberry.field(
        description="When its station bumped it ready (UTC), before or with its ticket."
    )
    order_line_db_id: strawberry.Private[int | None]

    @strawberry.field(
        description="Global id of the order line it copies (null once that line was removed)."
    )
    def order_line_id(self) -> strawberry.ID | None:
        return optional_global_id("OrderLine", self.order_line_db_id)

    @strawberry.field(description="True when the kitchen should not (or no longer) make it.")
    def is_void(self) -> bool:
        return self.voided_at is not None

    @classmethod
    def from_model(
        cls, line: KitchenTicketLine, event_context: Context | None = None
    ) -> TicketLineType:
        return from_row(cls, line, event_context=event_context)


@strawberry.type(name="TicketEvent", description="One status change of a ticket.")
class TicketEventType:
    status: TicketStatusType = strawberry.field(description="The status entered.")
    at: datetime = strawberry.field(description="When (UTC).")
    actor_db_id: strawberry.Private[int | None]

    @strawberry.field(description="Global id of the user who changed it.")
    def actor_id(self) -> strawberry.ID | None:
        return optional_global_id("User", self.actor_db_id)

    @classmethod
    def from_model(cls, event: TicketEvent) -> TicketEventType:
        return cls(status=event.status, actor_db_id=event.actor_id, at=event.at)


TicketEventConnection = connection_type(
    TicketEventType,
    "TicketEvent",
    noun="changes",
    item="A status change in a connection.",
    node="The status change.",
    description="A page of a ticket's status changes, oldest first.",
)


@strawberry.type(
    name="KitchenTicket", description="Lines of one order fired together to one station."
)
class KitchenTicketType(Node):
    database_id: int = strawberry.field(description="The integer id REST uses.")
    station: str = strawberry.field(
        description="Name of the station that makes it (stations are configured by managers; "
        "routing rules pick one per line)."
    )
    course: int = strawberry.field(
        description="The course of its lines: 1 starters, 2 mains, 3 desserts, ..."
    )
    status: TicketStatusType = strawberry.field(description="Where the ticket is.")
    fire_number: int = strawberry.field(
        description="1 for lines sent with the order, 2 for the next lines added, ..."
    )
    dismissed_at: datetime | None = strawberry.field(
        description="When it was taken off the kitchen display."
    )
    fired_at: datetime | None = strawberry.field(
        description="When cooks were told to start (UTC); null while held."
    )
    due_at: datetime | None = strawberry.field(
        description="When it should be ready: fired at + the longest prep-time target of its "
        "lines (UTC); null without targets or while held."
    )
    late_at: datetime | None = strawberry.field(
        description="When the server found it late (due passed while not ready), announced "
        "once to kitchen subscribers (UTC)."
    )
    ready_at: datetime | None = strawberry.field(
        description="When it last became ready (UTC); a recall clears it."
    )
    served_at: datetime | None = strawberry.field(description="When it was served (UTC).")
    pickup_ready_at: datetime | None = strawberry.field(
        description="When the expo called the order's food ready for pickup (UTC)."
    )
    station_db_id: strawberry.Private[int]
    created_at: datetime = strawberry.field(description="When it was fired (UTC).")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")
    order_db_id: strawberry.Private[int]

    @strawberry.field(description="Global id of the order the lines belong to.")
    def order_id(self) -> strawberry.ID:
        return to_global_id("Order", self.order_db_id)

    @strawberry.field(
        description="The station that makes it (retired ones too): its configuration, as "
        "`kitchenStations` lists it."
    )
    async def kitchen_station(self, info: Info[Context, None]) -> KitchenStationType | None:
        station = await loaders.station_by_id(self.context(info)).load(self.station_db_id)
        return None if station is None else KitchenStationType.from_model(station)

    @strawberry.field(description="True once taken off the kitchen display.")
    def is_dismissed(self) -> bool:
        return self.dismissed_at is not None

    @strawberry.field(
        description="True when it missed its due time: announced late, its due time has "
        "passed while pending or preparing, or it became ready after it (stays true: it "
        "was late)."
    )
    def is_late(self) -> bool:
        return lateness.is_late(self, utcnow())

    @strawberry.field(
        description="Why it is (or was) late, e.g. 'not ready 3 min after due: 2x Ribeye "
        "(25 min target)'; null when it is not late."
    )
    async def late_reason(self, info: Info[Context, None]) -> str | None:
        now = utcnow()
        if not lateness.is_late(self, now):
            return None
        lines = await loaders.lines_by_ticket(self.context(info)).load(self.database_id)
        reason = lateness.late_reason(self, lines, now)
        return reason.text() if reason else None

    @strawberry.field(description="The fired lines, voided ones included.")
    async def lines(self, info: Info[Context, None]) -> list[TicketLineType]:
        return await self.nested(
            info, loaders.lines_by_ticket, self.database_id, TicketLineType.from_model
        )

    @strawberry.field(
        description="Every status change, oldest first, as a cursor connection (from the "
        "stored kitchen_ticket_events)."
    )
    async def timeline(
        self,
        info: Info[Context, None],
        first: First = DEFAULT_PAGE,
        after: After = None,
    ) -> TicketEventConnection:
        after_id = after_id_page(first, after)
        # A ticket has a handful of events: the loader reads them all, in one batch.
        events = await loaders.events_by_ticket(self.context(info)).load(self.database_id)
        remaining = [e for e in events if after_id is None or e.id > after_id]
        return id_connection_page(
            TicketEventConnection,
            remaining,
            first,
            TicketEventType.from_model,
            after_id is not None,
        )

    @strawberry.field(description="The order this ticket belongs to.")
    async def order(
        self, info: Info[Context, None]
    ) -> Annotated[OrderType, strawberry.lazy("restaurant_api.orders.graphql")] | None:
        from restaurant_api.orders.graphql import OrderType

        return await self.nested_one(
            info, orders_loaders.order_by_id, self.order_db_id, OrderType.from_model
        )

    @classmethod
    def from_model(
        cls, ticket: KitchenTicket, event_context: Context | None = None
    ) -> KitchenTicketType:
        return from_row(cls, ticket, event_context=event_context)


KitchenTicketConnection = connection_type(
    KitchenTicketType,
    "KitchenTicket",
    noun="tickets",
    item="A kitchen ticket in a connection.",
    node="The ticket.",
    description="A page of kitchen tickets, newest first.",
)


@strawberry.type(description="A ticket after a change.")
class TicketPayload:
    ticket: KitchenTicketType = strawberry.field(description="The ticket as it is now.")


@strawberry.type(description="An order's active tickets after a change.")
class TicketsPayload:
    tickets: list[KitchenTicketType] = strawberry.field(description="The tickets as they are now.")


TicketResult = result_union("TicketResult", TicketPayload, "The changed ticket, or why not.")
TicketsResult = result_union(
    "TicketsResult", TicketsPayload, "The changed tickets of an order, or why not."
)


TICKETS_PAGE = Page(default=100, maximum=200)
TicketsFirst = Annotated[int | None, TICKETS_PAGE.argument("tickets")]
StationFilter = Annotated[
    str | None,
    strawberry.argument(
        description="Only this station (a name of `kitchenStations`, case ignored; retired "
        "ones too); another name is a VALIDATION_ERROR on field station."
    ),
]
# TicketStatus is TicketStatusType (registered in place); mypy cannot alias the plugin's alias.
StatusFilter = Annotated[
    TicketStatus | None, strawberry.argument(description="Only tickets with this status.")
]
TicketId = Annotated[strawberry.ID, strawberry.argument(description="The ticket's global id.")]
OrderId = Annotated[strawberry.ID, strawberry.argument(description="The order's global id.")]


_load_tickets = loaded_as(loaders.ticket_by_id, KitchenTicketType.from_model)
_load_ticket_lines = loaded_as(loaders.ticket_line_by_id, TicketLineType.from_model)


# Tickets and their lines are read by every signed-in role, like `kitchenTickets`.
register_node("KitchenTicket", _load_tickets, permission_classes=[IsAuthenticated])
register_node("TicketLine", _load_ticket_lines, permission_classes=[IsAuthenticated])


def _ticket_id(value: str) -> int:
    return decode_id(value, "KitchenTicket", field="ticketId")


def _order_id(value: str) -> int:
    return decode_id(value, "Order", field="orderId")


@strawberry.type
class Query:
    @staff_read(
        "Tickets on the kitchen display (not dismissed), oldest first, at most "
        "`first`. Without a status filter, served tickets are left out."
    )
    async def kitchen_tickets(
        self,
        info: Info[Context, None],
        status: StatusFilter = None,
        station: StationFilter = None,
        first: TicketsFirst = TICKETS_PAGE.default,
    ) -> list[KitchenTicketType] | None:
        limit = TICKETS_PAGE.size(first)
        async with info.context.use_session() as session:
            tickets = await service.list_tickets(
                session, actor=info.context.user, status=status, station=station, limit=limit
            )
        return [KitchenTicketType.from_model(ticket) for ticket in tickets]

    @staff_read(
        "Every ticket ever fired (served and dismissed ones too), newest first, "
        "as a cursor connection."
    )
    async def kitchen_ticket_history(
        self,
        info: Info[Context, None],
        first: First = DEFAULT_PAGE,
        after: After = None,
        station: StationFilter = None,
        status: StatusFilter = None,
    ) -> KitchenTicketConnection | None:
        check_first(first)
        before = decode_time_id_cursor(after) if after else None
        async with info.context.use_session() as session:
            tickets = await service.ticket_history(
                session,
                actor=info.context.user,
                station=station,
                status=status,
                before=before,
                limit=first + 1,
            )
        return id_connection_page(
            KitchenTicketConnection,
            tickets,
            first,
            KitchenTicketType.from_model,
            has_previous_page=after is not None,
            cursor=time_id_cursor,
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Move a ticket one step (pending -> preparing -> ready -> served) or "
        "recall it one step. Its current status again changes nothing."
    )
    @domain_mutation
    async def update_ticket_status(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        ticket_id: TicketId,
        status: Annotated[TicketStatusType, strawberry.argument(description="The new status.")],
    ) -> TicketResult:
        ticket = await service.set_ticket_status(
            session, actor=info.context.user, ticket_id=_ticket_id(ticket_id), status=status
        )
        return TicketPayload(ticket=KitchenTicketType.from_model(ticket))

    @strawberry.mutation(description="Take a ticket off the kitchen display.")
    @domain_mutation
    async def remove_ticket(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        ticket_id: TicketId,
    ) -> TicketResult:
        ticket = await service.dismiss_ticket(
            session, actor=info.context.user, ticket_id=_ticket_id(ticket_id)
        )
        return TicketPayload(ticket=KitchenTicketType.from_model(ticket))

    @strawberry.mutation(
        description="Move every active ticket of an order that allows it (the REST "
        "`PUT /api/kitchen/orders/{order_id}`): CONFLICT only when none is already there "
        "and none may move there."
    )
    @domain_mutation
    async def update_order_tickets_status(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        order_id: OrderId,
        status: Annotated[TicketStatusType, strawberry.argument(description="The new status.")],
    ) -> TicketsResult:
        tickets = await service.set_order_tickets_status(
            session, actor=info.context.user, order_id=_order_id(order_id), status=status
        )
        return TicketsPayload(tickets=[KitchenTicketType.from_model(t) for t in tickets])

    @strawberry.mutation(description="Take all of an order's tickets off the kitchen display.")
    @domain_mutation
    async def remove_order_tickets(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        order_id: OrderId,
    ) -> TicketsResult:
        tickets = await service.dismiss_order_tickets(
            session, actor=info.context.user, order_id=_order_id(order_id)
        )
        return TicketsPayload(tickets=[KitchenTicketType.from_model(t) for t in tickets])
