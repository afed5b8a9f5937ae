"""GraphQL types and fields for kitchen tickets."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.cost import Page
from restaurant_api.api.graphql import Context, IsAuthenticated, result_union, run_mutation
from restaurant_api.kitchen import loaders, service
from restaurant_api.kitchen.models import (
    KitchenTicket,
    KitchenTicketLine,
    TicketEvent,
    TicketStatus,
)
from restaurant_api.orders import loaders as orders_loaders

if TYPE_CHECKING:
    from restaurant_api.orders.graphql import OrderType

TicketStatusType = strawberry.enum(
    TicketStatus,
    name="TicketStatus",
    description="pending -> preparing -> ready -> served; one step back is a recall.",
)


@strawberry.type(name="TicketLine", description="An order line as it was fired to a station.")
class TicketLineType:
    id: int = strawberry.field(description="Unique id.")
    order_line_id: int | None = strawberry.field(
        description="The order line it copies (null once that line was removed)."
    )
    name: str = strawberry.field(description="Item name.")
    quantity: int = strawberry.field(description="How many.")
    modifiers: list[str] = strawberry.field(description="Modifiers, e.g. 'no onions'.")
    seat_number: int | None = strawberry.field(description="Seat the item is for.")
    note: str | None = strawberry.field(description="Note for the kitchen.")
    voided_at: datetime | None = strawberry.field(
        description="When the line was removed or changed after firing (UTC)."
    )
    void_reason: str | None = strawberry.field(description="Why the line was voided.")

    @strawberry.field(description="True when the kitchen should not (or no longer) make it.")
    def is_void(self) -> bool:
        return self.voided_at is not None

    @classmethod
    def from_model(cls, line: KitchenTicketLine) -> TicketLineType:
        return cls(
            id=line.id,  # type: ignore[arg-type]
            order_line_id=line.order_line_id,
            name=line.name,
            quantity=line.quantity,
            modifiers=list(line.modifiers),
            seat_number=line.seat_number,
            note=line.note,
            voided_at=line.voided_at,
            void_reason=line.void_reason,
        )


@strawberry.type(name="TicketEvent", description="One status change of a ticket.")
class TicketEventType:
    status: TicketStatusType = strawberry.field(description="The status entered.")  # type: ignore[valid-type]
    actor_id: int | None = strawberry.field(description="Who changed it.")
    at: datetime = strawberry.field(description="When (UTC).")

    @classmethod
    def from_model(cls, event: TicketEvent) -> TicketEventType:
        return cls(status=event.status, actor_id=event.actor_id, at=event.at)


@strawberry.type(
    name="KitchenTicket", description="Lines of one order fired together to one station."
)
class KitchenTicketType:
    id: int = strawberry.field(description="Unique id.")
    order_id: int = strawberry.field(description="The order the lines belong to.")
    station: str = strawberry.field(description="kitchen, bar or pastry (from the category).")
    status: TicketStatusType = strawberry.field(description="Where the ticket is.")  # type: ignore[valid-type]
    fire_number: int = strawberry.field(
        description="1 for lines sent with the order, 2 for the next lines added, ..."
    )
    dismissed_at: datetime | None = strawberry.field(
        description="When it was taken off the kitchen display."
    )
    created_at: datetime = strawberry.field(description="When it was fired (UTC).")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")

    @strawberry.field(description="The fired lines, voided ones included.")
    async def lines(self, info: Info[Context, None]) -> list[TicketLineType]:
        lines = await loaders.lines_by_ticket(info.context).load(self.id)
        return [TicketLineType.from_model(line) for line in lines]

    @strawberry.field(description="Every status change, oldest first.")
    async def timeline(self, info: Info[Context, None]) -> list[TicketEventType]:
        events = await loaders.events_by_ticket(info.context).load(self.id)
        return [TicketEventType.from_model(event) for event in events]

    @strawberry.field(description="The order this ticket belongs to.")
    async def order(
        self, info: Info[Context, None]
    ) -> Annotated[OrderType, strawberry.lazy("restaurant_api.orders.graphql")] | None:
        from restaurant_api.orders.graphql import OrderType

        order = await orders_loaders.order_by_id(info.context).load(self.order_id)
        return OrderType.from_model(order) if order else None

    @classmethod
    def from_model(cls, ticket: KitchenTicket) -> KitchenTicketType:
        return cls(
            id=ticket.id,  # type: ignore[arg-type]
            order_id=ticket.order_id,
            station=ticket.station,
            status=ticket.status,
            fire_number=ticket.fire_number,
            dismissed_at=ticket.dismissed_at,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
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


@strawberry.type
class Query:
    @strawberry.field(
        description="Tickets on the kitchen display (not dismissed), oldest first, at most "
        "`first`. Without a status filter, served tickets are left out.",
        permission_classes=[IsAuthenticated],
    )
    async def kitchen_tickets(
        self,
        info: Info[Context, None],
        status: Annotated[
            TicketStatusType | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only tickets with this status."),
        ] = None,
        station: Annotated[
            str | None, strawberry.argument(description="Only this station (kitchen, bar, pastry).")
        ] = None,
        first: Annotated[
            int | None,
            strawberry.argument(description="How many tickets, 1 to 200 (default 100)."),
        ] = TICKETS_PAGE.default,
    ) -> list[KitchenTicketType]:
        limit = TICKETS_PAGE.size(first)
        async with info.context.use_session() as session:
            tickets = await service.list_tickets(
                session, actor=info.context.user, status=status, station=station, limit=limit
            )
        return [KitchenTicketType.from_model(ticket) for ticket in tickets]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Move a ticket one step (pending -> preparing -> ready -> served) or "
        "recall it one step. Its current status again changes nothing."
    )
    async def update_ticket_status(
        self,
        info: Info[Context, None],
        ticket_id: Annotated[int, strawberry.argument(description="The ticket.")],
        status: Annotated[TicketStatusType, strawberry.argument(description="The new status.")],  # type: ignore[valid-type]
    ) -> TicketResult:
        async def operation(session: AsyncSession) -> object:
            ticket = await service.set_ticket_status(
                session, actor=info.context.user, ticket_id=ticket_id, status=status
            )
            return TicketPayload(ticket=KitchenTicketType.from_model(ticket))

        return await run_mutation(info, operation)

    @strawberry.mutation(description="Take a ticket off the kitchen display.")
    async def remove_ticket(
        self,
        info: Info[Context, None],
        ticket_id: Annotated[int, strawberry.argument(description="The ticket.")],
    ) -> TicketResult:
        async def operation(session: AsyncSession) -> object:
            ticket = await service.dismiss_ticket(
                session, actor=info.context.user, ticket_id=ticket_id
            )
            return TicketPayload(ticket=KitchenTicketType.from_model(ticket))

        return await run_mutation(info, operation)

    @strawberry.mutation(
        description="Move every active ticket of an order that allows it (the REST "
        "`PUT /api/kitchen/orders/{order_id}`): CONFLICT only when none is already there "
        "and none may move there."
    )
    async def update_order_tickets_status(
        self,
        info: Info[Context, None],
        order_id: Annotated[int, strawberry.argument(description="The order.")],
        status: Annotated[TicketStatusType, strawberry.argument(description="The new status.")],  # type: ignore[valid-type]
    ) -> TicketsResult:
        async def operation(session: AsyncSession) -> object:
            tickets = await service.set_order_tickets_status(
                session, actor=info.context.user, order_id=order_id, status=status
            )
            return TicketsPayload(tickets=[KitchenTicketType.from_model(t) for t in tickets])

        return await run_mutation(info, operation)

    @strawberry.mutation(description="Take all of an order's tickets off the kitchen display.")
    async def remove_order_tickets(
        self,
        info: Info[Context, None],
        order_id: Annotated[int, strawberry.argument(description="The order.")],
    ) -> TicketsResult:
        async def operation(session: AsyncSession) -> object:
            tickets = await service.dismiss_order_tickets(
                session, actor=info.context.user, order_id=order_id
            )
            return TicketsPayload(tickets=[KitchenTicketType.from_model(t) for t in tickets])

        return await run_mutation(info, operation)
